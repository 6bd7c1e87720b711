/**
 * What the daemon asks of a target's container between runs, through the pipeline rather than from swap/
 * and state/ directly: does it hold the last build (watch's start), and what became of it after a failed
 * run (daemon/retry.ts decides from that).
 */
import type { ContainerClient, Engine } from '../docker/client.js';
import { lastBuiltOf, readState } from '../state/store.js';
import { stoppedFromOutside } from '../swap/either-way.js';
import { buildDrift } from '../swap/restore.js';
import type { TargetRun } from './inputs.js';

/** Does the target's container already run what its last build produced from the current sources? */
export async function upToDate(engine: Engine, run: TargetRun): Promise<boolean> {
  const lastBuilt = lastBuiltOf(await readState(run.config.repo), run.name);
  const { target } = run.config;
  return lastBuilt !== null && (await buildDrift(engine.container(target.container), target.binaryPath, lastBuilt.sha256)) === null;
}

/** The container as found after a failed run, once a removal or stop in flight has settled. */
export type ContainerSeen =
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'stopped'; readonly fromOutside: boolean }
  | { readonly kind: 'running' };

export interface SettleOptions {
  /** How long a container that still runs is watched for a removal or stop in flight (the kill comes first). */
  readonly settleMs: number;
  readonly pollMs: number;
}

export const SETTLE: SettleOptions = { settleMs: 1000, pollMs: 150 };

/** One look at the container; null while it still runs. */
async function lookAt(container: ContainerClient): Promise<ContainerSeen | null> {
  const state = await container.inspect().then((s) => s, () => 'unreachable' as const);
  if (state === 'unreachable') return { kind: 'unreachable' };
  if (state === null || state.status === 'removing' || state.status === 'dead') return { kind: 'gone' };
  if (!state.running || state.restarting) return { kind: 'stopped', fromOutside: await stoppedFromOutside(container) };
  return null;
}

/**
 * The container after a failed run. Still "running" while the engine has not yet seen the kill of a
 * removal or a shutdown: looked at again, briefly, before it counts as running.
 */
export async function containerAfterFailure(engine: Engine, name: string, { settleMs, pollMs }: SettleOptions = SETTLE): Promise<ContainerSeen> {
  const container = engine.container(name);
  const deadline = Date.now() + settleMs;
  for (;;) {
    const seen = await lookAt(container);
    if (seen) return seen;
    if (Date.now() >= deadline) return { kind: 'running' };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
