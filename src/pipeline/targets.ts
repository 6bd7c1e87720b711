/**
 * Several targets through the pipeline: each runs unchanged on its own view of the config, one after the
 * other (builds are CPU-bound). They share one git repo and one planner, whose caches hold per content.
 */
import type { CheckedTargets, TargetRun } from './inputs.js';
import { runPipeline, type PipelineRequest, type PipelineResult } from './run.js';

/** One target's run; with several, a line first says which one the phases below belong to. */
export function runTarget(targets: CheckedTargets, run: TargetRun, req: Omit<PipelineRequest, 'config'>): Promise<PipelineResult> {
  if (targets.runs.length > 1) req.progress.info(`▸ ${run.name} (${run.config.target.container})`);
  return runPipeline({ ...req, config: run.config }, run.inputs);
}

/** The exit code of several runs: the worst one (3 environment, 2 input, 1 failed, 0 done). */
export const worstExitCode = (results: readonly PipelineResult[]): number =>
  Math.max(0, ...results.map((r) => r.error?.exitCode ?? 0));
