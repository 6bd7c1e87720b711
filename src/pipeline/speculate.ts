/**
 * Watch's speculative builds: at each edit the work tree is snapshotted and its build started at once,
 * before the batch's quiet period ends; a later edit restarts it with the newer tree (Go's build cache keeps
 * what was already compiled). The batch's run reuses it only when it is exactly the build it wants (same tree
 * and build settings, `buildKey`), and discards it when its plan says no rebuild (run.ts): a speculative build
 * never reaches the container by itself.
 */
import type { Builders } from '../builders/builder.js';
import type { Logger } from '../log.js';
import type { Progress } from '../ui/progress.js';
import type { CheckedTargets, TargetRun } from './inputs.js';
import { stoppable } from './decide.js';
import { buildKey, buildRequestFor } from './prebuild.js';

export interface SpeculateOptions {
  readonly targets: CheckedTargets;
  readonly builders: Builders;
  readonly log: Logger;
  readonly dryRun: boolean;
}

/** What a speculative build says goes to the log only: the run that reuses it speaks for it. */
const logOnly = (log: Logger): Progress => ({
  phaseStarted() {}, phaseEnded() {}, finished() {},
  info: (message) => log.info({ speculative: true }, message),
  warn: (message) => log.warn({ speculative: true }, message),
  output: (text) => log.debug({ speculative: true, output: text }, 'build output'),
});

/** `run`'s build of `tree`, once a run has told its container's platform. */
function speculateTarget(run: TargetRun, tree: string, { builders, log }: SpeculateOptions): void {
  const { prebuilds, mainPackage } = run.inputs;
  const platform = prebuilds.platforms.get(run.name);
  if (!platform || !stoppable(run.config.build.mode)) return;
  const request = buildRequestFor(run.config, mainPackage, platform, tree, { progress: logOnly(log), log });
  if (prebuilds.start(run.name, builders[run.config.build.mode], request, buildKey(request, tree))) log.info({ tree, target: run.name }, 'speculative build started');
}

/** Files changed: (re)start every target's build of the work tree as it is now (one snapshot serves them all). */
export function speculate(opts: SpeculateOptions): void {
  if (opts.dryRun) return;
  const { git, prebuilds } = opts.targets.runs[0].inputs; // shared by the targets
  prebuilds.refresh(async () => {
    const tree = await git.snapshot();
    for (const run of opts.targets.runs) speculateTarget(run, tree, opts);
  });
}
