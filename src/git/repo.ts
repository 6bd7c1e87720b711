/**
 * The git adapter: the only module that imports simple-git. It snapshots the work tree as a tree id
 * through a private index, so the user's index, HEAD and stash are never touched.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { diskFullError, environmentError, isDiskFull, messageOf, operationError, usageError } from '../errors.js';
import { ensureStateDir, removeDeadProcessFiles, stateDir, statePath } from '../state/store.js';
import { boundedMemo } from '../plan/graph-cache.js';
import { OBJECT_ENV_NAMES, objectEnv, pruneObjects } from '../plan/snapshot-objects.js';
import { parseLsTree, parseNameStatus } from './output.js';

export interface ChangedPath {
  /** A, M, D, T… as git reports it. */
  readonly status: string;
  /** Relative to the repo directory (the snapshot's root). */
  readonly path: string;
}

export interface TreeEntry {
  /** Relative to the tree's root. */
  readonly path: string;
  readonly blob: string;
}

export interface GitRepo {
  /** The directory hotswap works on; may be below the git top level (a monorepo). */
  readonly dir: string;
  readonly top: string;
  /** `dir` relative to `top`, '' at the top. */
  readonly prefix: string;
  /** Tree id of the work tree below `dir`, as `git add -A` would see it (honours .gitignore). */
  snapshot(): Promise<string>;
  /** Paths that differ between two trees (or commits) of this directory. */
  diff(from: string, to: string): Promise<ChangedPath[]>;
  /** The tree id of `<rev>:<prefix>`, for plans between revisions. */
  treeOf(rev: string): Promise<string>;
  /** Every file of a tree (recursively), symlinks and submodules left out. */
  listTree(tree: string): Promise<TreeEntry[]>;
  /** The contents of blobs, by id, through one `git cat-file --batch`. */
  readBlobs(ids: readonly string[]): Promise<Map<string, Buffer>>;
  /** History, read only (revisions/): commits, ancestry, subjects, and a tree written out to a directory. */
  readonly history: GitHistory;
  /** Removes this process's private index. */
  close(): Promise<void>;
}

/**
 * The environment without GIT_* (a caller's GIT_DIR or GIT_INDEX_FILE must not leak in) and without the
 * variables simple-git's guard refuses (EDITOR, PAGER, PREFIX…): plumbing commands need none of them.
 */
const GUARDED = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const upper = key.toUpperCase();
    if (value !== undefined && !upper.startsWith('GIT_') && !GUARDED.has(upper)) env[key] = value;
  }
  return { ...env, ...extra };
}

const gitAt = (dir: string, extraEnv: Record<string, string> = {}): SimpleGit =>
  simpleGit({ baseDir: dir, allowEnvironment: ['GIT_INDEX_FILE', ...OBJECT_ENV_NAMES] }).env(cleanEnv(extraEnv));

/**
 * `git args`'s stdout; rejects on a non-zero exit with git's stderr in the message. The calls before a
 * snapshot's tree is known (locate, check-ignore, add, write-tree) go through it, not simple-git, whose task
 * queue adds ~5 ms before a process's first git and 1–2 ms to each: they stand before a one-shot's `go build`.
 */
