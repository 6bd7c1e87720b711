/**
 * `.hotswap/state.json`: each target's last built tree and artifact, and the last runs. One owner;
 * written atomically (temp file + rename) so a crash never leaves half a file.
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
  /** By target name: one target's build never stands for another's. */
  readonly built: Readonly<Record<string, LastBuilt>>;
  readonly runs: readonly Report[];
}

/** What a swapped run built, for its target. */
export interface Built {
  readonly name: string;
  readonly lastBuilt: LastBuilt;
}

const EMPTY: State = { built: {}, runs: [] };

/** `<repo>/.hotswap`: everything hotswap keeps for a repo (state, log, lock, built binaries, private index). */
export const stateDir = (repo: string) => join(repo, '.hotswap');
export const statePath = (repo: string, name: string) => join(stateDir(repo), name);
const stateFile = (repo: string) => statePath(repo, 'state.json');

export async function readState(repo: string): Promise<State> {
  try {
    const parsed = JSON.parse(await readFile(stateFile(repo), 'utf8')) as Partial<State> & { lastBuilt?: LastBuilt | null };
    const runs = Array.isArray(parsed.runs) ? parsed.runs : [];
    const built = typeof parsed.built === 'object' && parsed.built !== null ? parsed.built : {};
    return { built: { ...fromSingleTarget(parsed.lastBuilt, runs), ...built }, runs };
  } catch {
    // A missing or unreadable state only means "nothing built yet": the next run rebuilds.
    return EMPTY;
  }
}

/**
 * A state file from before targets had one top-level `lastBuilt`, the single target's, whose name was its
 * container's: the run that swapped it in names it. Not found (runs rotated out) → built again, never skipped.
 */
function fromSingleTarget(lastBuilt: LastBuilt | null | undefined, runs: readonly Report[]): Record<string, LastBuilt> {
  if (!lastBuilt) return {};
  const run = [...runs].reverse().find((r) => r.outcome === 'swapped' && r.sha256 === lastBuilt.sha256);
  return run ? { [run.container]: lastBuilt } : {};
}

/** The last build swapped into a target, or null (nothing built yet for it). */
export const lastBuiltOf = (state: State, name: string): LastBuilt | null => state.built[name] ?? null;

/** Adds a run (keeping the newest MAX_RUNS) and, when it swapped, records what was built for its target. */
export function withRun(state: State, report: Report, built: Built | null): State {
  return {
    built: built ? { ...state.built, [built.name]: built.lastBuilt } : state.built,
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
export async function recordRun(repo: string, report: Report, built: Built | null): Promise<void> {
  await writeState(repo, withRun(await readState(repo), report, built));
}
