/**
 * program.ts as the package ships it: `dist/chunks/hotswap.cjs`, one CommonJS file (every command in it, each
 * initialized when it runs) compiled with V8's code cache, one cache per command (code-cache.ts).
 * The bundle's stand-in for `load-program.ts` (scripts/bundle.mjs).
 */
import { fileURLToPath } from 'node:url';
import { codeCacheDir, requireWithCodeCache } from './code-cache.js';
import type { LoadedProgram } from './load-program.js';

// This module is a chunk of dist/cli.js's in dist/chunks, beside the program (scripts/bundle.mjs).
const PROGRAM = fileURLToPath(new URL('hotswap.cjs', import.meta.url));

/** The command's name, the first word that is not a flag (a shared flag's value at worst: another cache). */
const commandOf = (argv: readonly string[]) => argv.find((a) => !a.startsWith('-'))?.match(/^[a-z]{1,20}$/)?.[0] ?? 'other';

export async function loadProgram(argv: readonly string[]): Promise<LoadedProgram> {
  const loaded = requireWithCodeCache(PROGRAM, commandOf(argv), codeCacheDir(process.env));
  return { main: loaded.exports.main as LoadedProgram['main'], done: loaded.keep };
}
