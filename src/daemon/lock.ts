/** One watch daemon per repo: `.hotswap/watch.lock` holds the owner's pid; a dead owner's lock is stale. */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { operationError } from '../errors.js';
import { isAlive, statePath } from '../state/store.js';

const lockFile = (repo: string) => statePath(repo, 'watch.lock');

/** The pid of a live daemon for this repo, or null. */
export async function runningDaemon(repo: string): Promise<number | null> {
  const text = await readFile(lockFile(repo), 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

export interface Lock {
  release(): Promise<void>;
}

/** Takes the repo's lock for this process; a live owner means another daemon runs (exit 1). */
export async function acquireLock(repo: string): Promise<Lock> {
  const file = lockFile(repo);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return { release: () => releaseIfOwned(file) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = await runningDaemon(repo);
      if (owner !== null && owner !== process.pid) {
        throw operationError(`hotswap watch is already running for ${repo} (pid ${owner})`, {
          hint: 'use `hotswap status`, or `hotswap stop` to stop it',
        });
      }
      await rm(file, { force: true }); // stale: its owner is dead; take it over
    }
  }
  throw operationError(`could not take the lock ${file}`, { hint: 'another hotswap watch is starting; try again' });
}

async function releaseIfOwned(file: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (Number.parseInt(text, 10) === process.pid) await rm(file, { force: true });
}

/** Marks the lock's owner as ready (watching): what `watch --detach` waits for. */
export async function markReady(repo: string): Promise<void> {
  await writeFile(lockFile(repo), `${process.pid}\nready\n`, { mode: 0o600 });
}

export async function isReady(repo: string, pid: number): Promise<boolean> {
  const text = await readFile(lockFile(repo), 'utf8').catch(() => '');
  return text === `${pid}\nready\n`;
}
