/**
 * `hotswap bisect --good A --bad B -- CMD…`: the first bad commit between A and B, found by hot swaps into
 * the container (revisions/bisect-run.ts); Ctrl-C stops it, and the container gets its binary back.
 */
import { defaultBuilders } from '../builders/select.js';
import { connectBuilderEngine } from '../docker/builder-engine.js';
import type { PipelineFlags } from '../config/types.js';
import { usageError } from '../errors.js';
import { checkTargets } from '../pipeline/inputs.js';
import { bisectRange, runBisect, type BisectResult, type BisectStep } from '../revisions/bisect-run.js';
import { commandContext, printJson } from './context.js';

export interface BisectFlags extends PipelineFlags {
  good: string;
  bad: string;
  /** The words after `--`. */
  command: readonly string[];
}

function printResult(result: BisectResult): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (result.firstBad) {
    out(`first bad commit: ${result.firstBad} ${result.subject}`);
    out(`  changed the binary through: ${result.files.join(', ') || '(no input file: a build setting)'}`);
  } else {
    out(`only skipped commits are left: the first bad commit is one of ${result.couldBe?.join(' ')}`);
  }
  out(`${result.steps.length} step(s), ${result.builds} build(s)`);
}

export async function bisectCommand(flags: BisectFlags): Promise<number> {
  if (flags.command.length === 0) throw usageError('no command to run at each step', { hint: 'hotswap bisect --good A --bad B -- CMD… (exit 0 good, 125 skip, 1–127 bad)' });
  const { config, log, progress, engine } = commandContext(flags);
  const targets = await checkTargets(config, { warn: (m) => progress.warn(m), at: flags.bad });
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const steps: BisectStep[] = [];
  try {
    const { inputs } = targets.runs[0];
    await bisectRange(inputs.git, flags.good, flags.bad); // bad input is exit 2 before Docker
    const result = await runBisect({ config: targets.runs[0].config, engine, builders: defaultBuilders(connectBuilderEngine), inputs, good: flags.good, bad: flags.bad, command: flags.command, progress, log, signal: controller.signal }, steps);
    if (config.output.json) printJson(result);
    else printResult(result);
    return result.firstBad ? 0 : 1;
  } catch (e) {
    if (config.output.json) printJson({ firstBad: null, steps });
    throw e;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await targets.close();
  }
}
