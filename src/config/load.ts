/**
 * Finding and reading `hotswap.config.json`. Reading never applies defaults (that is resolve.ts): it
 * returns what the file says, or one usage error that lists every bad key path.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { usageError } from '../errors.js';
import { fileSchema, type FileConfig } from './schema.js';

export const CONFIG_FILE_NAME = 'hotswap.config.json';
export const SCHEMA_HINT = 'fix these keys; the schema is config/hotswap.schema.json';

/** One bad key: `where` is a key path like `target.health.url`. */
export interface ConfigProblem {
  readonly where: string;
  readonly message: string;
}

/** The nearest `hotswap.config.json` in `startDir` or a directory above it, or null. */
export function findConfigFile(startDir: string): string | null {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Reads and validates a config file; throws one usage error naming every problem. */
export function loadConfigFile(path: string): FileConfig {
  const result = readConfigFile(path);
  if ('problems' in result) {
    throw usageError(`invalid config ${path}: ${formatProblems(result.problems)}`, { hint: SCHEMA_HINT, phase: 'config' });
  }
  return result.config;
}

/**
 * Reads a config file: throws on a missing file or bad JSON (nothing more to say), returns the schema
 * problems so a caller can report them together with its own (resolveConfig adds the flags').
 */
export function readConfigFile(path: string): ReturnType<typeof checkConfig> {
  return checkConfig(parseJsonFile(path));
}

/** Validates parsed JSON against the file schema, collecting every problem rather than the first. */
function checkConfig(raw: unknown): { config: FileConfig } | { problems: ConfigProblem[] } {
  const parsed = fileSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data };
  return { problems: parsed.error.issues.flatMap(problemsOf) };
}

export const formatProblems = (problems: readonly ConfigProblem[]): string =>
  problems.map((p) => `${p.where}: ${p.message}`).join('; ');

/** The file as JSONC, like devcontainer.json: comments are allowed; trailing commas and other syntax errors are not. */
function parseJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, ''); // editors on Windows may add a BOM
  } catch (cause) {
    throw missingOrUnreadable(path, cause);
  }
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: false, disallowComments: false, allowEmptyContent: false });
  const [first] = errors;
  if (!first) return value;
  throw usageError(`config file ${path} is not valid JSON at ${lineColumn(text, first.offset)}: ${syntaxProblem(first)}`, {
    hint: 'fix the JSON syntax (comments are fine; trailing commas are not); the schema is config/hotswap.schema.json',
    phase: 'config',
  });
}

/** jsonc-parser's code in words: `CommaExpected` → "comma expected". */
const syntaxProblem = (error: ParseError): string =>
  printParseErrorCode(error.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

function missingOrUnreadable(path: string, cause: unknown) {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return usageError(`config file not found: ${path}`, {
      hint: 'check the --config path, or leave it out to use hotswap.config.json found upward from the current directory (hotswap init writes one)',
      phase: 'config',
      cause,
    });
  }
  return usageError(`cannot read config file ${path}: ${(cause as Error).message}`, {
    hint: code === 'EISDIR' ? 'pass the file, not its directory' : 'check its permissions',
    phase: 'config',
    cause,
  });
}

/** One problem per unknown key, so each is named with its full path. */
function problemsOf(issue: z.core.$ZodIssue): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ where: keyPath([...issue.path, key]), message: 'unknown key' }));
  }
  return [{ where: keyPath(issue.path), message: issue.message }];
}

/** `target.create.ports[0]`; the root is `(top level)`. */
function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

/** 1-based `line L, column C` of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line}, column ${column}`;
}
