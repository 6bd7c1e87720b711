/**
 * `hotswap bisect`'s run: each step swaps a candidate revision into the container (pipeline/run.ts with an
 * exported tree), runs the user's command on the host and reads its exit code as `git bisect run` does.
 * Candidates come from `git rev-list` (revisions/bisect.ts chooses), so HEAD, the index, the work tree and
 * the user's own `git bisect` are never touched. At the end, whatever the end, the original binary is back.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ResolvedConfig } from '../config/types.js';
import type { Builders } from '../builders/builder.js';
import type { Engine } from '../docker/client.js';
import { operationError, usageError } from '../errors.js';
import type { GitRepo } from '../git/repo.js';
import type { Logger } from '../log.js';
import { prepareTarget, type ReadyContainer } from '../pipeline/container.js';
import type { PipelineInputs } from '../pipeline/inputs.js';
import { runPipeline } from '../pipeline/run.js';
import { buildContextFor } from '../plan/build-context.js';
import type { PlannedBinary } from '../plan/graph-cache.js';
import { lastBuiltOf, readState, restoreLastBuilt } from '../state/store.js';
import type { Progress } from '../ui/progress.js';
import { binaryKey, nextStep, verdictOf, type Candidate, type Verdict } from './bisect.js';
import { prepareRevision } from './export.js';
import { putBackOriginal, saveOriginal } from './original.js';

export interface BisectRequest {
  readonly config: ResolvedConfig;
  readonly engine: Engine;
  readonly builders: Builders;
  readonly inputs: PipelineInputs;
  readonly good: string;
  readonly bad: string;
  /** Run on the host at each step: 0 good, 125 skip, 1–127 bad; anything else stops the bisect. */
  readonly command: readonly string[];
  readonly progress: Progress;
  readonly log: Logger;
  /** Ctrl-C: the step stops, the original binary goes back. */
  readonly signal: AbortSignal;
}

export interface BisectStep { readonly rev: string; readonly verdict: Verdict; readonly built: boolean; readonly ms: number }

export interface BisectResult {
  readonly firstBad: string | null;
  readonly subject: string | null;
  /** The first bad commit's changed files that are inputs of the binary. */
  readonly files: readonly string[];
  /** When only skipped commits were left: the first bad one is one of these. */
  readonly couldBe?: readonly string[];
  readonly builds: number;
  readonly steps: readonly BisectStep[];
}

/** The commits after `good` up to `bad`, checked: bad input is exit 2 before Docker is contacted. */
export async function bisectRange(git: GitRepo, good: string, bad: string) {
  const [goodCommit, badCommit] = [await git.history.commitOf(good), await git.history.commitOf(bad)];
  if (!(await git.history.isAncestor(goodCommit, badCommit)) || goodCommit === badCommit) {
    throw usageError(`--good ${good} is not an ancestor of --bad ${bad}`, { hint: 'the good revision must come before the bad one (git log --oneline BAD)' });
  }
  return { goodCommit, commits: await git.history.between(goodCommit, badCommit) };
}

/** Each commit's binary key: its inputs (the planner's graph) with their blob ids. */
async function keyOf(git: GitRepo, inputs: PipelineInputs, target: PlannedBinary, commit: string): Promise<string> {
  const tree = await git.treeOf(commit);
  const [{ files }, entries] = await Promise.all([inputs.planner.inputs(tree, target), git.listTree(tree)]);
  return binaryKey(files.keys(), new Map(entries.map((e) => [e.path, e.blob])));
}

/** The command's exit code (null: killed by a signal or stopped by Ctrl-C); its output goes to stderr. */
function runCommand(argv: readonly string[], revision: string, signal: AbortSignal): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 2, 2], signal, env: { ...process.env, HOTSWAP_BISECT_REV: revision } });
    child.on('error', (e: NodeJS.ErrnoException) => resolve(e.name === 'AbortError' ? null : 127));
    child.on('close', (code) => resolve(code));
  });
}

const interrupted = () => operationError('bisect interrupted', { hint: 'the container has its binary from before the bisect again' });

