/**
 * One watch daemon per repo: `.hotswap/watch.lock` names its holder (lock/lock-file.ts: taken atomically,
 * a dead holder's lock taken over by exactly one of the daemons that find it).
 */
import { readFileSync } from 'node:fs';
import { operationError } from '../errors.js';
import { holderOf, liveHolder, release, tryTake, updateRecord, type Holder } from '../lock/lock-file.js';
import { ensureStateDir, statePath } from '../state/store.js';

const lockFile = (repo: string) => statePath(repo, 'watch.lock');

/** The pid of a live daemon for this repo, or null. */
export async function runningDaemon(repo: string): Promise<number | null> {
  return (await liveHolder(lockFile(repo)))?.pid ?? null;
}

export interface Lock {
  release(): Promise<void>;
}

/** Takes the repo's lock for this process; a live holder means another daemon runs (exit 1). */
export async function acquireLock(repo: string): Promise<Lock> {
  const file = lockFile(repo);
  await ensureStateDir(repo);
  const result = await tryTake(file, holderOf(repo));
  if (!result.taken) {
    throw operationError(`hotswap watch is already running for ${repo} (pid ${result.holder.pid})`, {
      hint: 'use `hotswap status`, or `hotswap stop` to stop it',
    });
  }
  return { release: () => release(file) };
}

/** Marks the lock's holder as ready (watching): what `watch --detach` waits for. */
export async function markReady(repo: string): Promise<void> {
  await updateRecord(lockFile(repo), { ...holderOf(repo), ready: true });
}

export async function isReady(repo: string, pid: number): Promise<boolean> {
  const holder = await liveHolder(lockFile(repo));
  return holder?.pid === pid && holder.ready === true;
}

/**
 * Is the lock's live holder this repo's `hotswap watch`, so `stop` may signal it? A pid outlives its process
 * and gets reused: the lock must name this repo and the process's command line must be a watch.
 */
export async function daemonToSignal(repo: string): Promise<{ pid: number; verified: boolean } | null> {
  const holder: Holder | null = await liveHolder(lockFile(repo));
  if (!holder) return null;
  return { pid: holder.pid, verified: holder.repo === repo && isWatchProcess(holder.pid) };
}

/** /proc/<pid>/cmdline is `node …/cli.js watch …` (or a `hotswap` bin) for a watch daemon. */
function isWatchProcess(pid: number): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return !procAvailable(); // without /proc (not Linux) the lock is all there is to go by
  }
  const cli = argv.findIndex((a) => /(^|\/)(cli\.js|hotswap)$/.test(a));
  return cli >= 0 && argv[cli + 1] === 'watch';
}

const procAvailable = () => {
  try {
    readFileSync('/proc/self/cmdline');
    return true;
  } catch {
    return false;
  }
};
