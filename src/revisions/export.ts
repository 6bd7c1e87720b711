/**
 * A revision's tree as a directory to build from, without a checkout: `.hotswap/trees/<tree>`, written from
 * git objects through a throw-away index (HEAD, the index and the work tree are never touched). A tree id
 * names its contents, so a directory once complete is reused as is; only the newest few are kept.
 */
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentError, messageOf, operationError, type HotswapError } from '../errors.js';
import type { GitRepo } from '../git/repo.js';
import { isAlive, statePath } from '../state/store.js';

/** Which tree to build and from where: `swap --rev` and each bisect step. */
export interface RevisionSource {
  /** As the user named it (`v0.5.1`, `origin/pr/123`, a sha). */
  readonly rev: string;
  readonly commit: string;
  /** The tree of `commit` below the repo directory (what the plan and the version stamp name). */
  readonly tree: string;
  /** The exported tree: what the builders build instead of the work tree. */
  readonly dir: string;
}

/** Exported trees kept besides the one in use: a bisect's last candidates, a swap back and forth. */
const KEEP = 4;

export const treesDir = (repo: string) => statePath(repo, 'trees');

/** The revision's commit and tree, checked (an unknown revision is exit 2), before anything is written. */
export async function resolveRevision(git: GitRepo, rev: string): Promise<Omit<RevisionSource, 'dir'>> {
  const commit = await git.history.commitOf(rev);
  return { rev, commit, tree: await git.treeOf(commit) };
}

/** `.hotswap/trees/<tree>`, exported unless already there (whole: written beside it, then renamed). */
export async function exportTree(git: GitRepo, repo: string, tree: string): Promise<string> {
  const root = treesDir(repo);
  const dir = join(root, tree);
  const now = new Date();
  if (await stat(dir).then(() => true, () => false)) {
    await utimes(dir, now, now); // newest used: kept by the prune
  } else {
    await mkdir(root, { recursive: true, mode: 0o700 });
    const temp = `${dir}.${process.pid}.tmp`;
    await rm(temp, { recursive: true, force: true });
    await git.history.exportTree(tree, temp).catch(async (e: unknown) => {
      await rm(temp, { recursive: true, force: true });
      throw exportFailure(e, tree);
    });
    await rename(temp, dir);
  }
  await pruneTrees(root, tree);
  return dir;
}

/**
 * git could not write the tree: most often objects missing from this clone (a shallow or partial clone, or
 * blobs lost), which names the file; else git's own last line.
 */
function exportFailure(e: unknown, tree: string): HotswapError {
  const text = messageOf(e);
  const missing = /unable to read sha1 file of (.+?) \(([0-9a-f]{40,64})\)/.exec(text);
  if (missing) {
    const [, file, object = ''] = missing;
    return environmentError(`cannot write tree ${tree.slice(0, 12)} from git objects: ${file} (object ${object.slice(0, 12)}) is missing from this clone`, {
      hint: `fetch the missing objects (git fetch, or git fetch --unshallow / --refetch for a shallow or partial clone), or pick another revision`, cause: e,
    });
  }
  const last = text.trim().split('\n').filter(Boolean).pop() ?? 'git failed';
  return operationError(`cannot write tree ${tree.slice(0, 12)} from git objects: ${last}`, { hint: 'see .hotswap/hotswap.log', cause: e });
}

/** Keeps the newest KEEP trees (and `keep`); removes the rest and temp directories of dead processes. */
async function pruneTrees(root: string, keep: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  const deadTemps = names.filter((n) => { const pid = /\.(\d+)\.tmp$/.exec(n)?.[1]; return pid && !isAlive(Number(pid)); });
  const trees = await Promise.all(names.filter((n) => /^[0-9a-f]{40,64}$/.test(n) && n !== keep)
    .map(async (name) => ({ name, mtime: (await stat(join(root, name))).mtimeMs })));
  const old = trees.sort((a, b) => b.mtime - a.mtime).slice(KEEP).map((t) => t.name);
  await Promise.all([...deadTemps, ...old].map((n) => rm(join(root, n), { recursive: true, force: true })));
}

/** The revision resolved and its tree exported: ready for the pipeline. */
export async function prepareRevision(git: GitRepo, repo: string, rev: string): Promise<RevisionSource> {
  const resolved = await resolveRevision(git, rev);
  return { ...resolved, dir: await exportTree(git, repo, resolved.tree) };
}

/** How a report and `status` name a revision: `v0.5.1 (1a2b3c4d5e6f)`, or the short commit when named by its id. */
export const revisionLabel = (source: Pick<RevisionSource, 'rev' | 'commit'>) =>
  source.commit.startsWith(source.rev) ? source.commit.slice(0, 12) : `${source.rev} (${source.commit.slice(0, 12)})`;
