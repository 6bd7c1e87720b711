/**
 * The git adapter: the only module that imports simple-git. It snapshots the work tree as a tree id
 * (snapshot.ts) and reads trees and history, so the user's index, HEAD and stash are never touched. The
 * plan's reads run plain `git` (snapshot.ts's gitOut): simple-git's task queue adds ~5 ms before a
 * process's first git and 1–2 ms to each, and they run beside a one-shot's `go build`.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { simpleGit, type SimpleGit } from 'simple-git';
import { environmentError, usageError } from '../errors.js';
import { ensureStateDir, removeDeadProcessFiles, statePath } from '../state/store.js';
import { boundedMemo } from '../plan/graph-cache.js';
import { OBJECT_ENV_NAMES, pruneObjects } from '../plan/snapshot-objects.js';
import { parseLsTree, parseNameStatus } from './output.js';
import { cleanEnv, gitOut, objectsGrown, snapshotPlace, writeSnapshot, type Located } from './snapshot.js';

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
  /** Where git put it (`rev-parse`), as this open found it. */
  readonly located: Located;
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

const gitAt = (dir: string, extraEnv: Record<string, string> = {}): SimpleGit =>
  simpleGit({ baseDir: dir, allowEnvironment: ['GIT_INDEX_FILE', ...OBJECT_ENV_NAMES] }).env(cleanEnv(extraEnv));

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
 * The repo located and `.hotswap` ready (it refuses a symlinked .hotswap), then the private object directory
 * pruned when it has grown past its limit, and the clean-up of killed runs' indexes and temp files.
 */
async function prepare(dir: string) {
  const stateReady = ensureStateDir(dir);
  stateReady.catch(() => undefined); // reported below, after git's own failure (not a repository, no git)
  const over = stateReady.then(() => objectsGrown(dir)).catch(() => false);
  const place = await snapshotPlace(dir, stateReady);
  const pruned = over.then((grown) => (grown ? pruneObjects(dir, cleanEnv(place.objects)) : undefined)).catch(() => undefined); // a failed prune only leaves the objects
  await Promise.all([pruned, removeDeadProcessFiles(dir)]);
  return place;
}

export async function openRepo(dir: string): Promise<GitRepo> {
  const place = await prepare(dir);
  const { top, prefix, objects, privateIndex } = place;
  // Every command below reads and writes objects through the private object directory (snapshot-objects.ts).
  const git = (extra: Record<string, string> = {}) => gitAt(dir, { ...objects, ...extra });
  const listed = boundedMemo<TreeEntry[]>(4);
  const treeSpec = (rev: string) => (prefix ? `${rev}:${prefix}` : `${rev}^{tree}`);

  return {
    dir, top, prefix, located: place.located,
    // One at a time: watch's speculation and a run both write the private index.
    snapshot: oneAtATime(() => writeSnapshot(place)),
    async diff(from, to) {
      return parseNameStatus(await gitOut(dir, ['diff', '--name-status', '--no-renames', '-z', from, to], objects));
    },
    async treeOf(rev) {
      try {
        return (await gitOut(dir, ['rev-parse', '--verify', '--end-of-options', treeSpec(rev)], objects)).trim();
      } catch (e) {
        throw usageError(`unknown revision ${rev}`, { hint: 'name a commit, branch or tag of this repo', cause: e });
      }
    },
    // A tree id names its contents: watch's speculation lists its snapshot, and the run's plan the same tree.
    listTree: (tree) => listed(tree, async () => parseLsTree(await gitOut(dir, ['ls-tree', '-r', '-z', tree], objects))),
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
