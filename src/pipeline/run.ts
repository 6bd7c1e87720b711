/**
 * One pass of the pipeline: plan → build → swap → report. `hotswap swap` calls it once; the watch
 * daemon calls it per batch. It never throws: every outcome, failures included, is a Report.
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedConfig } from '../config/types.js';
import { HotswapError, messageOf, operationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Artifact, BuildRequest } from '../builders/builder.js';
import { build } from '../builders/select.js';
import { devVersion } from '../builders/go-build.js';
import { withContainerLock } from '../lock/container-lock.js';
import { phaseRunner, type PhaseRunner } from '../phase.js';
import { buildContextFor } from '../plan/build-context.js';
import { previewBase } from '../plan/base.js';
import { newReport, type Plan, type Report, type Trigger } from '../report.js';
import { rebuildCommand, updateStaleImage } from '../state/stale-image.js';
import { CANCELLED, STALE_WARNING } from '../ui/run-line.js';
import { lastBuiltOf, readState, recordRun, type LastBuilt } from '../state/store.js';
import { buildDrift } from '../swap/restore.js';
import { prepareInstall, swapBinary } from '../swap/transaction.js';
import type { Engine } from '../docker/client.js';
import type { Progress } from '../ui/progress.js';
import type { PipelineInputs } from './inputs.js';
import { checkBinaryPath } from './binary-path.js';
import { revisionLabel, type RevisionSource } from '../revisions/export.js';
import { hostPlatform, prepareTarget, type ReadyContainer } from './container.js';

export interface PipelineRequest {
  readonly config: ResolvedConfig;
  readonly engine: Engine;
  readonly trigger: Trigger;
  /** Honour the plan: skip the build when no binary input changed. */
  readonly ifChanged: boolean;
  /** Plan and report only (`watch --dry-run`): no build, no swap. */
  readonly dryRun?: boolean;
  readonly progress: Progress;
  readonly log: Logger;
  /** Aborted by Ctrl-C (or `q`) in watch: the build stops and nothing is swapped. */
  readonly signal?: AbortSignal;
  /** Build this revision's exported tree instead of the work tree (`swap --rev`, bisect steps). */
  readonly revision?: RevisionSource;
}

export interface PipelineResult {
  readonly report: Report;
  /** The error behind a failed or rolled-back run; its exitCode is the process's. */
  readonly error: HotswapError | null;
}


/** The target this config runs: a config view (configForTarget) holds it alone, a whole config the first. */
const targetName = (config: ResolvedConfig) => config.targets[0].name;

/** The target's own last build: what its plan compares with, so another target's build never skips it. */
const targetState = async (config: ResolvedConfig) =>
  ({ lastBuilt: lastBuiltOf(await readState(config.repo), targetName(config)) });

const cancelled = () => operationError(CANCELLED, { phase: 'build', hint: 'the container was not touched' });

/** The build, unless the run was cancelled meanwhile (an interrupted `go build` fails: that is no compile error). */
async function buildUnlessCancelled(request: BuildRequest): Promise<Artifact> {
  const artifact = await build(request).catch((e: unknown) => {
    throw request.signal?.aborted ? cancelled() : e;
  });
  if (request.signal?.aborted) throw cancelled();
  return artifact;
}

/** Build, then swap. The install step's exec is started first, so its start-up overlaps the build. */
async function buildAndSwap(req: PipelineRequest, report: Report, ready: ReadyContainer, version: string | null, mainPackage: string, phase: PhaseRunner) {
  const { config, progress, log } = req;
  const prepared = prepareInstall(ready.container, config.target.binaryPath);
  try {
    const artifact = await phase('build', () => buildUnlessCancelled({ config, mainPackage, platform: ready.platform, version, progress, log, signal: req.signal, source: req.revision?.dir }));
    report.sha256 = artifact.sha256;
    report.builder = artifact.builder;
    const swapStart = performance.now();
    // Fractional seconds: the old process's last lines from the same second stay out.
    const restartedAfter = Date.now() / 1000;
    const stamped = artifact.stamped === false ? null : version;
    const lock = { container: config.target.container, repo: config.repo, timeoutMs: config.target.lockTimeoutMs, progress };
    const result = await withContainerLock(lock, async () => {
      // Another run's restart since INSTALL was prepared (while this one built or waited) ended its exec.
      const same = (await ready.container.inspect().catch(() => null))?.startedAt === ready.state.startedAt;
      const install = same ? prepared : Promise.resolve(null);
      return swapBinary({ container: ready.container, prepared: install, target: config.target, artifact, version: stamped, phase, progress, log });
    });
    log.info({ swapMs: Math.round(performance.now() - swapStart) }, 'swap phase');
    return { artifact, result, restartedAfter };
  } finally {
    void prepared.then((exec) => exec?.cancel()); // a no-op once used; ends it after a failed build
  }
}

