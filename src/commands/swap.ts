/**
 * `hotswap swap`: one pipeline run now (even when the plan says nothing changed, unless --if-changed), for
 * each selected target in order; the exit code is the worst one.
 */
import { defaultBuilders } from '../builders/select.js';
import type { PipelineFlags } from '../config/types.js';
import { connectBuilderEngine } from '../docker/builder-engine.js';
import { createNotifier } from '../notify/index.js';
import type { HeadStart, RunTalk } from '../pipeline/head-start.js';
import { checkTargets } from '../pipeline/inputs.js';
import { runTarget, worstExitCode } from '../pipeline/targets.js';
import { prepareRevision } from '../revisions/export.js';
import { hasherUploads } from '../swap/follow.js';
import { sameLocation, type Located } from '../git/snapshot.js';
import { askHostToolsEarly } from '../toolchain/host-tools.js';
import { commandContext, printJson } from './context.js';

export interface SwapFlags extends PipelineFlags {
  ifChanged?: boolean;
  /** Build this revision's tree instead of the work tree (revisions/export.ts). */
  rev?: string;
}

/**
 * `early` is the head start (pipeline/head-start.ts) program.ts began before this module loaded: its build
 * runs already, and the run takes it if it is exactly the build the run wants.
 */
export async function swapCommand(flags: SwapFlags, early: HeadStart | null = null): Promise<number> {
  const { config, log, progress, engine, warn } = commandContext(flags);
  askHostToolsEarly(config.repo); // go, its version and cc, asked while git opens
  // The engine's first request costs most (its connection); made while git opens, so the run's ping is quick.
  // Its failure is the run's to report, after the checks that need no Docker.
  void engine.ping().catch(() => undefined);
  const builders = defaultBuilders(connectBuilderEngine);
  const started = headStartFor(config.repo, early, { builders, progress, log });
  const targets = await checkTargets(config, { warn, at: flags.rev, ...(started ? { head: started } : {}) });
  const head = started && placedAsSnapshotted(started, targets.runs[0].inputs.git.located);
  const notifier = createNotifier(config.notify, log);
  try {
    const revision = flags.rev ? await prepareRevision(targets.runs[0].inputs.git, config.repo, flags.rev) : undefined;
    // The head start's snapshot is the work tree as this command found it: the runs take it rather than snapshotting again.
    const snapshot = head ? { snapshot: () => Promise.resolve(head.tree) } : {};
    const results = [];
    for (const run of targets.runs) {
      const result = await runTarget(targets, run, { engine, builders, trigger: 'manual', ifChanged: !!flags.ifChanged, progress, log, revision, ...snapshot });
      await notifier.notify(result.report);
      results.push(result);
    }
    const reports = results.map((r) => r.report);
    // One target prints its report as it always did; several print an array, in the order they ran.
    if (config.output.json) printJson(reports.length === 1 ? reports[0] : reports);
    return worstExitCode(results);
  } finally {
    // A tool upload cut off by the exit would only be made again next time.
    await Promise.all([targets.close(), hasherUploads()]);
  }
}

/**
 * The head start, when git puts the repo where it snapshotted it (it asked no `rev-parse`: the last run's
 * answer); else its build and snapshot are stopped, and the run snapshots and builds for itself.
 */
function placedAsSnapshotted(head: HeadStart, located: Located): HeadStart | null {
  if (sameLocation(head.located, located)) return head;
  head.abandon();
  return null;
}

/** The head start, handed the run's builders and voices, when it is of this run's repo; else stopped. */
function headStartFor(repo: string, head: HeadStart | null, talk: RunTalk): HeadStart | null {
  if (!head) return null;
  if (head.repo !== repo) {
    head.abandon();
    return null;
  }
  head.attach(talk);
  return head;
}
