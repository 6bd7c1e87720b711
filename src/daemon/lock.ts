/** One watch daemon per repo: `.hotswap/watch.lock` holds the owner's pid; a dead owner's lock is stale. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const lockFile = (repo: string) => join(repo, '.hotswap', 'watch.lock');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live daemon for this repo, or null. */
export async function runningDaemon(repo: string): Promise<number | null> {
  const text = await readFile(lockFile(repo), 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}
