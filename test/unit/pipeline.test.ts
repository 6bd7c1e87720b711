/**
 * runPipeline with fakes: the recording fake container and engine (test/support/fake-container.ts, its
 * scripts run in busybox), a fake builder, a fake planner and git. The state file and the container lock
 * are real, in temp dirs. No Docker, no Go.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Artifact, Builder, Builders, BuildRequest } from '../../src/builders/builder.js';
import { devVersion } from '../../src/builders/go-build.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { operationError } from '../../src/errors.js';
import type { GitRepo } from '../../src/git/repo.js';
import { afterDriftCheck, buildsBeforePlan, decideRun, stoppable } from '../../src/pipeline/decide.js';
import type { PipelineInputs } from '../../src/pipeline/inputs.js';
import { buildKey, buildRequestFor, Prebuilds } from '../../src/pipeline/prebuild.js';
import { runPipeline, type PipelineRequest } from '../../src/pipeline/run.js';
import type { Planner } from '../../src/plan/planner.js';
import type { Plan, PlannedFile } from '../../src/report.js';
import { lastBuiltOf, readState, recordRun } from '../../src/state/store.js';
import { silentProgress } from '../../src/ui/progress.js';
import { BINARY, FakeContainer, FakeEngine, OLD, sha } from '../support/fake-container.js';

const NEW = Buffer.from('new binary from the fake builder\n');
const TREE = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const BUILT_TREE = 'ffffeeeeddddccccbbbbaaaa9999888877776666';
const VERSION_VAR = 'main.Version';
const NAME = 'ollama-test';

/** Writes NEW (or fails, or waits to be aborted) where the request says, and records every request. */
class FakeBuilder implements Builder {
  readonly requests: BuildRequest[] = [];
  failure: Error | null = null;
  /** Called when a build starts (a test cancels the run there). */
  onStart: () => void = () => undefined;

  async build(request: BuildRequest): Promise<Artifact> {
    this.requests.push(request);
    this.onStart();
    if (request.signal?.aborted) throw operationError('go build failed (exit 2)', { phase: 'build', details: 'signal: interrupt' });
    if (this.failure) throw this.failure;
    fs.mkdirSync(path.dirname(request.build.output), { recursive: true });
    fs.writeFileSync(request.build.output, NEW);
    return { path: request.build.output, size: NEW.length, sha256: Promise.resolve(sha(NEW)), builder: { mode: 'local', reason: 'fake' } };
  }
}

