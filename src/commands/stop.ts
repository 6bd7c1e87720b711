/** `hotswap stop`: SIGTERM to this repo's watch daemon; waits while it finishes its current swap. */
import type { PipelineFlags } from '../config/types.js';
import { daemonToSignal } from '../daemon/lock.js';
import { isAlive } from '../state/store.js';
import { operationError } from '../errors.js';
import { commandContext } from './context.js';

const STOP_TIMEOUT_MS = 120_000;

export async function stopCommand(flags: PipelineFlags): Promise<number> {
  const { config, progress } = commandContext(flags);
  const daemon = await daemonToSignal(config.repo);
  if (daemon === null) {
    progress.info(`no hotswap watch runs for ${config.repo}`);
    return 0;
  }
  const { pid, verified } = daemon;
  if (!verified) {
    // A stale lock whose pid now belongs to another process: signalling it would hit a stranger.
    progress.info(`no hotswap watch runs for ${config.repo} (the lock names pid ${pid}, which is another process now; left alone)`);
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw operationError(`hotswap watch (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s`, { hint: `kill ${pid}` });
    await new Promise((r) => setTimeout(r, 50));
  }
  progress.info(`stopped hotswap watch (pid ${pid})`);
  return 0;
}
