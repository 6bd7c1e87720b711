/**
 * Where snapshots keep their objects: `.hotswap/objects`, with the repo's own objects as alternates. A
 * snapshot writes the blobs of untracked and edited files; in `.git/objects` a rewritten 100 MB file
 * would add 100 MB per plan for `git gc` to find much later. Here they are pruned: past LIMIT_BYTES, the
 * directory is repacked with only the objects of the trees the state still names (each target's last
 * build), when no other live hotswap process snapshots this repo.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { holderOf, release, tryTake } from '../lock/lock-file.js';
import { isAlive, readState, stateDir, statePath } from '../state/store.js';

const LIMIT_BYTES = 256 * 1024 * 1024;

export interface ObjectEnv {
  readonly GIT_OBJECT_DIRECTORY: string;
  readonly GIT_ALTERNATE_OBJECT_DIRECTORIES: string;
}

export const OBJECT_ENV_NAMES = ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES'];

/** The environment that points git at the private objects; `commonDir` is `git rev-parse --git-common-dir`. */
export function objectEnv(dir: string, commonDir: string): ObjectEnv {
  return {
    GIT_OBJECT_DIRECTORY: statePath(dir, 'objects'),
    GIT_ALTERNATE_OBJECT_DIRECTORIES: join(isAbsolute(commonDir) ? commonDir : join(dir, commonDir), 'objects'),
  };
}

/** Runs git with `env`, `input` on stdin; resolves with stdout, rejects on a non-zero exit. */
function git(dir: string, env: Record<string, string>, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`git ${args[0]}: ${err.trim() || `exit ${code}`}`))));
    child.stdin.on('error', () => undefined); // EPIPE from a command that reads no input: its exit code says it all
    child.stdin.end(input);
  });
}

/**
 * Has the private object directory grown past LIMIT_BYTES? Asked of that directory alone (`env` names it, no
 * alternates), so it needs no `rev-parse` first and runs beside it. A directory not made yet holds nothing.
 */
export async function objectsOverLimit(dir: string, env: Record<string, string>): Promise<boolean> {
  const out = await git(dir, env, ['count-objects', '-v']).catch(() => '');
  const kib = (key: string) => Number(new RegExp(`^${key}: (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
  return (kib('size') + kib('size-pack')) * 1024 > LIMIT_BYTES;
}

/**
 * A live process snapshots this repo now (this one too: a one-shot's head start snapshots before its repo
 * opens), so the objects it writes must stay: its private index is there.
 */
async function anySnapshotting(dir: string): Promise<boolean> {
  const names = await readdir(stateDir(dir)).catch(() => [] as string[]);
  return names.some((n) => {
    const pid = Number(/^index\.(\d+)$/.exec(n)?.[1]);
    return pid > 0 && isAlive(pid);
  });
}

/** Repacks the private objects to those of the state's trees (call it once objectsOverLimit). */
export async function pruneObjects(dir: string, env: Record<string, string>): Promise<void> {
  if (await anySnapshotting(dir)) return;
  const lock = statePath(dir, 'objects.lock');
  if (!(await tryTake(lock, holderOf(dir))).taken) return; // another process prunes
  const fresh = statePath(dir, `objects-new.${process.pid}.tmp`);
  const old = statePath(dir, `objects-old.${process.pid}.tmp`);
  try {
    const trees = Object.values((await readState(dir)).built).map((b) => b.tree);
    const kept = (await Promise.all(trees.map((t) => git(dir, env, ['cat-file', '-e', t]).then(() => t, () => null)))).filter(Boolean);
    await mkdir(join(fresh, 'pack'), { recursive: true, mode: 0o700 });
    if (kept.length) {
      const list = await git(dir, env, ['rev-list', '--objects', ...(kept as string[])]);
      // --local: objects the repo already has stay there, only the snapshots' own are copied.
      await git(dir, env, ['pack-objects', '--local', '-q', join(fresh, 'pack', 'pack')], list);
    }
    await rename(env.GIT_OBJECT_DIRECTORY!, old);
    await rename(fresh, env.GIT_OBJECT_DIRECTORY!);
  } finally {
    await Promise.all([rm(fresh, { recursive: true, force: true }), rm(old, { recursive: true, force: true })]);
    await release(lock);
  }
}
