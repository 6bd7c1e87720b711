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

function speculateTarget(run: TargetRun, { builders, log }: SpeculateOptions): void {
  const { prebuilds, git, mainPackage } = run.inputs;
  const platform = prebuilds.platform; // known once a run has seen the container
  if (!platform) return;
  prebuilds.refresh(async () => {
    const tree = await git.snapshot();
    const request = buildRequestFor(run.config, mainPackage, platform, tree, { progress: logOnly(log), log });
    if (prebuilds.start(builders[run.config.build.mode], request, buildKey(request, tree))) log.info({ tree, target: run.name }, 'speculative build started');
  });
}

/** Files changed: (re)start every target's build of the work tree as it is now. */
export function speculate(opts: SpeculateOptions): void {
  if (opts.dryRun) return;
  for (const run of opts.targets.runs) speculateTarget(run, opts);
}
