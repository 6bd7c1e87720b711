/** What a run does once its plan is made: pure, so every outcome is one table of cases. */
import type { BuilderMode } from '../config/types.js';
import type { Plan, Trigger } from '../report.js';
import type { LastBuilt } from '../state/store.js';

export type Decision =
  /** A dry run (no container): the plan is the whole report. */
  | { readonly action: 'plan-only' }
  | { readonly action: 'skip' }
  /** Skip, unless the container no longer holds the last build (its hash is checked first). */
  | { readonly action: 'check-drift' }
  | { readonly action: 'build'; readonly reason: string };

export interface RunMode {
  readonly trigger: Trigger;
  /** Honour the plan: skip the build when no binary input changed. */
  readonly ifChanged: boolean;
}

/** `ready`: the container, when the run has one; `created` when it was made from the image just now. */
export function decideRun(plan: Plan, lastBuilt: LastBuilt | null, ready: { readonly created: boolean } | null, mode: RunMode): Decision {
  if (!ready) return { action: 'plan-only' };
  if (!mode.ifChanged) return { action: 'build', reason: 'a swap was asked for' };
  if (plan.rebuild) return { action: 'build', reason: plan.reason };
  // A container made from the image holds the image's binary, whatever the plan says.
  if (ready.created) return { action: 'build', reason: 'the container was created from its image' };
  // A one-shot run checks the container holds the last build; watch does that once at start instead.
  if (mode.trigger === 'manual' && lastBuilt) return { action: 'check-drift' };
  return { action: 'skip' };
}

/** After the drift check: `drift` says why the container's binary is not the last build, or is null. */
export const afterDriftCheck = (drift: string | null): Decision =>
  drift ? { action: 'build', reason: drift } : { action: 'skip' };

/**
 * A build that may be thrown away (watch's speculation, or a run's started before its plan says whether it
 * wants it) is started only where it can be stopped: `go build` on the host. The builder container's exec and
 * an artifact's `docker build` run to their end once started.
 */
export const stoppable = (mode: BuilderMode): boolean => mode === 'local' || mode === 'auto';

/** Does a run start its build as soon as its snapshot is known, before its plan? Always when it will build anyway. */
export const buildsBeforePlan = (mode: BuilderMode, run: RunMode): boolean => !run.ifChanged || stoppable(mode);
