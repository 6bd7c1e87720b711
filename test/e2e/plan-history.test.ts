/**
 * History replay: a generated history of 240 mixed commits on the go-graph module, each planned by the
 * planner and checked against `go list` (test/support/go-truth.ts) on both sides of the commit. A wrong skip (an input of ./cmd/app
 * changed, the plan says no rebuild) fails the test; unneeded rebuilds only lower the skip rate.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepo, type GitRepo } from '../../src/git/repo.js';
import type { BuildContext } from '../../src/plan/go/context.js';
import { createPlanner } from '../../src/plan/planner.js';
import type { Plan } from '../../src/report.js';
import { runCli } from '../support/cli.js';
import { generateHistory, type History, type HistoryCommit } from '../support/go-history.js';
import { binaryInputsChanged, closeGoTruth, goListInputs } from '../support/go-truth.js';

const exec = promisify(execFile);
const SEED = 20_240_601;
const COMMITS = 240;
const MAIN = './cmd/app';
const CONTEXT: BuildContext = { goos: 'linux', goarch: 'amd64', cgo: true, tags: [], goMinor: 19 };
/** Image inputs by path, as the brief defines them (independent of src/plan/classify.ts). */
const IMAGE_INPUT = /(^|\/)(Dockerfile[^/]*|CMakeLists\.txt|[^/]*\.cmake|[^/]*_VERSION)$|(^|\/)cmake\/|\.(cu|cuh|metal|comp|glsl|wgsl|cl)$/;

interface Replayed {
  readonly commit: HistoryCommit;
  readonly parent: HistoryCommit;
  /** What go list (and gcc -MM for cgo headers) says changed in the binary's inputs. */
  readonly truth: readonly string[];
  readonly plan: Plan;
}

let history: History;
let git: GitRepo;
const replayed: Replayed[] = [];

const describeCommit = (r: Replayed) =>
  `${r.commit.sha.slice(0, 10)} ${r.commit.subject}\n    inputs changed (truth): ${r.truth.join(', ') || '-'}\n` +
  `    plan: ${r.plan.rebuild ? 'rebuild' : 'no rebuild'}: ${r.plan.reason}; ${r.plan.files.map((f) => `${f.path}=${f.class}`).join(', ')}`;
const onlyImageInputs = (c: HistoryCommit) => c.paths.length > 0 && c.paths.every((p) => IMAGE_INPUT.test(p));
/** Commits that touch nothing of the binary and no image input: docs, tests, other programs' packages… */
const skippable = (r: Replayed) => r.truth.length === 0 && !r.commit.paths.some((p) => IMAGE_INPUT.test(p));

/** The one line the lead quotes, then what the planner rebuilt for although no input changed. */
function summary(times: { generate: number; list: number; plan: number }): string[] {
  const quiet = replayed.filter(skippable);
  const skipped = quiet.filter((r) => !r.plan.rebuild).length;
  const unneeded = replayed.filter((r) => r.truth.length === 0 && r.plan.rebuild);
  const ms = (x: number) => `${Math.round(x)} ms`;
  return [
    `plan-history: ${replayed.length} commits (${replayed.filter((r) => r.truth.length).length} change the binary), ` +
    `${replayed.filter((r) => r.truth.length > 0 && !r.plan.rebuild).length} false skips, ${unneeded.length} unneeded rebuilds, ` +
    `skip rate ${skipped}/${quiet.length} = ${(100 * skipped / Math.max(1, quiet.length)).toFixed(1)}% of docs/tests/other-program commits ` +
    `(generate ${ms(times.generate)}, go list ${ms(times.list)}, plan ${ms(times.plan)} = ${(times.plan / replayed.length).toFixed(1)} ms/commit)`,
    ...unneeded.map((r) => `  unneeded rebuild: ${r.commit.subject} → ` +
      r.plan.files.filter((f) => f.class === 'binary').map((f) => `${f.path} (${f.why ?? ''})`).join(', ')),
  ];
}

