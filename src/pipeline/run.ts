/**
 * One pass of the pipeline: detect → plan → decide → build → swap → report. `hotswap swap` calls it once;
 * the watch daemon calls it per batch. It never throws: every outcome, failures included, is a Report.
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedConfig } from '../config/types.js';
import { HotswapError, messageOf, operationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Artifact, Builders } from '../builders/builder.js';
import { withContainerLock } from '../lock/container-lock.js';
import { phaseRunner, type PhaseRunner } from '../phase.js';
import { buildContextFor } from '../plan/build-context.js';
import { previewBase } from '../plan/base.js';
import type { Plan, Report, Trigger } from '../report.js';
import { rebuildCommand, updateStaleImage } from '../state/stale-image.js';
import { CANCELLED } from '../ui/run-line.js';
import { lastBuiltOf, readState, recordRun, type LastBuilt } from '../state/store.js';
import { buildDrift } from '../swap/restore.js';
import { prepareFollow } from '../swap/follow.js';
import { prepareHostInstall } from '../swap/host-install.js';
import { prepareInstall, swapBinary } from '../swap/transaction.js';
import { hasherFor } from '../toolchain/hasher-build.js';
import type { Engine, Platform } from '../docker/client.js';
import type { Progress } from '../ui/progress.js';
import type { PipelineInputs } from './inputs.js';
import { checkBinaryPath } from './binary-path.js';
import { revisionLabel, type RevisionSource } from '../revisions/export.js';
import { hostPlatform, prepareTarget, type ReadyContainer } from './container.js';
import { afterDriftCheck, buildsBeforePlan, decideRun, type Decision } from './decide.js';
import { buildKey, buildRequestFor, versionOf, type Prebuild } from './prebuild.js';
import { rememberBuild } from './head-start.js';
import { endExecs, type InstallExecs, type StandingExecs } from './standing.js';
import { runReport, type RunFacts } from './run-report.js';

export interface PipelineRequest {
  readonly config: ResolvedConfig;
  readonly engine: Engine;
  /** The builders by mode (defaultBuilders in the commands); the target's `build.mode` picks one. */
  readonly builders: Builders;
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
  /** Snapshots the work tree (watch: its speculation's snapshot when no file changed since); else `git.snapshot`. */
  readonly snapshot?: () => Promise<string>;
  /** hotswap-hasher for the container's platform (default hasherFor, built with the host's Go); null for none. */
  readonly hasher?: (platform: Platform, repo: string) => Promise<string | null>;
}

export interface PipelineResult {
  readonly report: Report;
  /** The error behind a failed or rolled-back run; its exitCode is the process's. */
  readonly error: HotswapError | null;
}

/** The target this config runs: a config view (configForTarget) holds it alone, a whole config the first. */
const targetName = (config: ResolvedConfig) => config.targets[0].name;

const cancelled = () => operationError(CANCELLED, { phase: 'build', hint: 'the container was not touched' });

/** The kept build, unless the run was cancelled meanwhile (an interrupted `go build` fails: that is no compile error). */
async function keepUnlessCancelled(req: PipelineRequest, prebuild: Prebuild): Promise<Artifact> {
  const artifact = await prebuild.keep(req.signal).catch((e: unknown) => {
    throw req.signal?.aborted ? cancelled() : e;
  });
  if (req.signal?.aborted) throw cancelled();
  return artifact;
}

/**
 * The install step's execs for a run, started now, or `standing` for the next run (standing.ts: a daemon
 * starts them once a swap is done). A run's own: where the host reaches the container's directories it
 * installs itself, and no INSTALL exec starts. Standing ones are execs only: the host holds no descriptor of
 * the container's file system between runs (a stop or removal meanwhile would find its mount in use).
 */
function installExecs(req: PipelineRequest, ready: ReadyContainer, running = ready.state, standing = false): InstallExecs {
  const { target, repo } = req.config;
  const hostWrites = target.writeFromHost ? running : null; // then no hotswap-hasher is started for a small binary
  const host = hostWrites && !standing ? prepareHostInstall(ready.container, hostWrites, target) : Promise.resolve(null);
  return {
    host,
    prepared: host.then((h) => (h ? null : prepareInstall(ready.container, target.binaryPath))),
    follower: target.verify ? prepareFollow(ready.container, target.binaryPath, (req.hasher ?? hasherFor)(ready.platform, repo), hostWrites) : null,
  };
}

/**
 * Wait for the build, then swap. The install step's execs are taken standing or started first, so their
 * start-up overlaps the build; a daemon then starts the next run's.
 */
