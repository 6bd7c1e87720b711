/**
 * `.hotswap/state.json`: each target's last built tree and artifact, and the last runs. One owner;
 * written atomically (temp file + rename) so a crash never leaves half a file.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diskFullError, isDiskFull } from '../errors.js';
import type { Report } from '../report.js';

const MAX_RUNS = 50;

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
function withRun(state: State, report: Report, built: Built | null): State {
  return {
    built: built ? { ...state.built, [built.name]: built.lastBuilt } : state.built,
    runs: [...state.runs, report].slice(-MAX_RUNS),
  };
}

async function writeState(repo: string, state: State): Promise<void> {
  const target = stateFile(repo);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await mkdir(stateDir(repo), { recursive: true, mode: 0o700 });
    await writeFile(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true }); // a half-written temp file (the disk filled up) is no state
    // The caller says what it was saving ("could not save .hotswap/state.json: …").
    if (isDiskFull(e)) throw diskFullError(null, stateDir(repo), { phase: 'state', cause: e });
    throw e;
  }
}

/**
 * Is a process with this pid alive (EPERM: alive, someone else's)? A zombie is not: it has exited and waits only
 * for its parent to reap it, which a PID 1 such as `sleep infinity` in a dev container never does.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return processState(readProcStat(pid)) !== 'Z';
}

/** /proc/PID/stat, or '' where there is none (not Linux, or the process is gone). */
const readProcStat = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
};

/** The state letter of a /proc/PID/stat line (R, S, D, Z, …): the field after the command, which may hold ") ". */
export const processState = (stat: string): string | null => /\) ([A-Za-z]) /.exec(stat.slice(stat.lastIndexOf(')')))?.[1] ?? null;

/**
 * Files in `.hotswap/` named after a process that died before removing them (SIGKILL): the private git
 * index `index.<pid>` and the temp files `<name>.<pid>.tmp` of atomic writes. Nobody else removes them.
 * A live process's files are its own business (a watch and a one-shot swap may run side by side).
 */
export async function removeDeadProcessFiles(repo: string): Promise<void> {
  const names = await readdir(stateDir(repo)).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /^index\.(\d+)$/.exec(name)?.[1] ?? /\.(\d+)\.tmp$/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !isAlive(Number(pid))) await rm(statePath(repo, name), { force: true }).catch(() => undefined);
  }
}

/** Read-modify-write of the state for one finished run. */
export async function recordRun(repo: string, report: Report, built: Built | null): Promise<void> {
  await writeState(repo, withRun(await readState(repo), report, built));
}