let dir: string;
let repo: string;
let container: FakeContainer;
let engine: FakeEngine;
let builder: FakeBuilder;
/** What the fake planner answers: whether binary inputs changed, and the files. */
let planned: { rebuild: boolean; files: PlannedFile[] };
let planCalls: (string | null)[];
/** Per plan: whether the build had started when the planner was asked. */
let startedBeforePlan: boolean[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-pipeline-'));
  repo = path.join(dir, 'repo');
  fs.mkdirSync(repo);
  process.env.XDG_RUNTIME_DIR = dir; // the container lock's directory
  container = new FakeContainer(path.join(dir, 'root'), NAME);
  engine = new FakeEngine(container);
  builder = new FakeBuilder();
  planned = { rebuild: true, files: [{ path: 'server/routes.go', class: 'binary' }] };
  planCalls = [];
  startedBeforePlan = [];
  prebuilds = new Prebuilds();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(target: Record<string, unknown> = {}, build: Record<string, unknown> = {}): ResolvedConfig {
  const file = {
    build: { versionVar: VERSION_VAR, ...build },
    target: { container: NAME, binaryPath: BINARY, backupDir: '/tmp', image: null, stopTimeoutS: 1, health: { url: null, versionUrl: null }, ...target },
  };
  fs.writeFileSync(path.join(repo, 'hotswap.config.json'), JSON.stringify(file));
  return resolveConfig({ flags: {}, cwd: repo, env: {} });
}

let prebuilds: Prebuilds;

function inputs(): PipelineInputs {
  const git = { dir: repo, snapshot: async () => TREE, treeOf: async () => BUILT_TREE } as unknown as GitRepo;
  const planner: Planner = {
    plan: async (from, to): Promise<Plan> => {
      planCalls.push(from);
      startedBeforePlan.push(builder.requests.length > 0);
      return { ...planned, reason: planned.rebuild ? 'binary inputs changed' : 'no binary input changed', tree: to, base: from };
    },
    inputs: async () => ({}) as never,
  };
  return { git, planner, mainPackage: '.', pathCheckedIn: new Set(), prebuilds };
}

const builders = (b: Builder): Builders => ({ auto: b, local: b, container: b, artifact: b });

function run(over: Partial<PipelineRequest> = {}, cfg = config()) {
  return runPipeline({
    config: cfg, engine, builders: builders(builder), trigger: 'manual', ifChanged: false,
    // No hotswap-hasher: these runs check the upload after it lands, with no Go build of the tool beside them.
    hasher: async () => null, progress: silentProgress, log: pino({ level: 'silent' }), ...over,
  }, inputs());
}

/** The last build recorded in the state, as a swap of BUILT_TREE holding `content` would. */
async function built(content: Buffer) {
  const lastBuilt = { tree: BUILT_TREE, sha256: sha(content), version: null, at: new Date().toISOString() };
  await recordRun(repo, { outcome: 'swapped' } as never, { name: NAME, lastBuilt });
}

const binDir = (cfg: ResolvedConfig) => fs.readdirSync(path.dirname(cfg.build.output));

/** The early build was aborted, its private file removed, and build.output never written. */
async function discarded(cfg: ResolvedConfig) {
  expect(builder.requests.map((r) => r.signal?.aborted)).toEqual([true]);
  await vi.waitFor(() => expect(binDir(cfg)).toEqual([]));
}

const untouched = () => {
  expect(container.files.get(BINARY)).toEqual(OLD);
  expect(container.calls).not.toContain('restart');
  expect(container.uploads).toEqual([]);
};

describe('runPipeline', () => {
  it('builds the planned tree with the build section it is given, swaps it and records the build', async () => {
    const cfg = config();
    const { report, error } = await run({}, cfg);
    expect(error).toBeNull();
    expect(report).toMatchObject({ outcome: 'swapped', sha256: sha(NEW), version: devVersion(cfg.build.versionBase, TREE), previousSha256: sha(OLD) });
    expect(report.plan).toMatchObject({ rebuild: true, tree: TREE });
    expect(report.builder).toEqual({ mode: 'local', reason: 'fake' });
    expect(Object.keys(report.phases)).toEqual(expect.arrayContaining(['detect', 'plan', 'build', 'copy', 'restart']));
    expect(container.files.get(BINARY)).toEqual(NEW);
    const [request] = builder.requests;
    const { output, ...build } = cfg.build;
    expect(request).toMatchObject({ repo, build, mainPackage: '.', platform: { os: 'linux', arch: 'amd64' } });
    expect(request).not.toHaveProperty('config');
    // Built beside build.output under a private name, then moved there.
    expect(path.dirname(request!.build.output)).toBe(path.dirname(output));
    expect(fs.readFileSync(output)).toEqual(NEW);
    expect(binDir(cfg)).toEqual([path.basename(output)]);
    expect(lastBuiltOf(await readState(repo), NAME)).toMatchObject({ tree: TREE, sha256: sha(NEW) });
  });

  it('skips when the plan finds no binary input changed: nothing is built, the container untouched', async () => {
    await built(OLD);
    planned = { rebuild: false, files: [{ path: 'docs/README.md', class: 'ignored' }] };
    const cfg = config();
    const { report, error } = await run({ trigger: 'watch', ifChanged: true }, cfg);
    expect(error).toBeNull();
    expect(report.outcome).toBe('skipped');
    expect(planCalls).toEqual([BUILT_TREE]);
    await discarded(cfg);
    untouched();
    expect(report.phases.build).toBeUndefined();
  });

  it('starts the build while the plan is made, and a failed build nobody wants fails nothing', async () => {
    await built(OLD);
    planned = { rebuild: false, files: [{ path: 'docs/README.md', class: 'ignored' }] };
    builder.failure = operationError('go build failed (exit 1)', { phase: 'build' });
    const { report, error } = await run({ trigger: 'watch', ifChanged: true });
    expect(startedBeforePlan).toEqual([true]);
    expect(error).toBeNull();
    expect(report.outcome).toBe('skipped');
  });

  it('starts a build it cannot stop (the builder container) only once the plan wants it', async () => {
    await built(OLD);
    planned = { rebuild: false, files: [{ path: 'docs/README.md', class: 'ignored' }] };
    const cfg = config({}, { mode: 'container' });
    expect((await run({ trigger: 'watch', ifChanged: true }, cfg)).report.outcome).toBe('skipped');
    expect(builder.requests).toEqual([]);
    planned = { rebuild: true, files: [{ path: 'server/routes.go', class: 'binary' }] };
    expect((await run({ trigger: 'watch', ifChanged: true }, cfg)).report.outcome).toBe('swapped');
    expect(startedBeforePlan).toEqual([false, false]);
    expect(builder.requests).toHaveLength(1);
  });

  it('checks the container first in a one-shot run: skipped when it holds the last build', async () => {
    await built(OLD);
    planned = { rebuild: false, files: [] };
    const cfg = config();
    const { report } = await run({ ifChanged: true }, cfg);
    expect(report.outcome).toBe('skipped');
    expect(container.scripts('HASH_FILE')).toHaveLength(1);
    await discarded(cfg);
  });

  it('rebuilds when the container drifted from the last build, and the plan says why', async () => {
    await built(Buffer.from('what was built last time'));
    planned = { rebuild: false, files: [] };
    const { report } = await run({ ifChanged: true });
    expect(report.outcome).toBe('swapped');
    expect(report.plan).toMatchObject({ rebuild: true, reason: expect.stringMatching(/^the container does not hold the last build/) });
    expect(builder.requests).toHaveLength(1);
  });

  it('reports a build failure with its phase and details, and never touches the container', async () => {
    builder.failure = operationError('go build failed (exit 1)', { phase: 'build', details: 'x.go:1: syntax error', hint: 'fix the compile error; the container was not touched' });
    const { report, error } = await run();
    expect(error?.exitCode).toBe(1);
    expect(report.outcome).toBe('failed');
    expect(report.error).toMatchObject({ message: 'go build failed (exit 1)', phase: 'build', details: 'x.go:1: syntax error' });
    expect(report.sha256).toBeNull();
    untouched();
    expect(lastBuiltOf(await readState(repo), NAME)).toBeNull();
  });

  it('rolls back a binary that crashes at start, and reports rolled-back with the built hash', async () => {
    container.crashesWith = sha(NEW);
    const { report, error } = await run();
    expect(error).not.toBeNull();
    expect(report.outcome).toBe('rolled-back');
    expect(report.sha256).toBe(sha(NEW));
    expect(report.backup).toMatch(/^\/tmp\/ollama\.backup_/);
    expect(container.files.get(BINARY)).toEqual(OLD);
    expect(lastBuiltOf(await readState(repo), NAME)).toBeNull();
  });

  it('ends "cancelled" when the signal aborts the build: nothing is swapped', async () => {
    const cancel = new AbortController();
    builder.onStart = () => cancel.abort();
    const { report } = await run({ trigger: 'watch', signal: cancel.signal });
    expect(report.outcome).toBe('failed');
    expect(report.error).toMatchObject({ message: 'cancelled', phase: 'build', hint: 'the container was not touched' });
    untouched();
  });

  it('plans only in a dry run: Docker is never asked, against HEAD when nothing was built', async () => {
    const noDocker = new Proxy(engine, { get: () => () => { throw new Error('a dry run asked Docker'); } });
    const { report, error } = await run({ dryRun: true, trigger: 'watch', ifChanged: true, engine: noDocker });
    expect(error).toBeNull();
    expect(report.outcome).toBe('planned');
    expect(report.plan?.tree).toBe(TREE);
    expect(planCalls).toEqual([BUILT_TREE]);
    expect(builder.requests).toEqual([]);
  });

  it('swaps into a container it created from the image even when the plan finds nothing to rebuild', async () => {
    container.exists = false;
    await built(OLD);
    planned = { rebuild: false, files: [] };
    const { report, error } = await run({ trigger: 'watch', ifChanged: true }, config({ image: 'runtime:test' }));
    expect(error).toBeNull();
    expect(engine.created).toMatchObject([{ name: NAME, image: 'runtime:test' }]);
    expect(report.outcome).toBe('swapped');
    expect(container.calls).toContain('start');
    expect(container.files.get(BINARY)).toEqual(NEW);
  });

  it('warns that the image is stale when image inputs changed, and keeps them as the stale image', async () => {
    planned = { rebuild: true, files: [{ path: 'server/routes.go', class: 'binary' }, { path: 'Dockerfile', class: 'image' }] };
    const { report } = await run({}, config({ image: 'runtime:test' }));
    expect(report.warnings).toContain('the image is stale: rebuild it for Dockerfile');
    expect(report.staleImage).toEqual({ files: ['Dockerfile'], rebuild: 'docker build -t runtime:test .' });
  });
});

describe('speculative builds (Prebuilds)', () => {
  const PLATFORM = { os: 'linux', arch: 'amd64', variant: null };
  /** Watch's speculation of `tree`, as pipeline/speculate.ts starts it. */
  function speculate(cfg: ResolvedConfig, tree: string) {
    const request = buildRequestFor(cfg, '.', PLATFORM, tree, { progress: silentProgress, log: pino({ level: 'silent' }) });
    return prebuilds.start(NAME, builder, request, buildKey(request, tree));
  }

  it('reuses a speculative build of exactly the planned tree and settings, and says so in the report', async () => {
    const cfg = config();
    expect(speculate(cfg, TREE)).toBe(true);
    expect(speculate(cfg, TREE)).toBe(false); // already under way
    const { report } = await run({ trigger: 'watch', ifChanged: true }, cfg);
    expect(report).toMatchObject({ outcome: 'swapped', speculative: true, version: devVersion(cfg.build.versionBase, TREE) });
    expect(builder.requests).toHaveLength(1);
    expect(fs.readFileSync(cfg.build.output)).toEqual(NEW);
    expect(speculate(cfg, TREE)).toBe(false); // a run took it: never speculated again
  });

  it('discards a speculation of another tree and builds afresh', async () => {
    const cfg = config();
    speculate(cfg, BUILT_TREE);
    const { report } = await run({ trigger: 'watch', ifChanged: true }, cfg);
    expect(report.outcome).toBe('swapped');
    expect(report.speculative).toBeUndefined();
    expect(builder.requests.map((r) => [r.version, r.signal?.aborted])).toEqual([
      [devVersion(cfg.build.versionBase, BUILT_TREE), true], [devVersion(cfg.build.versionBase, TREE), false],
    ]);
  });

  it('restarts the speculation when a newer tree comes, and discards it when the plan skips', async () => {
    await built(OLD);
    const cfg = config();
    speculate(cfg, BUILT_TREE);
    speculate(cfg, TREE);
    planned = { rebuild: false, files: [{ path: 'docs/README.md', class: 'ignored' }] };
    const { report } = await run({ trigger: 'watch', ifChanged: true }, cfg);
    expect(report.outcome).toBe('skipped');
    // The older tree's, discarded before it began, never ran; the newer one's ran and was stopped by the skip.
    expect(builder.requests.map((r) => [r.version, r.signal?.aborted])).toEqual([[devVersion(cfg.build.versionBase, TREE), true]]);
    await vi.waitFor(() => expect(binDir(cfg)).toEqual([]));
    untouched();
  });

  it('runs one build at a time: a run\'s build starts once a discarded speculation has ended', async () => {
    const cfg = config();
    let end: (() => void) | null = null;
    const slow: Builder = {
      build: (request) => new Promise((_, reject) => (end = () => reject(new Error(`stopped: ${request.version}`)))),
    };
    prebuilds.start(NAME, slow, buildRequestFor(cfg, '.', PLATFORM, BUILT_TREE, { progress: silentProgress, log: pino({ level: 'silent' }) }), 'other');
    await vi.waitFor(() => expect(end).not.toBeNull());
    const running = run({ trigger: 'watch', ifChanged: true }, cfg);
    await vi.waitFor(() => expect(planCalls).toHaveLength(1)); // the run's build was begun before its plan
    expect(builder.requests).toEqual([]); // and waits: the speculation, discarded, has not ended yet
    end!();
    expect((await running).report.outcome).toBe('swapped');
    expect(builder.requests).toHaveLength(1);
  });

  it('runs a refresh once more when asked during one, never two at once', async () => {
    let running = 0;
    let calls = 0;
    let release: () => void = () => undefined;
    const job = async () => {
      running += 1;
      calls += 1;
      expect(running).toBe(1);
      if (calls === 1) await new Promise<void>((r) => (release = r));
      running -= 1;
    };
    prebuilds.refresh(job);
    prebuilds.refresh(job);
    prebuilds.refresh(job);
    release();
    await vi.waitFor(() => expect(calls).toBe(2));
    expect(running).toBe(0);
  });
});

describe('decideRun', () => {
  const plan = (rebuild: boolean): Plan => ({ rebuild, reason: rebuild ? 'binary inputs changed' : 'nothing', files: [], tree: TREE, base: BUILT_TREE });
  const last = { tree: BUILT_TREE, sha256: sha(OLD), version: null, at: '' };
  const existing = { created: false };

  it('plans only without a container (a dry run)', () => {
    expect(decideRun(plan(true), last, null, { trigger: 'watch', ifChanged: true })).toEqual({ action: 'plan-only' });
  });

  it('builds what the plan says changed, a swap asked for, or a container just created', () => {
    expect(decideRun(plan(true), last, existing, { trigger: 'watch', ifChanged: true })).toEqual({ action: 'build', reason: 'binary inputs changed' });
    expect(decideRun(plan(false), last, existing, { trigger: 'manual', ifChanged: false }).action).toBe('build');
    expect(decideRun(plan(false), last, { created: true }, { trigger: 'watch', ifChanged: true }).action).toBe('build');
  });

  it('skips in watch, and checks the container first in a one-shot run that has a last build', () => {
    expect(decideRun(plan(false), last, existing, { trigger: 'watch', ifChanged: true })).toEqual({ action: 'skip' });
    expect(decideRun(plan(false), last, existing, { trigger: 'manual', ifChanged: true })).toEqual({ action: 'check-drift' });
    expect(decideRun(plan(false), null, existing, { trigger: 'manual', ifChanged: true })).toEqual({ action: 'skip' });
  });

  it('starts builds that may be thrown away only where they can be stopped (go build on the host)', () => {
    expect([stoppable('local'), stoppable('auto'), stoppable('container'), stoppable('artifact')]).toEqual([true, true, false, false]);
    expect(buildsBeforePlan('artifact', { trigger: 'manual', ifChanged: false })).toBe(true);
    expect(buildsBeforePlan('artifact', { trigger: 'manual', ifChanged: true })).toBe(false);
    expect(buildsBeforePlan('auto', { trigger: 'watch', ifChanged: true })).toBe(true);
  });

  it('builds after a drift check only when the container drifted', () => {
    expect(afterDriftCheck(null)).toEqual({ action: 'skip' });
    expect(afterDriftCheck('the container does not hold the last build')).toEqual({ action: 'build', reason: 'the container does not hold the last build' });
  });
});