async function buildAndSwap(req: PipelineRequest, facts: RunFacts, ready: ReadyContainer, prebuild: Prebuild, phase: PhaseRunner, standing?: StandingExecs) {
  const { config, progress, log } = req;
  const version = facts.version ?? null;
  const kept = standing?.take(ready.state.startedAt, config.target.binaryPath);
  if (kept) log.info('install execs taken standing since the last swap');
  const execs = kept ?? installExecs(req, ready);
  const { prepared, follower, host } = execs;
  try {
    const artifact = facts.artifact = await phase('build', () => keepUnlessCancelled(req, prebuild));
    const swapStart = performance.now();
    // Fractional seconds: the old process's last lines from the same second stay out.
    const restartedAfter = Date.now() / 1000;
    const stamped = artifact.stamped === false ? null : version;
    const lock = { container: config.target.container, repo: config.repo, timeoutMs: config.target.lockTimeoutMs, progress };
    // Another run's restart since INSTALL was prepared (while this one built or waited) ended its exec: install
    // tells by its own inspect (preparedIn), under the lock.
    facts.swap = await withContainerLock(lock, () => swapBinary({
      container: ready.container, prepared, follower: follower ?? undefined, host, preparedIn: ready.state.startedAt,
      target: config.target, artifact, version: stamped, phase, progress, log,
    }));
    log.info({ swapMs: Math.round(performance.now() - swapStart) }, 'swap phase');
    if (standing) void standing.stand(ready.container, config.target.binaryPath, (running) => installExecs(req, ready, running, true));
    return restartedAfter;
  } finally {
    // Taken beside the upload (the swap awaits it unless verify is off): the report has it, failed or not.
    if (facts.artifact) facts.sha256 = await facts.artifact.sha256.catch(() => undefined);
    endExecs(execs); // a no-op once used; ends them after a failed build
  }
}

interface Started {
  readonly prebuild: Prebuild;
  /** Watch's speculative build or a one-shot's head start, started before the run. */
  readonly speculative: boolean;
}

/**
 * The build of `tree`, started as soon as the snapshot is known so it runs while the plan is made: watch's
 * speculative build of exactly this tree when there is one, else a new one. Discarded when no build is decided.
 */
function prebuildOf(req: PipelineRequest, inputs: PipelineInputs, ready: ReadyContainer, tree: string): Started {
  const { config, progress, log, signal } = req;
  const request = buildRequestFor(config, inputs.mainPackage, ready.platform, tree, { progress, log, signal, source: req.revision?.dir });
  const key = buildKey(request, tree);
  const name = targetName(config);
  inputs.prebuilds.platforms.set(name, ready.platform);
  // Noted once the build runs, for the next one-shot's head start (written only when it changed: a speculated
  // build's note may lack where git puts the repo).
  const note = () => req.revision || rememberBuild({
    target: name, repo: config.repo, build: config.build, mainPackage: inputs.mainPackage, platform: ready.platform, located: inputs.git.located,
  });
  const speculated = inputs.prebuilds.take(name, key);
  if (speculated) {
    log.info({ tree }, 'speculative build reused');
    note();
    return { prebuild: speculated, speculative: true };
  }
  const prebuild = inputs.prebuilds.begin(req.builders[config.build.mode], request, key);
  note();
  return { prebuild, speculative: false };
}

/** Image inputs stay stale, run after run, until the container runs another image (state/stale-image.ts). */
async function staleImageOf(config: ResolvedConfig, plan: Plan, imageId: string) {
  const files = plan.files.filter((f) => f.class === 'image').map((f) => f.path);
  const stale = await updateStaleImage(config.repo, targetName(config), files, imageId).catch(() => undefined);
  return stale ? { files: [...stale.files], rebuild: rebuildCommand(config.target.image) } : undefined;
}

/** The container (none for a dry run, which never touches Docker) and the target's own last build. */
async function detect(req: PipelineRequest, phase: PhaseRunner) {
  const { config, engine, progress } = req;
  const [ready, state] = await phase('detect', () => Promise.all([
    req.dryRun ? null : prepareTarget(engine, config.target, progress), readState(config.repo),
  ]));
  // The target's own last build: what its plan compares with, so another target's build never skips it.
  return { ready, lastBuilt: lastBuiltOf(state, targetName(config)) };
}

/** target.binaryPath, once per container, while the plan is made; awaited before anything is built. */
function checkPathOnce(req: PipelineRequest, inputs: PipelineInputs, ready: ReadyContainer | null): Promise<unknown> {
  if (!ready || inputs.pathCheckedIn.has(ready.state.id)) return Promise.resolve(null);
  const { binaryPath, writeFromHost } = req.config.target;
  return checkBinaryPath(ready.container, binaryPath, writeFromHost ? ready.state : null)
    .then((ok) => void (ok && inputs.pathCheckedIn.add(ready.state.id)), (e: unknown) => e);
}

async function makePlan(req: PipelineRequest, inputs: PipelineInputs, lastBuilt: LastBuilt | null, ready: ReadyContainer | null, tree: string): Promise<Plan> {
  const { git, mainPackage, planner } = inputs;
  // A dry run plans for the host's platform.
  const platform = ready ? { goos: ready.platform.os, goarch: ready.platform.arch } : hostPlatform();
  const base = req.dryRun ? await previewBase(git, lastBuilt?.tree ?? null) : { tree: lastBuilt?.tree ?? null };
  const context = await buildContextFor(req.config, platform);
  return planner.plan(base.tree, tree, { main: mainPackage, context }, { workTree: !req.revision, comparedWith: base.comparedWith });
}

