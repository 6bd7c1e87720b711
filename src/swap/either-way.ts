/**
 * Exec needs a running process; the archive API does not. Every file operation on the container has both
 * ways, and this picks: exec while the container runs steadily, the archive API when it is stopped, exited
 * or crash-looping, or when it stopped under the exec.
 */
import type { ContainerClient, ContainerState } from '../target/client.js';

export const runsSteadily = (state: ContainerState | null): boolean => !!state?.running && !state.restarting;

/**
 * Stopped by someone (`docker stop`: SIGTERM 143 or SIGKILL 137, no restart loop, no OOM kill), not by its
 * binary: a swap cut off so says nothing about the new binary, and is neither rolled back nor given up.
 */
export const stoppedFromOutside = (state: ContainerState | null): boolean =>
  !!state && !state.running && !state.restarting && !state.oomKilled && (state.exitCode === 137 || state.exitCode === 143);

export async function eitherWay<T>(container: ContainerClient, viaExec: () => Promise<T>, viaArchive: () => Promise<T>): Promise<T> {
  if (runsSteadily(await container.inspect())) {
    try {
      return await viaExec();
    } catch (error) {
      // Still running: the step itself failed. Otherwise it died under the exec (a crash loop "runs" for
      // milliseconds between restarts): the archive way applies.
      if (runsSteadily(await container.inspect())) throw error;
    }
  }
  return viaArchive();
}
