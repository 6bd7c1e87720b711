/**
 * Several targets through the pipeline: each runs unchanged on its own view of the config, one after the
 * other (builds are CPU-bound). They share one git repo and one planner, whose caches hold per content.
 */
import { resolveMainPackage } from '../build/main-package.js';
import { configForTarget } from '../config/targets.js';
import type { ResolvedConfig } from '../config/types.js';
import { checkInputs, runPipeline, type PipelineInputs, type PipelineRequest, type PipelineResult } from './run.js';

/** One target ready to run: its view of the config and its checked inputs. */
export interface TargetRun {
  readonly name: string;
  readonly config: ResolvedConfig;
  readonly inputs: PipelineInputs;
}

export interface CheckedTargets {
  readonly runs: readonly [TargetRun, ...TargetRun[]];
  /** Closes the git repo they share. */
  close(): Promise<void>;
}

/** checkInputs for every target (each main package resolved once), before Docker is contacted. */
export async function checkTargets(config: ResolvedConfig): Promise<CheckedTargets> {
  const [first, ...others] = config.targets;
  const inputs = await checkInputs(configForTarget(config, first));
  try {
    const rest = await Promise.all(others.map(async (t): Promise<TargetRun> => {
      const view = configForTarget(config, t);
      return { name: t.name, config: view, inputs: { ...inputs, mainPackage: await resolveMainPackage(view.repo, view.main) } };
    }));
    return { runs: [{ name: first.name, config: configForTarget(config, first), inputs }, ...rest], close: () => inputs.git.close() };
  } catch (e) {
    await inputs.git.close();
    throw e;
  }
}

/** One target's run; with several, a line first says which one the phases below belong to. */
export function runTarget(targets: CheckedTargets, run: TargetRun, req: Omit<PipelineRequest, 'config'>): Promise<PipelineResult> {
  if (targets.runs.length > 1) req.progress.info(`▸ ${run.name} (${run.config.target.container})`);
  return runPipeline({ ...req, config: run.config }, run.inputs);
}

/** The exit code of several runs: the worst one (3 environment, 2 input, 1 failed, 0 done). */
export const worstExitCode = (results: readonly PipelineResult[]): number =>
  Math.max(0, ...results.map((r) => r.error?.exitCode ?? 0));
