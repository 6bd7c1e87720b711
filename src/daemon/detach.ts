/** `watch --detach`: the same daemon in the background, output to `.hotswap/watch.out`; returns once it is ready. */
import { spawn } from 'node:child_process';
import { constants, mkdirSync, openSync, readFileSync } from 'node:fs';
import { operationError } from '../errors.js';
import { checkStateDir, isAlive, stateDir, statePath } from '../state/store.js';
import { isReady } from './lock.js';

const READY_TIMEOUT_MS = 60_000;

export const watchOutFile = (repo: string) => statePath(repo, 'watch.out');

/** Starts `hotswap watch <args>` detached; resolves with its pid once it watches. */
export async function detachDaemon(repo: string, args: readonly string[]): Promise<number> {
  checkStateDir(repo);
  mkdirSync(stateDir(repo), { recursive: true, mode: 0o700 });
  const out = openSync(watchOutFile(repo), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  const child = spawn(process.execPath, [process.argv[1]!, 'watch', ...args], {
    detached: true, stdio: ['ignore', out, out], cwd: process.cwd(), env: process.env,
  });
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await isReady(repo, pid)) return pid;
    if (!isAlive(pid)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = readFileSync(watchOutFile(repo), 'utf8').trimEnd().split('\n').slice(-5).join('\n');
  throw operationError(`the background watch (pid ${pid}) did not start`, { details: tail, hint: `see ${watchOutFile(repo)}` });
}
