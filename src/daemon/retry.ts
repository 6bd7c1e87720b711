/**
 * What the daemon does after a target's run, as a pure decision: done, give up (a retry would fail the same
 * way), or retry later because Docker or the container went away under the run. The container's state
 * after the failure is asked through the pipeline (`pipeline/freshness.ts`); this module only reads it.
 */
import type { ContainerSeen } from '../pipeline/freshness.js';
import type { Phase } from '../phase.js';
import type { Report } from '../report.js';

export type RetryVerdict =
  /** The run went through (swapped, skipped, planned, or rolled back: the container runs a working binary). */
  | { readonly action: 'done' }
  /** Failed, and a retry would fail the same way: wait for the next change. */
  | { readonly action: 'give-up' }
  /** Docker or the container went away under the run: try the same change again after the backoff. */
  | { readonly action: 'retry'; readonly reason: string };

/** What retryVerdict reads of a run: its report and the exit code of its error, if any. */
export interface RunOutcome {
  readonly report: Report;
  readonly error: { readonly exitCode: number; readonly message: string } | null;
}

/** A failure in these says nothing about the container: a retry would fail the same way. */
const SOURCE_PHASES: ReadonlySet<Phase> = new Set(['config', 'plan', 'build']);
/**
 * Phases before the new binary runs: a container found stopped after a failure in one of them was stopped
 * under the swap (an engine shutting down), not by the new binary. After `health` or `rollback`, a stopped
 * container is what a crashing binary leaves (retrying would only crash it again), unless the engine's
 * events say it was stopped from outside: then the swap, not rolled back, is retried.
 */
const BEFORE_GOING_LIVE: ReadonlySet<Phase> = new Set(['detect', 'docker', 'copy', 'verify', 'restart']);

/**
 * Whether the container's state can change the verdict: a failed run in a phase that touched Docker (Docker's
 * and the swap's errors all name their phase; one without is git's or the file system's), not already an
 * environment error (exit 3, retried as it is).
 */
export function needsContainerLook({ report, error }: RunOutcome): boolean {
  const phase = report.error?.phase;
  return error?.exitCode !== 3 && report.outcome === 'failed' && !!phase && !SOURCE_PHASES.has(phase);
}

/**
 * The verdict on one target's run. `seen` is the container after the failure, when needsContainerLook asked
 * for it (else null). A failed swap whose container still runs is not retried: it would only fail again.
 */
export function retryVerdict(outcome: RunOutcome, seen: ContainerSeen | null): RetryVerdict {
  const { report, error } = outcome;
  if (error?.exitCode === 3) return { action: 'retry', reason: error.message };
  if (report.outcome !== 'failed') return { action: 'done' };
  if (!seen || !needsContainerLook(outcome)) return { action: 'give-up' };
  const name = report.container;
  switch (seen.kind) {
    case 'unreachable':
      return { action: 'retry', reason: 'Docker stopped answering during the run' };
    case 'gone':
      return { action: 'retry', reason: `container ${name} was removed during the run` };
    case 'stopped': {
      const cutOff = BEFORE_GOING_LIVE.has(report.error!.phase!) || seen.fromOutside;
      return cutOff ? { action: 'retry', reason: `container ${name} was stopped during the run` } : { action: 'give-up' };
    }
    case 'running':
      return { action: 'give-up' };
  }
}
