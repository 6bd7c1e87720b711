/**
 * program.ts as the sources run (tsc's output, the tests): imported. The bundle puts `cached-program.ts` in
 * this module's place (scripts/bundle.mjs), which loads the same program from one file with V8's code cache.
 */
import type { main } from '../program.js';

export interface LoadedProgram {
  main: typeof main;
  /** Called when the command is done: the bundle keeps its code cache then. */
  done(): void;
}

export async function loadProgram(_argv: readonly string[]): Promise<LoadedProgram> {
  return { main: (await import('../program.js')).main, done: () => {} };
}
