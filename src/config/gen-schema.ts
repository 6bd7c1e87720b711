/**
 * Generates `config/hotswap.schema.json` from the zod schema, so editors complete and check
 * `hotswap.config.json` with the same rules hotswap enforces. Run: `npm run gen:schema` (after a build).
 * A unit test fails when the checked-in file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as z from 'zod';
import { DEFAULTS } from './resolve.js';
import { fileSchema } from './schema.js';

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  default?: unknown;
}

/** The defaults in the file's shape: DEFAULTS keeps the log level under output, and rollbackOnFail follows verify. */
const FILE_DEFAULTS = {
  ...DEFAULTS,
  logLevel: DEFAULTS.output.logLevel,
  target: { ...DEFAULTS.target, rollbackOnFail: DEFAULTS.target.verify },
};

/**
 * Writes each key's default from resolve.ts's DEFAULTS into the schema (editors show it), so a default is still
 * written down once. Keys inside `targets` have none of their own: they default to the top-level ones.
 */
function withDefaults(node: JsonSchemaNode, defaults: unknown): void {
  if (defaults === null || typeof defaults !== 'object' || !node.properties) return;
  for (const [key, child] of Object.entries(node.properties)) {
    if (!(key in defaults)) continue;
    const value = (defaults as Record<string, unknown>)[key];
    if (child.properties) withDefaults(child, value);
    else child.default = value;
  }
}

/** From src/config or dist/config alike, the repository's config/ is two levels up. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../config/hotswap.schema.json', import.meta.url));

export function buildJsonSchema(): object {
  const { $schema, ...rest } = z.toJSONSchema(fileSchema) as JsonSchemaNode & { $schema?: string };
  withDefaults(rest, FILE_DEFAULTS);
  return {
    $schema,
    title: 'hotswap.config.json',
    description:
      'Configuration of hotswap: watch a Go repository, build its server binary and hot-swap it into a running Docker container. ' +
      'Every key is optional; paths are relative to this file (repo) or to the repo (the others).',
    ...rest,
  };
}

/** The file's exact text: 2-space JSON and a final newline. */
export const jsonSchemaText = (): string => `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;

const runAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runAsScript) {
  writeFileSync(SCHEMA_FILE, jsonSchemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
