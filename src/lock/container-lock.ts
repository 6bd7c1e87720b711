/**
 * One swap at a time per container, across processes: `swap`, `watch` and `rollback`, from any repo or
 * target, take the lock of the engine and container they act on before they touch its binary, and keep
 * it until the swap is decided (live and healthy, or rolled back). Builds run outside it, in parallel.
 * The lock lives in a per-user directory, keyed by the engine this process talks to (however it was chosen:
 * --host, DOCKER_HOST or a docker context) and the container's name.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineEndpoint } from '../docker/engine-config.js';
import { environmentError, messageOf, operationError } from '../errors.js';
import type { Progress } from '../ui/progress.js';
import { holderOf, release, tryTake, type Holder } from './lock-file.js';

const POLL_MS = 100;

/** `$XDG_RUNTIME_DIR/hotswap`, else `<tmpdir>/hotswap-<uid>`: the user's own, so nobody else can plant a lock. */
export function lockDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'hotswap') : join(tmpdir(), `hotswap-${uid}`);
}

/** The lock file of one container on one engine: the engine as chosen (docker/engine-config.ts), so two contexts naming two engines never share a lock. */
export function containerLockFile(container: string, env: NodeJS.ProcessEnv = process.env, engine = engineEndpoint().host): string {
  const key = createHash('sha256').update(`${engine}\n${container}`).digest('hex').slice(0, 16);
  return join(lockDir(env), `${container}-${key}.lock`);
}

/** Creates the lock directory (0700) and refuses one that is a link or someone else's (a shared /tmp). */
function ensureLockDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw environmentError(`cannot create the lock directory ${dir}: ${messageOf(e)}`, { hint: 'set XDG_RUNTIME_DIR to a directory of yours', cause: e });
  }
  const info = lstatSync(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw environmentError(`the lock directory ${dir} is not a directory of yours`, { hint: `remove it, or set XDG_RUNTIME_DIR to a directory of yours` });
  }
}

const describe = (holder: Holder) => `\`${holder.command}\` (pid ${holder.pid}) in ${holder.repo}`;

export interface LockRequest {
  readonly container: string;
  readonly repo: string;
  readonly timeoutMs: number;
  readonly progress: Progress;
}

/** Runs `fn` holding the container's lock; waits for another holder up to `timeoutMs`, then gives up (exit 1). */
export async function withContainerLock<T>(req: LockRequest, fn: () => Promise<T>): Promise<T> {
  const file = containerLockFile(req.container);
  ensureLockDir(lockDir());
  const deadline = Date.now() + req.timeoutMs;
  let told: number | null = null;
  for (;;) {
    const result = await tryTake(file, holderOf(req.repo));
    if (result.taken) break;
    if (told !== result.holder.pid) req.progress.info(`waiting for ${describe(result.holder)} to finish its swap into ${req.container}`);
    told = result.holder.pid;
    if (Date.now() >= deadline) {
      throw operationError(`gave up after ${req.timeoutMs / 1000} s waiting for ${describe(result.holder)} to finish its swap into ${req.container}`, {
        hint: 'let that run finish (or stop it), or raise target.lockTimeoutMs', phase: 'copy',
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    await release(file);
  }
}
