import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, jsonSchemaText, SCHEMA_FILE } from '../../src/config/gen-schema.js';
import { DEFAULTS } from '../../src/config/resolve.js';

describe('config/hotswap.schema.json', () => {
  it('matches the schema hotswap validates with', () => {
    const onDisk: unknown = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    expect(onDisk, 'config/hotswap.schema.json is stale: run `npm run build && npm run gen:schema`').toEqual(buildJsonSchema());
  });

  it('is written exactly as the generator writes it', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8') === jsonSchemaText(), 'formatting differs: run `npm run gen:schema`').toBe(true);
  });

  it('describes every key and gives every key outside targets its default, from resolve.ts', () => {
    interface Node { properties?: Record<string, Node>; items?: Node; description?: string; default?: unknown }
    const missing: string[] = [];
    const walk = (node: Node, at: string, inTargets: boolean) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const where = `${at}${key}`;
        if (!child.description) missing.push(`${where}: no description`);
        // No static default: $schema, targets (one target, the top level), the builder image (from go.mod).
        const computed = ['$schema', 'targets', 'build.builderImage'].includes(where);
        if (!child.properties && !inTargets && !computed && !('default' in child)) missing.push(`${where}: no default`);
        walk(child, `${where}.`, inTargets);
        if (child.items) walk(child.items, `${where}[].`, true);
      }
    };
    walk(buildJsonSchema() as Node, '', false);
    expect(missing).toEqual([]);
    const schema = buildJsonSchema() as { properties: Record<string, { properties: Record<string, { default?: unknown }> }> };
    expect(schema.properties.watch!.properties.debounceMs!.default).toBe(DEFAULTS.watch.debounceMs);
    expect(schema.properties.target!.properties.container!.default).toBe(DEFAULTS.target.container);
  });

  it('lets a config file name its schema and refuses unknown keys', () => {
    const schema = buildJsonSchema() as { properties: Record<string, unknown>; additionalProperties: unknown };
    expect(schema.properties).toHaveProperty('$schema');
    expect(schema.additionalProperties).toBe(false);
  });
});