/** decideRun, with its drift check done: a one-shot run's container must hold the last build. */
async function decide(req: PipelineRequest, facts: RunFacts, plan: Plan, lastBuilt: LastBuilt | null, ready: ReadyContainer | null): Promise<Decision> {
  const first = decideRun(plan, lastBuilt, ready, req);
  if (first.action !== 'check-drift' || !ready || !lastBuilt) return first;
  const decision = afterDriftCheck(await buildDrift(ready.container, req.config.target.binaryPath, lastBuilt.sha256));
  facts.drifted = decision.action === 'build';
  return decision;
}

/**
 * The container and the snapshot at once: neither needs the other, and the build needs both. A failed detect
 * waits for the snapshot to end, so nothing writes the private index after the run has closed the repo.
 */
async function detectAndSnapshot(req: PipelineRequest, inputs: PipelineInputs, phase: PhaseRunner) {
  const snapshot = req.revision ? Promise.resolve(req.revision.tree) : req.snapshot ? req.snapshot() : inputs.git.snapshot();
  snapshot.catch(() => undefined); // its failure is the plan's, once awaited there
  try {
    return { ...await detect(req, phase), snapshot };
  } catch (e) {
    await snapshot.catch(() => undefined);
    throw e;
  }
}

async function runSteps(req: PipelineRequest, facts: RunFacts, inputs: PipelineInputs, phase: PhaseRunner): Promise<LastBuilt | null> {
  const { ready, lastBuilt, snapshot } = await detectAndSnapshot(req, inputs, phase);
  const pathChecked = checkPathOnce(req, inputs, ready);
  const early: { started?: Started } = {}; // set in the plan phase, read after it
  try {
    const plan = facts.plan = await phase('plan', async () => {
      const tree = await snapshot;
      if (ready && buildsBeforePlan(req.config.build.mode, req)) early.started = prebuildOf(req, inputs, ready, tree);
      return makePlan(req, inputs, lastBuilt, ready, tree);
    });
    req.log.info({ plan }, 'plan');
    const decision = facts.decision = await decide(req, facts, plan, lastBuilt, ready);
    if (!ready) return null;
    facts.staleImage = await staleImageOf(req.config, plan, ready.state.imageId);
    if (decision.action !== 'build') return null;
    const badPath = await pathChecked;
    if (badPath) throw badPath;
    const started = early.started ??= prebuildOf(req, inputs, ready, plan.tree);
    facts.speculative = started.speculative;
    return await swapBuilt(req, facts, ready, started.prebuild, phase, inputs.standing);
  } finally {
    discardUnkept(req, early.started);
  }
}

/** A build no run wants is stopped (a no-op once kept). */
function discardUnkept(req: PipelineRequest, started: Started | undefined) {
  if (started?.prebuild.discard() && started.speculative) req.log.info('speculative build discarded: the run builds nothing');
}

/** The decided build and swap; what it built, for the state. */
async function swapBuilt(req: PipelineRequest, facts: RunFacts, ready: ReadyContainer, prebuild: Prebuild, phase: PhaseRunner, standing?: StandingExecs): Promise<LastBuilt> {
  const { config, progress } = req;
  const tree = facts.plan!.tree;
  facts.version = versionOf(config, tree);
  const revision = req.revision && revisionLabel(req.revision);
  if (revision) facts.revision = revision;
  const restartedAfter = await buildAndSwap(req, facts, ready, prebuild, phase, standing);
  if (facts.swap?.failure) throw facts.swap.failure;
  if (config.target.restart && !config.output.quiet && req.trigger === 'manual') {
    progress.output(await ready.container.logs({ since: restartedAfter, tail: 20 }).catch(() => ''));
  }
  return { tree, sha256: facts.sha256 ?? await facts.artifact!.sha256, version: facts.version, at: new Date().toISOString(), ...(revision ? { revision } : {}) };
}

export async function runPipeline(req: PipelineRequest, inputs: PipelineInputs): Promise<PipelineResult> {
  const { config, log, progress } = req;
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const timing: Pick<Report, 'phases'> = { phases: {} };
  const facts: RunFacts = {};
  let error: HotswapError | null = null;
  let built: LastBuilt | null = null;
  try {
    built = await runSteps(req, facts, inputs, phaseRunner(timing, progress));
  } catch (e) {
    error = e instanceof HotswapError ? e : operationError(messageOf(e), { cause: e });
  }
  const frame = { trigger: req.trigger, container: config.target.container, startedAt, phases: timing.phases, totalMs: Math.round(performance.now() - start) };
  const report = runReport(frame, facts, error);
  log.info({ report }, `run ${report.outcome}`);
  await recordRun(config.repo, report, built && { name: targetName(config), lastBuilt: built })
    .catch((e) => progress.warn(`could not save .hotswap/state.json: ${messageOf(e)}`));
  progress.finished(report);
  return { report, error };
}
