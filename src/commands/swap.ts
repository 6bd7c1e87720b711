/** `hotswap swap`: one pipeline run now (even when the plan says nothing changed, unless --if-changed). */
import type { PipelineFlags } from '../config/types.js';
import { createNotifier } from '../notify/index.js';
import { checkInputs, runPipeline } from '../pipeline/run.js';
import { commandContext, printJson } from './context.js';

export interface SwapFlags extends PipelineFlags {
  ifChanged?: boolean;
}

export async function swapCommand(flags: SwapFlags): Promise<number> {
  const { config, log, progress, engine } = commandContext(flags);
  const inputs = await checkInputs(config);
  try {
    const { report, error } = await runPipeline({ config, engine, trigger: 'manual', ifChanged: !!flags.ifChanged, progress, log }, inputs);
    if (config.output.json) printJson(report);
    await createNotifier(config.notify, log).notify(report);
    return error ? error.exitCode : 0;
  } finally {
    await inputs.git.close();
  }
}
