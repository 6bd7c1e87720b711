/**
 * The work tree as a tree id, written through a private index (`.hotswap/index.<pid>`) into the private
 * object directory (plan/snapshot-objects.ts): the user's index, HEAD and stash are never touched. Plain
 * `git` through execFile, no simple-git: a one-shot's head start (pipeline/head-start.ts) runs this before
 * the rest of hotswap has loaded, and each call here stands before its `go build`.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { diskFullError, environmentError, isDiskFull, messageOf, operationError, usageError } from '../errors.js';
import { objectEnv, objectsOverLimit } from '../plan/snapshot-objects.js';
import { stateDir, statePath } from '../state/store.js';

/**
 * The environment without GIT_* (a caller's GIT_DIR or GIT_INDEX_FILE must not leak in) and without the
 * variables simple-git's guard refuses (EDITOR, PAGER, PREFIX…): plumbing commands need none of them.
 */
const GUARDED = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const upper = key.toUpperCase();
    if (value !== undefined && !upper.startsWith('GIT_') && !GUARDED.has(upper)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** `git args`'s stdout; rejects on a non-zero exit with git's stderr in the message. */
export function gitOut(dir: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: dir, env: cleanEnv(extraEnv), maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/**
 * Have `dir`'s private objects grown past their limit (plan/snapshot-objects.ts)? Asked of that directory
 * alone, so it needs no `rev-parse` first.
 */
export const objectsGrown = (dir: string): Promise<boolean> =>
  objectsOverLimit(dir, cleanEnv({ GIT_OBJECT_DIRECTORY: statePath(dir, 'objects') }));

/** Where `git rev-parse` puts a directory: its work tree's top, git directory and common directory. */
export interface Located {
  readonly top: string;
  readonly gitDirRaw: string;
  readonly commonDir: string;
}

export const sameLocation = (a: Located, b: Located) => a.top === b.top && a.gitDirRaw === b.gitDirRaw && a.commonDir === b.commonDir;

/** Where a directory's snapshots are made, and from what. */
export interface SnapshotPlace {
  readonly dir: string;
  readonly located: Located;
  /** The git work tree's top level, and `dir` relative to it ('' at the top). */
  readonly top: string;
  readonly prefix: string;
  readonly gitDir: string;
  /** The private object directory, with the repo's own objects as alternates. */
  readonly objects: Record<string, string>;
  readonly privateIndex: string;
}

/** `dir`'s work tree top, git directory and common directory (a linked worktree's differ), in one git call. */
async function locate(dir: string): Promise<Located> {
  try {
    const [top = '', gitDirRaw = '.git', commonDir = gitDirRaw] = (await gitOut(dir, ['rev-parse', '--show-toplevel', '--git-dir', '--git-common-dir'])).trim().split('\n');
    return { top, gitDirRaw, commonDir };
  } catch (e) {
    const message = messageOf(e);
    if (/ENOENT|spawn git/.test(message)) {
      throw environmentError('git is not installed', { hint: 'install git (apt-get install git)', cause: e });
    }
    if (!/not a git repository/i.test(message)) throw environmentError(`running git in ${dir}: ${message.trim()}`, { cause: e });
    throw usageError(`${dir} is not inside a git repository`, {
      hint: 'hotswap plans builds from git: run `git init` there, or pass --repo with a git work tree', cause: e,
    });
  }
}

/**
 * `dir` located (unless `known`: where an earlier run found it, for whoever checks it against a fresh
 * `locate`), and this process's private index and object directory for it, the directory created once
 * `stateReady` (`.hotswap` checked and made: never through a symlinked one).
 */
export async function snapshotPlace(dir: string, stateReady: Promise<void>, known?: Located): Promise<SnapshotPlace> {
  const located = known ?? await locate(dir);
  const { top, gitDirRaw, commonDir } = located;
  await stateReady;
  const objects = { ...objectEnv(dir, commonDir) };
  try {
    mkdirSync(objects.GIT_OBJECT_DIRECTORY, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw isDiskFull(e) ? diskFullError('preparing .hotswap/objects', stateDir(dir), { phase: 'plan', cause: e }) : e;
  }
  return {
    dir, located, top, objects,
    prefix: relative(top, dir).split('\\').join('/'),
    gitDir: isAbsolute(gitDirRaw) ? gitDirRaw : join(dir, gitDirRaw),
    privateIndex: statePath(dir, `index.${process.pid}`),
  };
}

/**
 * git's message ends with the reason (before it, the command line). A snapshot writes only into .hotswap
 * (its index and objects): a full disk is that one.
 */
function snapshotFailure(e: unknown, dir: string): Error {
  if (isDiskFull(e)) return diskFullError('snapshotting the work tree with git', stateDir(dir), { phase: 'plan', cause: e });
  const reason = messageOf(e).trim().split('\n').filter(Boolean).pop() ?? 'git failed';
  return operationError(`snapshotting the work tree with git: ${reason}`, { phase: 'plan', cause: e });
}

/**
 * hotswap's own state (logs, binaries) is never part of a snapshot. A wildcard names it: git refuses a
 * plain `.hotswap` pathspec when a .gitignore names the directory ("paths are ignored"), never a pattern,
 * and `*` matches across `/` outside glob magic, so everything below it is left out.
 */
const WITHOUT_STATE = ':(exclude)[.]hotswap/*';

/** A copy of the user's index, when there is one (a fresh repo has none: `add` then makes the private one). */
function seed(index: string, privateIndex: string): void {
  try {
    copyFileSync(index, privateIndex);
  } catch {
    // none to copy
  }
}

/** The tree id of the work tree below `place.dir`, as `git add -A` sees it (honours .gitignore). */
export async function writeSnapshot(place: SnapshotPlace): Promise<string> {
  const { dir, objects, privateIndex, gitDir, prefix } = place;
  try {
    // .hotswap and its objects may have been removed since (a user's `rm -rf .hotswap`). Synchronous, as the
    // state's small writes are (state/store.ts): `add` waits for both.
    mkdirSync(objects.GIT_OBJECT_DIRECTORY!, { recursive: true, mode: 0o700 });
    // Seeding from the user's index reuses its stat cache, so `add -A` hashes only what changed.
    if (!existsSync(privateIndex)) seed(join(gitDir, 'index'), privateIndex);
    const indexed = { ...objects, GIT_INDEX_FILE: privateIndex };
    await gitOut(dir, ['add', '-A', '--', '.', WITHOUT_STATE], indexed);
    return (await gitOut(dir, ['write-tree', ...(prefix ? [`--prefix=${prefix}/`] : [])], indexed)).trim();
  } catch (e) {
    throw snapshotFailure(e, dir);
  }
}