beforeAll(async () => {
  const t0 = performance.now();
  history = await generateHistory({ seed: SEED, commits: COMMITS });
  const t1 = performance.now();
  git = await openRepo(history.dir);
  const planner = createPlanner(git, { imageInputs: [] });
  const listed = await Promise.all(history.commits.map((c) => goListInputs(history.dir, c.sha, { main: MAIN, ...CONTEXT })));
  const t2 = performance.now();
  for (let i = 1; i < history.commits.length; i++) {
    const [parent, commit] = [history.commits[i - 1]!, history.commits[i]!];
    const plan = await planner.plan(await git.treeOf(parent.sha), await git.treeOf(commit.sha), { main: MAIN, context: CONTEXT });
    replayed.push({ commit, parent, truth: binaryInputsChanged(listed[i - 1]!, listed[i]!), plan });
  }
  console.log(summary({ generate: t1 - t0, list: t2 - t1, plan: performance.now() - t2 }).join('\n'));
});

afterAll(async () => {
  await git?.close();
  await history?.dispose();
  await closeGoTruth();
});

describe('replaying a generated history of mixed changes', () => {
  it('covers every kind of change', () => {
    const kinds = new Set(history.commits.flatMap((c) => c.kind.split('+')).map((k) => k.replace(/^revert .*/, 'revert')));
    expect([...kinds].sort()).toEqual(['docs', 'embed', 'embed-skipped', 'file-add', 'file-delete', 'fixture', 'go-closure', 'go-mod',
      'header-unused', 'header-used', 'ignore', 'image', 'import-toggle', 'package-add', 'package-delete', 'platform', 'rename', 'revert',
      'tests', 'tools', 'unused', 'vendor']);
    expect(history.commits.filter((c) => c.kind.includes('+')).length, 'mixed commits').toBeGreaterThanOrEqual(10);
    expect(replayed.filter((r) => r.truth.length > 0).length, 'commits that change the binary').toBeGreaterThanOrEqual(50);
  });

  it('keeps the module building (go build ./... at the last commit)', async () => {
    const env = { ...process.env, GOFLAGS: '-mod=vendor', GOPROXY: 'off', GOWORK: 'off', CGO_ENABLED: '1' };
    await expect(exec('go', ['build', '-o', '/dev/null', './...'], { cwd: history.dir, env })).resolves.toBeDefined();
  });

  it('never skips a commit that changes an input of the binary', () => {
    const wrong = replayed.filter((r) => r.truth.length > 0 && !r.plan.rebuild);
    expect(wrong.map(describeCommit).join('\n'), `${wrong.length} false skips`).toBe('');
  });

  it('skips at least 90% of the commits that touch only docs, tests or other programs', () => {
    const quiet = replayed.filter(skippable);
    const rebuilt = quiet.filter((r) => r.plan.rebuild);
    expect(quiet.length).toBeGreaterThanOrEqual(50);
    expect(1 - rebuilt.length / quiet.length, `unneeded rebuilds:\n${rebuilt.map(describeCommit).join('\n')}`).toBeGreaterThanOrEqual(0.9);
  });

  it('asks for an image rebuild for every commit that changes only image inputs', () => {
    const imageOnly = replayed.filter((r) => onlyImageInputs(r.commit));
    const wrong = imageOnly.filter((r) => r.plan.rebuild || !r.plan.reason.startsWith('image rebuild needed: '));
    expect(imageOnly.length).toBeGreaterThanOrEqual(5);
    expect(wrong.map(describeCommit).join('\n')).toBe('');
  });

  it('plans the same with the CLI (hotswap plan --from C^ --to C --json)', async () => {
    const firstOf = (p: (r: Replayed) => boolean) => replayed.find(p);
    const samples = [
      firstOf((r) => r.truth.length > 0 && r.commit.kind === 'go-closure'),
      firstOf((r) => r.commit.kind === 'import-toggle'),
      firstOf((r) => skippable(r) && r.commit.kind === 'unused'),
      firstOf((r) => onlyImageInputs(r.commit)),
      firstOf((r) => r.commit.kind.startsWith('revert')),
      firstOf((r) => r.commit.kind.includes('+')),
    ].filter((r): r is Replayed => r !== undefined);
    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const r of samples) {
      const cli = await runCli(['plan', '--from', r.parent.sha, '--to', r.commit.sha, '--json'], {
        cwd: history.dir, env: { CGO_ENABLED: '1', DOCKER_HOST: 'unix:///nonexistent.sock' },
      });
      expect(cli.code, cli.stderr).toBe(0);
      const { plan } = JSON.parse(cli.stdout) as { plan: Plan };
      const summary = (p: Plan) => ({ rebuild: p.rebuild, reason: p.reason, files: p.files.map((f) => `${f.path}=${f.class}`) });
      expect(summary(plan), describeCommit(r)).toEqual(summary(r.plan));
    }
  });
});
