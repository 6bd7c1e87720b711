/** Restart and prove it happened: Docker's RestartCount ignores API restarts, StartedAt does not. */
import { operationError } from '../errors.js';
import type { ContainerClient, ContainerState } from '../docker/client.js';

const gone = (container: ContainerClient) => operationError(`container ${container.name} is gone`, { phase: 'restart' });

/**
 * Restarts (or starts a stopped container) and returns the new StartedAt. `ranIn` is the running container
 * the swap installed into moments ago (its INSTALL ran there by exec, or the host wrote into it): any other
 * StartedAt is a process started after the rename, so it needs no inspect first (the engine's restart also
 * starts a container stopped since); a restart that fails is told apart from a container removed since by an
 * inspect then.
 */
export async function restartContainer(container: ContainerClient, stopTimeoutS: number, ranIn?: ContainerState): Promise<string> {
  const before = ranIn ?? await container.inspect();
  if (!before) throw gone(container);
  await (before.running ? container.restart(stopTimeoutS) : container.start()).catch(async (e: unknown) => {
    throw ranIn && (await container.inspect().catch(() => undefined)) === null ? gone(container) : e;
  });
  const after = await container.inspect();
  if (!after || after.startedAt === before.startedAt) {
    throw operationError(`${container.name} did not restart (StartedAt unchanged)`, { phase: 'restart' });
  }
  return after.startedAt;
}
