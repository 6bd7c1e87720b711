/** The Report of a run, made once from what its steps found: pure. */
import type { Artifact } from '../builders/builder.js';
import type { HotswapError } from '../errors.js';
import type { Phase } from '../phase.js';
import type { Plan, Report, Trigger } from '../report.js';
import type { SwapResult } from '../swap/transaction.js';
import { STALE_WARNING } from '../ui/run-line.js';
import type { Decision } from './decide.js';

/** What the steps found, each field set by one step; a run that failed stops filling it. */
export interface RunFacts {
  plan?: Plan;
  /** The final decision (after a drift check); a build decided on a drift says why in the plan. */
  decision?: Decision;
  drifted?: boolean;
  staleImage?: { files: string[]; rebuild: string };
  /** Set when the build starts (null: no version stamp). */
  version?: string | null;
  artifact?: Artifact;
  /** The artifact's sha256, once the swap has it (the builder returns before it is taken). */
  sha256?: string;
  /** The build was started before the run: watch's speculation (pipeline/speculate.ts) or a head start (head-start.ts). */
  speculative?: boolean;
  swap?: SwapResult;
  /** The revision built instead of the work tree (`swap --rev`): what is live, by name. */
  revision?: string;
}

export interface RunFrame {
  readonly trigger: Trigger;
  readonly container: string;
  readonly startedAt: string;
  readonly phases: Partial<Record<Phase, number>>;
  readonly totalMs: number;
}

const imageFiles = (plan: Plan) => plan.files.filter((f) => f.class === 'image').map((f) => f.path);

/** A build of a plan with image inputs warns that the image itself is stale. */
function staleWarnings(plan: Plan | undefined): string[] {
  const files = plan ? imageFiles(plan) : [];
  return files.length ? [`${STALE_WARNING} ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`] : [];
}

function outcomeOf(facts: RunFacts, error: HotswapError | null): Report['outcome'] {
  if (error) return facts.swap?.outcome === 'rolled-back' ? 'rolled-back' : 'failed';
  if (facts.swap) return facts.swap.outcome;
  return facts.decision?.action === 'plan-only' ? 'planned' : 'skipped';
}

function planOf({ plan, decision, drifted }: RunFacts): Plan | null {
  if (!plan) return null;
  return drifted && decision?.action === 'build' ? { ...plan, rebuild: true, reason: decision.reason } : plan;
}

export function runReport(frame: RunFrame, facts: RunFacts, error: HotswapError | null): Report {
  const { artifact, swap } = facts;
  const report: Report = {
    outcome: outcomeOf(facts, error), trigger: frame.trigger, container: frame.container, plan: planOf(facts),
    sha256: facts.sha256 ?? null, version: facts.version ?? null, phases: frame.phases, totalMs: frame.totalMs,
    startedAt: frame.startedAt,
    warnings: [...(facts.version !== undefined ? staleWarnings(facts.plan) : []), ...(swap?.warnings ?? [])],
  };
  if (facts.staleImage) report.staleImage = facts.staleImage;
  if (facts.revision) report.revision = facts.revision;
  if (artifact) report.builder = artifact.builder;
  if (artifact && facts.speculative) report.speculative = true;
  if (swap?.backup) report.backup = swap.backup;
  if (swap) report.previousSha256 = swap.previousSha256;
  if (error) report.error = { message: error.message, hint: error.hint, phase: error.phase, details: error.details };
  return report;
}
