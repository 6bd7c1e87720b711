/**
 * What runs need besides the config, checked before Docker is contacted: the git repo, the planner and
 * each target's main package. No Docker or builder code is imported here, so `plan` stays light.
 */
import { resolveMainPackage } from '../build/main-package.js';
import { configForTarget } from '../config/targets.js';
import type { ResolvedConfig } from '../config/types.js';
import { plannerOptions } from '../plan/build-context.js';
import { openRepo, type GitRepo } from '../plan/git.js';
import { createPlanner, type Planner } from '../plan/planner.js';

export interface PipelineInputs {
  readonly git: GitRepo;
  readonly mainPackage: string;
  /** Kept across runs by the watch daemon: its caches make the next plan cheap. */
  readonly planner: Planner;
}

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

/**
 * Checks that need no Docker, so bad input exits 2 even when Docker is missing too (DESIGN §2): the git
 * repo and each target's main package. One repo and one planner serve every target. `warn` hears what the
 * planner falls back from (a failing `go list`).
 */
export async function checkTargets(config: ResolvedConfig, warn?: (message: string) => void): Promise<CheckedTargets> {
  const git = await openRepo(config.repo);
  try {
    const planner = createPlanner(git, plannerOptions(config, warn));
    const runs = await Promise.all(config.targets.map(async (t): Promise<TargetRun> => {
      const view = configForTarget(config, t);
      return { name: t.name, config: view, inputs: { git, planner, mainPackage: await resolveMainPackage(view.repo, view.main) } };
    }));
    return { runs: runs as [TargetRun, ...TargetRun[]], close: () => git.close() };
  } catch (e) {
    await git.close();
    throw e;
  }
}

