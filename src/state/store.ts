/**
 * `.hotswap/state.json`: each target's last built tree and artifact, and the last runs. One owner;
 * written atomically (temp file + rename) so a crash never leaves half a file.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { diskFullError, isDiskFull, usageError } from '../errors.js';
import type { Report } from '../report.js';

const MAX_RUNS = 50;

export interface LastBuilt {
  readonly tree: string;
  readonly sha256: string;
  readonly version: string | null;
  readonly at: string;
  /** Set when a revision was built instead of the work tree (`swap --rev`): what is live. */
  readonly revision?: string;
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

/**
 * The first symbolic link at `path` or up to `depth` levels below it (not followed), or null. Two levels
 * cover every file hotswap names (`bin/<name>`) and the object directory's fan-out, not each git object.
 */
function firstSymlink(path: string, depth = 2): string | null {
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (!info) return null;
  if (info.isSymbolicLink()) return path;
  return info.isDirectory() ? symlinkBelow(path, depth) : null;
}

/**
 * The first symbolic link in directory `dir`, `depth` levels down, told by the entries' types as readdir
 * gives them (one call for a directory's entries, not an lstat each: checked at every command's start);
 * an entry of unknown type is looked at with lstat.
 */
function symlinkBelow(dir: string, depth: number): string | null {
  if (depth === 0) return null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const known = entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() || entry.isFIFO() || entry.isSocket();
    const found = !known ? firstSymlink(path, depth - 1)
      : entry.isSymbolicLink() ? path
        : entry.isDirectory() ? symlinkBelow(path, depth - 1) : null;
    if (found) return found;
  }
  return null;
}

/**
 * A repo can commit `.hotswap` or something in it as a symbolic link: hotswap would then write (and delete)
 * wherever it points. Such a link is refused (exit 2), never followed. Every command checks before it writes.
 */
export function checkStateDir(repo: string): void {
  const link = firstSymlink(stateDir(repo));
  if (!link) return;
  throw usageError(`${link} is a symbolic link (to ${readlinkSync(link)}): hotswap never writes through a link in .hotswap`, {
    hint: `remove the link (rm ${link}); hotswap recreates what it needs`, phase: 'config',
  });
}

/**
 * A file of the repo these flags run in, found before the config is read (no config code loaded): in
 * `--repo`'s `.hotswap/`, else in the nearest one up from `--config`'s directory or the cwd. Null when none.
 */
export function findStateFile(name: string, flags: Readonly<Record<string, unknown>>, cwd: string): string | null {
  const from = typeof flags.repo === 'string' ? resolve(cwd, flags.repo)
    : typeof flags.config === 'string' ? dirname(resolve(cwd, flags.config)) : cwd;
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(stateDir(dir), name);
    if (existsSync(file)) return file;
    if (typeof flags.repo === 'string' || dirname(dir) === dir) return null;
  }
}

/*
 * Small files of `.hotswap/` are created, written and renamed with synchronous calls: each asynchronous one is
 * a hop through libuv's thread pool, whose thread may wait milliseconds for a core on a busy machine, and a
 * one-shot writes its state between its health check and its exit.
 */

/** `.hotswap/`, checked (checkStateDir) and created (owner only) when missing. */
export async function ensureStateDir(repo: string): Promise<void> {
  checkStateDir(repo);
  mkdirSync(stateDir(repo), { recursive: true, mode: 0o700 });
  // Ignores itself and all it holds, so `git status` stays as the user left it even where .gitignore lacks .hotswap/.
  // Best effort: a full disk is reported by the write that needs the room, not by this courtesy.
  try {
    writeFileSync(statePath(repo, '.gitignore'), '*\n', { flag: 'wx', mode: 0o600 });
  } catch {
    // there already, or no room for it
  }
}

/** The state in `text`; a missing (null) or unreadable one only means "nothing built yet": the next run rebuilds. */
function stateOf(text: string | null): State {
  try {
    const parsed = JSON.parse(text ?? 'null') as Partial<State> & { lastBuilt?: LastBuilt | null };
    const runs = Array.isArray(parsed.runs) ? parsed.runs : [];
    const built = typeof parsed.built === 'object' && parsed.built !== null ? parsed.built : {};
    return { built: { ...fromSingleTarget(parsed.lastBuilt, runs), ...built }, runs };
  } catch {
    return EMPTY;
  }
}

export const readState = async (repo: string): Promise<State> => stateOf(await readFile(stateFile(repo), 'utf8').catch(() => null));

/** A small file's text, read synchronously (see above), or null when it cannot be read. */
export function readTextNow(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
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

const writeState = (repo: string, state: State): Promise<void> => writeStateJson(repo, stateFile(repo), state);

/**
 * A JSON file in `.hotswap/`, whole or not at all: a temp file beside it (never through a link: `wx`, and the
 * directory checked), then a rename.
 */
export async function writeStateJson(repo: string, target: string, value: unknown): Promise<void> {
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await ensureStateDir(repo);
    rmSync(temp, { force: true });
    writeFileSync(temp, JSON.stringify(value, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
    renameSync(temp, target);
  } catch (e) {
    rmSync(temp, { force: true }); // a half-written temp file (the disk filled up) is no state
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
    if (pid && Number(pid) !== process.pid && !isAlive(Number(pid))) await rm(statePath(repo, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Puts a target's last build back as it was before a bisect (its steps are not what the container holds after it). */
export async function restoreLastBuilt(repo: string, name: string, lastBuilt: LastBuilt | null): Promise<void> {
  const state = await readState(repo);
  const { [name]: _, ...others } = state.built;
  await writeState(repo, { ...state, built: lastBuilt ? { ...others, [name]: lastBuilt } : others });
}

/** Read-modify-write of the state for one finished run. */
export async function recordRun(repo: string, report: Report, built: Built | null): Promise<void> {
  await writeState(repo, withRun(stateOf(readTextNow(stateFile(repo))), report, built));
}
