/** Times one phase into the report and tells the terminal: every phase is timed (DESIGN §1). */
import { performance } from 'node:perf_hooks';
import type { PhaseName, Report } from './report.js';
import type { Progress } from './ui/progress.js';

export interface PhaseRunner {
  <T>(phase: PhaseName, work: () => Promise<T>, detail?: string): Promise<T>;
}

export function phaseRunner(report: Report, progress: Progress): PhaseRunner {
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
      report.phases[phase] = (report.phases[phase] ?? 0) + ms;
      progress.phaseEnded(phase, ms, ok ? undefined : 'failed');
    }
  };
}