const imageFiles = (plan: Plan) => plan.files.filter((f) => f.class === 'image').map((f) => f.path);

/** Image inputs stay stale, run after run, until the container runs another image (state/stale-image.ts). */
async function noteStaleImage(config: ResolvedConfig, report: Report, files: string[], imageId: string) {
  const stale = await updateStaleImage(config.repo, targetName(config), files, imageId).catch(() => undefined);
  if (stale) report.staleImage = { files: [...stale.files], rebuild: rebuildCommand(config.target.image) };
}

async function runSteps(req: PipelineRequest, report: Report, inputs: PipelineInputs): Promise<LastBuilt | null> {
  const { config, engine, progress, log } = req;
  const { git, mainPackage, planner } = inputs;
  const phase = phaseRunner(report, progress);
  // A dry run never touches Docker; it plans for the host's platform.
  const [ready, state] = await phase('detect', () => Promise.all([
    req.dryRun ? null : prepareTarget(engine, config.target, progress), targetState(config),
  ]));
  // Once per container, while the plan is made; awaited before anything is built.
  const pathChecked = ready && !inputs.pathCheckedIn.has(ready.state.id)
    ? checkBinaryPath(ready.container, config.target.binaryPath).then((ok) => void (ok && inputs.pathCheckedIn.add(ready.state.id)), (e: unknown) => e)
    : null;
  const platform = ready ? { goos: ready.platform.os, goarch: ready.platform.arch } : hostPlatform();
  const plan = await phase('plan', async () => {
    const tree = req.revision?.tree ?? await git.snapshot();
    const lastBuilt = state.lastBuilt?.tree ?? null;
    const base = req.dryRun ? await previewBase(git, lastBuilt) : { tree: lastBuilt };
    const context = await buildContextFor(config, platform);
    return planner.plan(base.tree, tree, { main: mainPackage, context }, { workTree: !req.revision, comparedWith: base.comparedWith });
  });
  report.plan = plan;
  log.info({ plan }, 'plan');
  if (!ready) {
    report.outcome = 'planned';
    return null;
  }
  await noteStaleImage(config, report, imageFiles(plan), ready.state.imageId);
  if (req.ifChanged && !plan.rebuild && !ready.created) {
    // A one-shot run checks the container holds the last build; watch does that once at start instead.
    const drift = req.trigger === 'manual' && state.lastBuilt
      ? await buildDrift(ready.container, config.target.binaryPath, state.lastBuilt.sha256) : null;
    if (!drift) {
      report.outcome = 'skipped';
      return null;
    }
    report.plan = { ...plan, rebuild: true, reason: drift };
  }
  const badPath = await pathChecked;
  if (badPath) throw badPath;
  const imageInputs = imageFiles(plan);
  if (imageInputs.length) report.warnings.push(`${STALE_WARNING} ${imageInputs.slice(0, 3).join(', ')}${imageInputs.length > 3 ? ', …' : ''}`);
  const version = config.build.versionVar ? devVersion(config.build.versionBase, plan.tree) : null;
  report.version = version;
  const revision = req.revision && revisionLabel(req.revision);
  if (revision) report.revision = revision;
  const { artifact, result, restartedAfter } = await buildAndSwap(req, report, ready, version, mainPackage, phase);
  if (result.backup) report.backup = result.backup;
  report.previousSha256 = result.previousSha256;
  report.warnings.push(...result.warnings);
  report.outcome = result.outcome;
  if (result.failure) throw result.failure;
  if (config.target.restart && !config.output.quiet && req.trigger === 'manual') {
    progress.output(await ready.container.logs({ since: restartedAfter, tail: 20 }).catch(() => ''));
  }
  return { tree: plan.tree, sha256: artifact.sha256, version, at: new Date().toISOString(), ...(revision ? { revision } : {}) };
}

export async function runPipeline(req: PipelineRequest, inputs: PipelineInputs): Promise<PipelineResult> {
  const { config, log, progress } = req;
  const report = newReport(req.trigger, config.target.container);
  const start = performance.now();
  let error: HotswapError | null = null;
  let built: LastBuilt | null = null;
  try {
    built = await runSteps(req, report, inputs);
  } catch (e) {
    error = e instanceof HotswapError ? e : operationError(messageOf(e), { cause: e });
    if (report.outcome !== 'rolled-back') report.outcome = 'failed';
    report.error = { message: error.message, hint: error.hint, phase: error.phase, details: error.details };
  }
  report.totalMs = Math.round(performance.now() - start);
  log.info({ report }, `run ${report.outcome}`);
  await recordRun(config.repo, report, built && { name: targetName(config), lastBuilt: built })
    .catch((e) => progress.warn(`could not save .hotswap/state.json: ${messageOf(e)}`));
  progress.finished(report);
  return { report, error };
}
