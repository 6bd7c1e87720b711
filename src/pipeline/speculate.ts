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
import { stillHolds } from './still-holds.js';

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

/** More changed paths than this since the last run: the run snapshots again rather than check them all. */
const MAX_CHECKED = 64;

interface Snapshot {
  /** File events that came before it was started. */
  readonly events: number;
  readonly tree: Promise<string>;
}

/**
 * A repo's speculation, one per watch daemon. Each file event (re)starts every target's build of the work
 * tree as it is then, from one snapshot. A run of the batch takes that snapshot instead of making its own
 * (git would hash the same files again, beside the build) when no event came since it was started and the
 * files changed since the last run still hold what it holds: chokidar drops a second change of a file within
 * 50 ms of the first, so an event alone is not proof. Otherwise the run snapshots again.
 */
export class Speculation {
  /** File events so far. */
  private events = 0;
  /** Paths changed since the last run took its snapshot. */
  private readonly changedPaths = new Set<string>();
  private last: Snapshot | null = null;

  constructor(private readonly opts: SpeculateOptions) {}

  private get git() {
    return this.opts.targets.runs[0].inputs.git; // shared by the targets
  }

  /** Files changed: (re)start every target's build of the work tree as it is now. */
  changed(paths: readonly string[]): void {
    this.events += 1;
    for (const path of paths) this.changedPaths.add(path);
    if (this.opts.dryRun) return;
    this.opts.targets.runs[0].inputs.prebuilds.refresh(async () => {
      const last = this.last = { events: this.events, tree: this.git.snapshot() };
      const tree = await last.tree;
      for (const run of this.opts.targets.runs) speculateTarget(run, tree, this.opts);
    });
  }

  /** The work tree's snapshot for a run: the speculation's when it still holds (above), else a new one. */
  readonly snapshot = async (): Promise<string> => {
    const paths = [...this.changedPaths];
    this.changedPaths.clear();
    const last = this.last?.events === this.events && paths.length <= MAX_CHECKED ? this.last : null;
    const tree = await last?.tree.catch(() => null);
    if (tree && await this.holds(tree, paths)) {
      this.opts.log.info({ tree }, 'work tree snapshot reused');
      return tree;
    }
    // The run's own, now the newest: the run's next target takes it too.
    const fresh = this.last = { events: this.events, tree: this.git.snapshot() };
    return fresh.tree;
  };

  /** The listing is the one the run's plan reads next (git/repo.ts keeps the last few). */
  private async holds(tree: string, paths: readonly string[]): Promise<boolean> {
    const entries = await this.git.listTree(tree).catch(() => null);
    return !!entries && stillHolds(this.git.dir, entries, paths);
  }
}
