/** Restart and prove it happened: Docker's RestartCount ignores API restarts, StartedAt does not. */
import { operationError } from '../errors.js';
import type { ContainerClient } from '../docker/client.js';

/** Restarts (or starts a stopped container) and returns the new StartedAt. */
export async function restartContainer(container: ContainerClient, stopTimeoutS: number): Promise<string> {
  const before = await container.inspect();
  if (!before) throw operationError(`container ${container.name} is gone`, { phase: 'restart' });
  if (before.running) await container.restart(stopTimeoutS);
  else await container.start();
  const after = await container.inspect();
  if (!after || after.startedAt === before.startedAt) {
    throw operationError(`${container.name} did not restart (StartedAt unchanged)`, { phase: 'restart' });
  }
  return after.startedAt;
}