/** One step: the candidate swapped in and the command run. A revision that does not build is skipped. */
async function testStep(req: BisectRequest, commit: string): Promise<{ verdict: Verdict; built: boolean }> {
  const revision = await prepareRevision(req.inputs.git, req.config.repo, commit);
  const { report, error } = await runPipeline({ ...req, trigger: 'manual', ifChanged: false, revision }, req.inputs);
  if (req.signal.aborted) throw interrupted();
  if (report.outcome === 'rolled-back') return { verdict: 'bad', built: true }; // it does not come up healthy
  if (error?.phase === 'build' && error.exitCode === 1) return { verdict: 'skip', built: false };
  if (error) throw error;
  const code = await runCommand(req.command, commit, req.signal);
  const verdict = verdictOf(code);
  if (req.signal.aborted) throw interrupted();
  if (!verdict) throw operationError(`${req.command.join(' ')} exited ${code ?? 'by a signal'} at ${commit.slice(0, 12)}: over 127 stops the bisect`, { hint: 'exit 0 good, 125 skip, 1–127 bad' });
  return { verdict, built: true };
}

async function bisectLoop(req: BisectRequest, candidates: Candidate[], verdicts: Map<string, Verdict>, steps: BisectStep[]) {
  for (;;) {
    const next = nextStep(candidates, verdicts);
    if (next.kind !== 'test') return next;
    if (req.signal.aborted) throw interrupted();
    const started = performance.now();
    const { verdict, built } = await testStep(req, next.commit);
    verdicts.set(candidates.find((c) => c.commit === next.commit)!.key, verdict);
    steps.push({ rev: next.commit, verdict, built, ms: Math.round(performance.now() - started) });
    req.progress.info(`bisect: ${next.commit.slice(0, 12)} is ${verdict}`);
  }
}

/** The first bad commit's files that its binary reads and that it changed. */
async function culpritFiles(git: GitRepo, inputs: PipelineInputs, target: PlannedBinary, commit: string): Promise<string[]> {
  const parent = await git.history.commitOf(`${commit}^`).catch(() => null);
  const plan = await inputs.planner.plan(parent && await git.treeOf(parent), await git.treeOf(commit), target);
  return plan.files.filter((f) => f.class === 'binary').map((f) => f.path);
}

async function bisectIn(req: BisectRequest, ready: ReadyContainer, steps: BisectStep[]): Promise<BisectResult> {
  const { git } = req.inputs;
  const { goodCommit, commits } = await bisectRange(git, req.good, req.bad);
  const target = { main: req.inputs.mainPackage, context: await buildContextFor(req.config, { goos: ready.platform.os, goarch: ready.platform.arch }) };
  const candidates = await Promise.all(commits.map(async (commit) => ({ commit, key: await keyOf(git, req.inputs, target, commit) })));
  const verdicts = new Map<string, Verdict>([[await keyOf(git, req.inputs, target, goodCommit), 'good']]);
  if (verdicts.has(candidates.at(-1)!.key)) throw usageError(`${req.good} and ${req.bad} build the same binary: nothing to bisect`, { hint: 'no commit between them changes an input of the binary' });
  verdicts.set(candidates.at(-1)!.key, 'bad');
  req.progress.info(`bisect: ${commits.length} commits, ${new Set(candidates.map((c) => c.key)).size} distinct binaries`);
  const end = await bisectLoop(req, candidates, verdicts, steps);
  const builds = steps.filter((s) => s.built).length;
  if (end.kind === 'ambiguous') return { firstBad: null, subject: null, files: [], couldBe: end.couldBe, builds, steps };
  const files = await culpritFiles(git, req.inputs, target, end.firstBad);
  return { firstBad: end.firstBad, subject: await git.history.subject(end.firstBad), files, builds, steps };
}

/** The bisect; the container's binary and the target's last build are put back at the end, whatever the end. */
export async function runBisect(req: BisectRequest, steps: BisectStep[] = []): Promise<BisectResult> {
  const ready = await prepareTarget(req.engine, req.config.target, req.progress);
  const name = req.config.targets[0].name;
  const lastBuilt = lastBuiltOf(await readState(req.config.repo), name);
  const original = await saveOriginal(ready.container, req.config);
  try {
    return await bisectIn(req, ready, steps);
  } finally {
    if (original) {
      req.progress.info('bisect: putting the original binary back');
      await putBackOriginal({ container: ready.container, config: req.config, original, progress: req.progress, log: req.log });
    }
    await restoreLastBuilt(req.config.repo, name, lastBuilt);
  }
}
