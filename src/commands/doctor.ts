/** `hotswap doctor`: one line per check with the fix; exit 1 when any check FAILs (a WARN does not). */
import type { PipelineFlags } from '../config/types.js';
import { runChecks } from '../doctor/checks.js';
import { commandContext, printJson } from './context.js';

export async function doctorCommand(flags: PipelineFlags): Promise<number> {
  const { config, engine } = commandContext(flags);
  const results = await runChecks(config, engine);
  if (config.output.json) printJson(results);
  else {
    for (const r of results) {
      process.stdout.write(`${r.status.padEnd(4)} ${r.name.padEnd(14)} ${r.detail}${r.fix && r.status !== 'OK' ? ` → ${r.fix}` : ''}\n`);
    }
  }
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}
