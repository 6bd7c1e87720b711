/**
 * `hotswap swap`: one pipeline run now (even when the plan says nothing changed, unless --if-changed), for
 * each selected target in order; the exit code is the worst one.
 */
import { defaultBuilders } from '../builders/select.js';
import type { PipelineFlags } from '../config/types.js';
import { connectBuilderEngine } from '../docker/builder-engine.js';
import { createNotifier } from '../notify/index.js';
import { checkTargets } from '../pipeline/inputs.js';
import { runTarget, worstExitCode } from '../pipeline/targets.js';
import { prepareRevision } from '../revisions/export.js';
import { hasherUploads } from '../swap/follow.js';
import { askHostToolsEarly } from '../toolchain/host-tools.js';
import { commandContext, printJson } from './context.js';

export interface SwapFlags extends PipelineFlags {
  ifChanged?: boolean;
  /** Build this revision's tree instead of the work tree (revisions/export.ts). */
  rev?: string;
}

export async function swapCommand(flags: SwapFlags): Promise<number> {
  const { config, log, progress, engine, warn } = commandContext(flags);
  askHostToolsEarly(config.repo); // go, its version and cc, asked while git opens
  // The engine's first request costs most (its connection); made while git opens, so the run's ping is quick.
  // Its failure is the run's to report, after the checks that need no Docker.
  void engine.ping().catch(() => undefined);
  const targets = await checkTargets(config, { warn, at: flags.rev });
  const notifier = createNotifier(config.notify, log);
  const builders = defaultBuilders(connectBuilderEngine);
  try {
    const revision = flags.rev ? await prepareRevision(targets.runs[0].inputs.git, config.repo, flags.rev) : undefined;
    const results = [];
    for (const run of targets.runs) {
      const result = await runTarget(targets, run, { engine, builders, trigger: 'manual', ifChanged: !!flags.ifChanged, progress, log, revision });
      await notifier.notify(result.report);
      results.push(result);
    }
    const reports = results.map((r) => r.report);
    // One target prints its report as it always did; several print an array, in the order they ran.
    if (config.output.json) printJson(reports.length === 1 ? reports[0] : reports);
    return worstExitCode(results);
  } finally {
    await targets.close();
    await hasherUploads(); // a tool upload cut off by the exit would only be made again next time
  }
}
