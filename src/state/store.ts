/**
 * `.hotswap/state.json`: the last built tree and artifact, and the last runs. One owner; written
 * atomically (temp file + rename) so a crash never leaves half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '../report.js';

export const MAX_RUNS = 50;

export interface LastBuilt {
  readonly tree: string;
  readonly sha256: string;
  readonly version: string | null;
  readonly at: string;
}

export interface State {
  readonly lastBuilt: LastBuilt | null;
  readonly runs: readonly Report[];
}

const EMPTY: State = { lastBuilt: null, runs: [] };

/** `<repo>/.hotswap`: everything hotswap keeps for a repo (state, log, lock, built binaries, private index). */
export const stateDir = (repo: string) => join(repo, '.hotswap');
export const statePath = (repo: string, name: string) => join(stateDir(repo), name);
const stateFile = (repo: string) => statePath(repo, 'state.json');

export async function readState(repo: string): Promise<State> {
  try {
    const parsed = JSON.parse(await readFile(stateFile(repo), 'utf8')) as Partial<State>;
    return { lastBuilt: parsed.lastBuilt ?? null, runs: Array.isArray(parsed.runs) ? parsed.runs : [] };
  } catch {
    // A missing or unreadable state only means "nothing built yet": the next run rebuilds.
    return EMPTY;
  }
}

/** Adds a run (keeping the newest MAX_RUNS) and, when it swapped, records what was built. */
export function withRun(state: State, report: Report, built: LastBuilt | null): State {
  return {
    lastBuilt: built ?? state.lastBuilt,
    runs: [...state.runs, report].slice(-MAX_RUNS),
  };
}

export async function writeState(repo: string, state: State): Promise<void> {
  await mkdir(stateDir(repo), { recursive: true, mode: 0o700 });
  const target = stateFile(repo);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(temp, target);
}

/** Read-modify-write of the state for one finished run. */
export async function recordRun(repo: string, report: Report, built: LastBuilt | null): Promise<void> {
  await writeState(repo, withRun(await readState(repo), report, built));
}