function gitOut(dir: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: dir, env: cleanEnv(extraEnv), maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** The work tree's top, git directory and common directory (a linked worktree's differ), in one git call. */
async function locate(dir: string): Promise<{ top: string; gitDirRaw: string; commonDir: string }> {
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

/** The private object directory's environment, the directory created and pruned. */
async function privateObjects(dir: string, commonDir: string): Promise<Record<string, string>> {
  const objects = { ...objectEnv(dir, commonDir) };
  try {
    mkdirSync(objects.GIT_OBJECT_DIRECTORY, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw isDiskFull(e) ? diskFullError('preparing .hotswap/objects', stateDir(dir), { phase: 'plan', cause: e }) : e;
  }
  await pruneObjects(dir, cleanEnv(objects)).catch(() => undefined); // a failed prune only leaves the objects
  return objects;
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

/** `work` called one call at a time, each after the previous one ended (however it ended). */
function oneAtATime<T>(work: () => Promise<T>): () => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return () => {
    const next = last.then(work, work);
    last = next.catch(() => undefined);
    return next;
  };
}

export interface GitHistory {
  /** The full commit id `rev` names (a commit, branch, tag, `origin/pr/123`); exit 2 when it names none. */
  commitOf(rev: string): Promise<string>;
  isAncestor(ancestor: string, of: string): Promise<boolean>;
  /** Commits after `good` up to `bad` on their ancestry path, oldest first. */
  between(good: string, bad: string): Promise<string[]>;
  subject(commit: string): Promise<string>;
  /** Writes a tree's files into `target` (created) through a throw-away index: the user's index is untouched. */
  exportTree(tree: string, target: string): Promise<void>;
}

/**
 * `git` is the repo's runner with the private object directory; `index` a private index file. The export
 * runs at the top level: from a subdirectory `checkout-index -a` would write only that directory's entries.
 */
type Runner = (extra?: Record<string, string>) => SimpleGit;
function historyOf(git: Runner, atTop: Runner, index: string): GitHistory {
  const commitOf = async (rev: string) => {
    try {
      return (await git().revparse(['--verify', '--end-of-options', `${rev}^{commit}`])).trim();
    } catch (e) {
      throw usageError(`unknown revision ${rev}`, { hint: 'name a commit, branch or tag of this repo (git log --oneline)', cause: e });
    }
  };
  return {
    commitOf,
    // By output: simple-git resolves a silent exit 1 as a success (see stateIgnored).
    isAncestor: async (a, b) => (await git().raw(['merge-base', a, b]).catch(() => '')).trim() === await commitOf(a),
    between: async (good, bad) =>
      (await git().raw(['rev-list', '--reverse', '--topo-order', '--ancestry-path', `${good}..${bad}`])).split('\n').filter(Boolean),
    subject: async (commit) => (await git().raw(['log', '-1', '--format=%s', commit])).trim(),
    async exportTree(tree, target) {
      try {
        await atTop({ GIT_INDEX_FILE: index }).raw(['read-tree', tree]);
        await atTop({ GIT_INDEX_FILE: index }).raw(['checkout-index', '-a', '-f', `--prefix=${target}/`]);
      } finally {
        await rm(index, { force: true });
      }
    },
  };
}

/**
 * The repo located, `.hotswap` ready and the private object directory set up, each step as soon as what it
 * needs is there: check-ignore reads no objects, and the clean-up of killed runs' indexes and temp files
 * touches no file the prune makes (those carry this pid).
 */
async function prepare(dir: string) {
  const stateReady = ensureStateDir(dir); // refuses a symlinked .hotswap; created so `.hotswap/` patterns match
  stateReady.catch(() => undefined); // reported below, after git's own failure (not a repository, no git)
  // Exit 1 (not ignored) rejects, as any failure: only a printed path says it is ignored.
  const ignored = stateReady.then(() => gitOut(dir, ['check-ignore', '.hotswap'])).catch(() => '');
  const located = await locate(dir);
  await stateReady;
  const [objects] = await Promise.all([privateObjects(dir, located.commonDir), removeDeadProcessFiles(dir)]);
  return { ...located, objects, stateIgnored: (await ignored).trim() !== '' };
}

export async function openRepo(dir: string): Promise<GitRepo> {
  const { top, gitDirRaw, objects, stateIgnored } = await prepare(dir);
  const prefix = relative(top, dir).split('\\').join('/');
  const gitDir = isAbsolute(gitDirRaw) ? gitDirRaw : join(dir, gitDirRaw);
  const privateIndex = statePath(dir, `index.${process.pid}`);
  // Every command below reads and writes objects through the private object directory (snapshot-objects.ts).
  const git = (extra: Record<string, string> = {}) => gitAt(dir, { ...objects, ...extra });
  const listed = boundedMemo<TreeEntry[]>(4);
  const treeSpec = (rev: string) => (prefix ? `${rev}:${prefix}` : `${rev}^{tree}`);

  async function seedIndex() {
    // .hotswap and its objects may have been removed since openRepo checked them (a user's `rm -rf .hotswap`).
    // Synchronous, as the state's small writes are (state/store.ts): this stands before every snapshot.
    mkdirSync(objects.GIT_OBJECT_DIRECTORY!, { recursive: true, mode: 0o700 });
    // Seeding from the user's index reuses its stat cache, so `add -A` hashes only what changed.
    if (!existsSync(privateIndex)) await copyFile(join(gitDir, 'index'), privateIndex).catch(() => undefined);
  }

  return {
    dir, top, prefix,
    // One at a time: watch's speculation and a run both write the private index.
    snapshot: oneAtATime(async () => {
      try {
        await seedIndex();
        const indexed = { ...objects, GIT_INDEX_FILE: privateIndex };
        // hotswap's own state (logs, binaries) must never become part of the snapshot. When .gitignore names
        // .hotswap, git refuses an exclude pathspec for it, and needs none.
        await gitOut(dir, ['add', '-A', '--', '.', ...(stateIgnored ? [] : [':(exclude).hotswap'])], indexed);
        return (await gitOut(dir, ['write-tree', ...(prefix ? [`--prefix=${prefix}/`] : [])], indexed)).trim();
      } catch (e) {
        throw snapshotFailure(e, dir);
      }
    }),
    async diff(from, to) {
      return parseNameStatus(await git().raw(['diff', '--name-status', '--no-renames', '-z', from, to]));
    },
    async treeOf(rev) {
      try {
        return (await git().revparse([treeSpec(rev)])).trim();
      } catch (e) {
        throw usageError(`unknown revision ${rev}`, { hint: 'name a commit, branch or tag of this repo', cause: e });
      }
    },
    // A tree id names its contents: watch's speculation lists its snapshot, and the run's plan the same tree.
    listTree: (tree) => listed(tree, async () => parseLsTree(await git().raw(['ls-tree', '-r', '-z', tree]))),
    readBlobs: (ids) => catFileBatch(dir, ids, objects),
    history: historyOf(git, (extra = {}) => gitAt(top, { ...objects, ...extra }), statePath(dir, `export-index.${process.pid}.tmp`)),
    async close() {
      await rm(privateIndex, { force: true });
    },
  };
}

/** `git cat-file --batch`: one process for any number of blobs (simple-git has no stdin streaming). */
function catFileBatch(dir: string, ids: readonly string[], env: Record<string, string>): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  if (ids.length === 0) return Promise.resolve(blobs);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: dir, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(environmentError(`git cat-file failed: ${stderr.trim() || `exit ${code}`}`));
      const out = Buffer.concat(chunks);
      let at = 0;
      while (at < out.length) {
        const eol = out.indexOf(10, at);
        const [id, type, size] = out.subarray(at, eol).toString().split(' ');
        if (type === 'missing' || size === undefined) { at = eol + 1; continue; }
        const length = Number(size);
        blobs.set(id!, out.subarray(eol + 1, eol + 1 + length));
        at = eol + 1 + length + 1;
      }
      resolvePromise(blobs);
    });
    child.stdin.end(`${ids.join('\n')}\n`);
  });
}

/**
 * Files of the work tree below `dir` that git would snapshot (tracked and untracked, minus ignored),
 * relative to `dir`. Tracked files deleted from the work tree are still listed: callers stat them.
 */
export async function listWorkTreeFiles(dir: string): Promise<string[]> {
  const out = await gitAt(dir).raw(['ls-files', '-z', '-c', '-o', '--exclude-standard', '--', '.']);
  return [...new Set(out.split('\0').filter(Boolean))];
}
