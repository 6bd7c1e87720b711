/**
 * One watch daemon per repo: `.hotswap/watch.lock` names its holder (lock/lock-file.ts: taken atomically,
 * a dead holder's lock taken over by exactly one of the daemons that find it).
 */
import { operationError } from '../errors.js';
import { holderOf, holderRuns, liveHolder, recordedHolder, release, tryTake, updateRecord } from '../lock/lock-file.js';
import { ensureStateDir, isAlive, statePath } from '../state/store.js';

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
 * The pid `stop` may signal: the lock's holder, if it is this repo's running `hotswap watch` (lock-file's
 * holderRuns). `verified: false` when the recorded pid is alive but is another process now.
 */
export async function daemonToSignal(repo: string): Promise<{ pid: number; verified: boolean } | null> {
  const holder = await recordedHolder(lockFile(repo));
  if (!holder || !isAlive(holder.pid)) return null;
  return { pid: holder.pid, verified: holder.repo === repo && holderRuns(holder) && holder.command.startsWith('hotswap watch') };
}
