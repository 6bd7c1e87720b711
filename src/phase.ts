/** The phases of a run, and the runner that times each one into the report and tells the terminal. */
import { performance } from 'node:perf_hooks';
import type { Report } from './report.js';
import type { Progress } from './ui/progress.js';

/**
 * The one vocabulary of phases: what a run times (detect … rollback), and what an error names as where it
 * happened (also config, backup, docker, state).
 */
export type Phase =
  | 'config' | 'detect' | 'plan' | 'build' | 'backup' | 'copy' | 'restart' | 'verify' | 'health' | 'rollback'
  | 'docker' | 'state';

export interface PhaseRunner {
  <T>(phase: Phase, work: () => Promise<T>, detail?: string): Promise<T>;
}

/** Times each phase into `timing.phases` (a run's, made into its Report at the end). */
export function phaseRunner(timing: Pick<Report, 'phases'>, progress: Progress): PhaseRunner {
  return async (phase, work, detail) => {
    const start = performance.now();
    progress.phaseStarted(phase, detail);
    let ok = false;
    try {
      const result = await work();
      ok = true;
      return result;
    } finally {
      const ms = Math.round(performance.now() - start);
      timing.phases[phase] = (timing.phases[phase] ?? 0) + ms;
      progress.phaseEnded(phase, ms, ok ? undefined : 'failed');
    }
  };
}
