/**
 * `hotswap plan [--from REV] [--to REV] [--json]`: would a rebuild be needed, and why, file by file. Reads
 * trees from git objects (no checkout, no Docker), so it also answers "does this PR need a rebuild?" in CI.
 * With several targets, one plan each (each against its own last build).
 */
import type { PipelineFlags } from '../config/types.js';
import { checkTargets, type TargetRun } from '../pipeline/inputs.js';
import { hostPlatform } from '../pipeline/container.js';
import { buildContextFor } from '../plan/build-context.js';
import { newReport, type Plan, type Report } from '../report.js';
import { lastBuiltOf, readState, type State } from '../state/store.js';
import { resolveConfig } from '../config/resolve.js';
import { printJson } from '../ui/json.js';
import { planFileLines, planHeadline } from '../ui/plan.js';
import { previewBase, type PlanBase } from '../plan/base.js';
import type { GitRepo } from '../git/repo.js';

export interface PlanFlags extends PipelineFlags {
  from?: string;
  to?: string;
}

interface PlanInputs {
  readonly state: State;
  /** --from's tree, or null: each target's last build (HEAD when nothing was built yet). */
  readonly from: PlanBase | null;
  readonly to: string;
  readonly workTree: boolean;
  /** The --to tree's go.mod (its go line sets go1.N tags); undefined: the work tree's. */
  readonly goMod?: string;
}

type Planned = Report & { plan: Plan };

async function planTarget(run: TargetRun, { state, from, to, workTree, goMod }: PlanInputs): Promise<Planned> {
  const started = performance.now();
  const { config, inputs } = run;
  const base = from ?? await previewBase(inputs.git, lastBuiltOf(state, run.name)?.tree ?? null);
  const context = await buildContextFor(config, hostPlatform(), goMod);
  const plan = await inputs.planner.plan(base.tree, to, { main: inputs.mainPackage, context }, { workTree, comparedWith: base.comparedWith });
  const report = { ...newReport('manual', config.target.container), outcome: 'planned' as const, plan };
  report.phases.plan = Math.round(performance.now() - started);
  report.totalMs = report.phases.plan;
  return report;
}

function printPlan(plan: Plan, heading: string | null): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const indent = heading === null ? '' : '  ';
  if (heading !== null) out(heading);
  out(`${indent}${planHeadline(plan)}`);
  for (const line of planFileLines(plan, `${indent}  `)) out(line);
}

/** A tree's go.mod, '' when it has none (cat-file resolves `<tree>:<path>` names too). */
const goModOf = async (git: GitRepo, tree: string) => [...(await git.readBlobs([`${tree}:go.mod`])).values()][0]?.toString('utf8') ?? '';

export async function planCommand(flags: PlanFlags): Promise<number> {
  const started = performance.now();
  // No commandContext: a plan needs neither Docker nor the log, and a one-shot CLI should not load them.
  const config = resolveConfig({ flags, cwd: process.cwd(), env: process.env });
  const warn = (message: string) => process.stderr.write(`hotswap: warning: ${message}\n`);
  // With --to, the main packages are checked in that tree: no checkout needed (a CI clone, --no-checkout).
  const targets = await checkTargets(config, { warn, at: flags.to });
  try {
    const { git } = targets.runs[0].inputs;
    const to = flags.to ? await git.treeOf(flags.to) : await git.snapshot();
    const from = flags.from ? { tree: await git.treeOf(flags.from), comparedWith: flags.from } : null;
    const goMod = flags.to ? await goModOf(git, to) : undefined;
    const inputs = { state: await readState(config.repo), from, to, workTree: !flags.to, goMod };
    const reports: Planned[] = [];
    for (const run of targets.runs) reports.push(await planTarget(run, inputs));
    // The snapshot is part of planning: the first report's time includes it.
    reports[0]!.phases.plan = reports[0]!.totalMs = Math.round(performance.now() - started);
    const several = reports.length > 1;
    if (config.output.json) printJson(several ? reports : reports[0]);
    else config.targets.forEach((t, i) => printPlan(reports[i]!.plan, several ? `${t.name} (${t.main} → ${t.target.container}):` : null));
    return 0;
  } finally {
    await targets.close();
  }
}
