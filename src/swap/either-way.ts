/**
 * Exec needs a running process; the archive API does not. Every file operation on the container has both
 * ways, and this picks: exec while the container runs steadily, the archive API when it is stopped, exited
 * or crash-looping, or when it stopped under the exec.
 */
import type { ContainerClient, ContainerState } from '../docker/client.js';

export const runsSteadily = (state: ContainerState | null): boolean => !!state?.running && !state.restarting;

/**
 * Stopped by someone (`docker stop`, `docker kill`), not by its binary: a swap cut off so says nothing about
 * the new binary, and is neither rolled back nor given up. The exit code cannot tell (a Go binary that is
 * pid 1 exits 2 on SIGTERM, as on a panic); the engine's events can.
 */
export async function stoppedFromOutside(container: ContainerClient): Promise<boolean> {
  const state = await container.inspect().catch(() => null);
  if (!state || state.running || state.restarting) return false;
  return container.stopRequestedSince(state.startedAt).catch(() => false);
}

export async function eitherWay<T>(container: ContainerClient, viaExec: () => Promise<T>, viaArchive: () => Promise<T>): Promise<T> {
  const before = await container.inspect();
  if (runsSteadily(before)) {
    try {
      return await viaExec();
    } catch (error) {
      // Still the same process: the step itself failed. Otherwise it died under the exec (a crash loop
      // "runs" for milliseconds between restarts, and may run again by now): the archive way applies.
      if (!(await stateAfterFailure(container, before!)).died) throw error;
    }
  }
  return viaArchive();
}

/** How often, and how long apart, a failed step looks again for its process's death before calling the failure its own. */
const SETTLE_LOOKS = 5;
const SETTLE_MS = 50;

/**
 * The container's state after a step failed in it, and whether its process died under the step. The engine
 * records a crash a moment after an exec into the dying process fails (exit 126): a steady answer is asked
 * again a few times before it stands.
 */
export async function stateAfterFailure(container: ContainerClient, before: ContainerState): Promise<{ died: boolean; state: ContainerState | null }> {
  for (let look = 1; ; look++) {
    const state = await container.inspect();
    if (diedUnder(before, state)) return { died: true, state };
    if (look >= SETTLE_LOOKS) return { died: false, state };
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  }
}

/** Did the container stop or restart since `before` (a different StartedAt is another process)? */
export const diedUnder = (before: ContainerState, now: ContainerState | null): boolean =>
  !runsSteadily(now) || now!.startedAt !== before.startedAt;
