/**
 * `hotswap plan [--from REV] [--to REV] [--json]`: would a rebuild be needed, and why, file by file. Reads
 * trees from git objects (no checkout, no Docker), so it also answers "does this PR need a rebuild?" in CI.
 */
import type { PipelineFlags } from '../config/types.js';
import { hostPlatform } from '../pipeline/target.js';
import { openRepo } from '../plan/git.js';
import { buildContextFor } from '../plan/build-context.js';
import { createPlanner } from '../plan/planner.js';
import { resolveMainPackage } from '../build/main-package.js';
import { newReport } from '../report.js';
import { readState } from '../state/store.js';
import { commandContext, printJson } from './context.js';

export interface PlanFlags extends PipelineFlags {
  from?: string;
  to?: string;
}

export async function planCommand(flags: PlanFlags): Promise<number> {
  const { config } = commandContext(flags);
  const git = await openRepo(config.repo);
  try {
    const started = performance.now();
    const to = flags.to ? await git.treeOf(flags.to) : await git.snapshot();
    const from = flags.from ? await git.treeOf(flags.from) : (await readState(config.repo)).lastBuilt?.tree ?? null;
    const main = await resolveMainPackage(config.repo, config.main);
    const planner = createPlanner(git, { imageInputs: config.plan.imageInputs });
    const plan = await planner.plan(from, to, { main, context: await buildContextFor(config, hostPlatform()) });
    const report = { ...newReport('manual', config.target.container), outcome: 'planned' as const, plan };
    report.phases.plan = Math.round(performance.now() - started);
    report.totalMs = report.phases.plan;
    if (config.output.json) {
      printJson(report);
      return 0;
    }
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`${plan.rebuild ? 'rebuild' : 'no rebuild'}: ${plan.reason}`);
    for (const file of plan.files) out(`  ${file.class.padEnd(7)} ${file.path}${file.why ? `  (${file.why})` : ''}`);
    return 0;
  } finally {
    await git.close();
  }
}
