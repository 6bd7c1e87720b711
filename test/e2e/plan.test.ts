/** `hotswap plan` on a real git history: no checkout, no Docker. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRepo } from '../../src/git/repo.js';
import { goListFiles } from '../../src/plan/go/golist.js';
import { createPlanner } from '../../src/plan/planner.js';
import { runCli, startCli } from '../support/cli.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { pathWithOldGo } from '../support/old-go.js';

let repo: FixtureRepo;
const plan = async (...args: string[]) => {
  const r = await runCli(['plan', '--json', ...args], { cwd: repo.dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  repo = await makeFixtureRepo();
  repo.write('docs/more.md', 'docs\n');
  await repo.commit('docs only');
  repo.setMessage('hello plan');
  await repo.commit('code');
  repo.write('Dockerfile', 'FROM scratch\n');
  await repo.commit('image only');
  repo.write('server/only_windows.go', 'package server\n');
  repo.write('server/more_test.go', 'package server\n');
  await repo.commit('windows and tests');
});
afterAll(async () => { await repo.remove(); });

describe('hotswap plan', () => {
  it('says no rebuild for a docs-only commit', async () => {
    const report = await plan('--from', 'HEAD~4', '--to', 'HEAD~3');
    expect(report.outcome).toBe('planned');
    expect(report.plan).toMatchObject({ rebuild: false, files: [{ path: 'docs/more.md', class: 'ignored' }] });
  });

  it('says rebuild for a Go source change, naming the file', async () => {
    const report = await plan('--from', 'HEAD~3', '--to', 'HEAD~2');
    expect(report.plan.rebuild).toBe(true);
    expect(report.plan.files).toEqual([expect.objectContaining({ path: 'server/message.go', class: 'binary' })]);
  });

  it('flags a commit that changes only image inputs', async () => {
    const report = await plan('--from', 'HEAD~2', '--to', 'HEAD~1');
    expect(report.plan.rebuild).toBe(false);
    expect(report.plan.reason).toMatch(/^image rebuild needed: Dockerfile/);
  });

  it('skips files for another OS and tests', async () => {
    expect((await plan('--from', 'HEAD~1', '--to', 'HEAD')).plan.rebuild).toBe(false);
  });

  it('reads as lines for a person, saying what it compared with', async () => {
    const human = await runCli(['plan', '--from', 'HEAD~3', '--to', 'HEAD~2'], { cwd: repo.dir });
    expect(human.stdout).toMatch(/^rebuild: 1 binary input changed \(compared with HEAD~3\)\n {2}binary +server\/message\.go {2}\(imported by \.\/cmd via \.\)\n$/);
  });

  it('exits 2 with one line for an unknown revision in --from or --to', async () => {
    for (const args of [['--from', 'no-such-rev'], ['--from', 'HEAD~1', '--to', 'no-such-rev']]) {
      const r = await runCli(['plan', ...args], { cwd: repo.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('hotswap: unknown revision no-such-rev\nhint: name a commit, branch or tag of this repo\n');
    }
  });

  it('plans between revisions in a clone without a checkout', async () => {
    const clone = await mkdtemp(join(tmpdir(), 'hotswap-nocheckout-'));
    try {
      await repo.git('clone', '-q', '--no-checkout', repo.dir, clone);
      expect(existsSync(join(clone, 'go.mod'))).toBe(false);
      const r = await runCli(['plan', '--json', '--from', 'HEAD~3', '--to', 'HEAD~2'], { cwd: clone });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).plan).toMatchObject({ rebuild: true, files: [{ path: 'server/message.go', class: 'binary' }] });
      const unknown = await runCli(['plan', '--from', 'HEAD~3', '--to', 'no-such-rev'], { cwd: clone });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe('hotswap: unknown revision no-such-rev\nhint: name a commit, branch or tag of this repo\n');
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });
});

describe('a first plan, with nothing built', () => {
  afterEach(async () => {
    await repo.git('checkout', '--', '.');
  });

  it('compares the work tree with HEAD and says so: docs edits no rebuild, Go edits rebuild, file by file', async () => {
    expect((await plan()).plan).toMatchObject({ rebuild: false, reason: 'no change', comparedWith: 'HEAD; nothing built yet' });
    repo.write('docs/more.md', 'edited docs\n');
    const docs = (await plan()).plan;
    expect(docs).toMatchObject({ rebuild: false, comparedWith: 'HEAD; nothing built yet', files: [{ path: 'docs/more.md', class: 'ignored' }] });
    expect(docs.base).toBe(await repo.git('rev-parse', 'HEAD^{tree}'));
    repo.setMessage('first plan');
    const human = await runCli(['plan'], { cwd: repo.dir });
    expect(human.stdout).toBe([
      'rebuild: 1 binary input changed (compared with HEAD; nothing built yet)',
      '  ignored docs/more.md  (documentation)',
      '  binary  server/message.go  (imported by ./cmd via .)',
      '',
    ].join('\n'));
  });

  it('does the same in watch --dry-run, without Docker', async () => {
    const watch = startCli(['watch', '--dry-run'], { cwd: repo.dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    try {
      await watch.waitForOutput(/planned: no rebuild: no change \(compared with HEAD; nothing built yet\)/, 20_000);
      repo.write('docs/more.md', 'edited docs\n');
      await watch.waitForOutput(/planned: no rebuild: no binary input changed \(1 file ignored\) \(compared with HEAD; nothing built yet\)\n +ignored docs\/more\.md/, 20_000);
      repo.setMessage('first dry run');
      await watch.waitForOutput(/planned: rebuild: 1 binary input changed \(compared with HEAD; nothing built yet\)\n.*\n +binary +server\/message\.go/, 20_000);
    } finally {
      await watch.stop('SIGTERM');
    }
  });

  it("says once (plan, and watch also in its log) that go list was not used when the local Go is older than go.mod's go line", async () => {
    const oldGo = await pathWithOldGo();
    try {
      repo.write('go.mod', repo.read('go.mod').replace(/^go .*$/m, 'go 1.22'));
      repo.setMessage('planned by the parser');
      const r = await runCli(['plan'], { cwd: repo.dir, env: { PATH: oldGo.path } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^rebuild: 2 binary inputs changed/);
      const notUsed = /go list not used: the local Go 1\.21\.0 is older than go\.mod's go 1\.22; planning with hotswap's own Go parser/g;
      expect(r.stderr.match(notUsed), r.stderr).toHaveLength(1);
      // watch says it once too, on the terminal and in the log, however many runs follow.
      const watch = startCli(['watch', '--dry-run'], { cwd: repo.dir, env: { PATH: oldGo.path, DOCKER_HOST: 'unix:///nonexistent.sock' } });
      try {
        await watch.waitForOutput(/planned: rebuild: 2 binary inputs changed/, 20_000);
        repo.setMessage('planned by the parser again');
        await watch.waitForOutput(/changed: server\/message\.go[\s\S]*planned: rebuild: 2 binary inputs changed/, 20_000);
      } finally {
        await watch.stop('SIGTERM');
      }
      expect(watch.stderr().match(notUsed), watch.stderr()).toHaveLength(1);
      expect(repo.read('.hotswap/hotswap.log').match(notUsed)).toHaveLength(1);
    } finally {
      await oldGo.remove();
    }
  });
});

describe('the planner in process', () => {
  const LINUX = { goos: 'linux', goarch: 'amd64', cgo: true, tags: [], goMinor: 24 };

  it("joins go list's files to the parser's for the work tree, and only there", async () => {
    const git = await openRepo(repo.dir);
    try {
      const extra = new Map([['server/generated.bin', 'in package server (go list)']]);
      const calls: string[] = [];
      const planner = createPlanner(git, {
        imageInputs: [],
        goList: async (main) => {
          calls.push(main);
          return extra;
        },
      });
      repo.write('server/generated.bin', 'x\n');
      const base = await git.treeOf('HEAD');
      const tree = await git.snapshot();
      const target = { main: '.', context: LINUX };
      expect((await planner.plan(base, tree, target)).rebuild).toBe(false); // the parser alone: not an input
      const plan = await planner.plan(base, tree, target, { workTree: true });
      expect(plan.files).toEqual([{ path: 'server/generated.bin', class: 'binary', why: 'in package server (go list)' }]);
      await planner.plan(base, tree, target, { workTree: true });
      expect(calls).toEqual(['.']); // asked once per inputs key
    } finally {
      await rm(join(repo.dir, 'server/generated.bin'), { force: true });
      await git.close();
    }
  });

  it('agrees with the real go list on the fixture', async () => {
    const git = await openRepo(repo.dir);
    try {
      const inputs = await createPlanner(git, { imageInputs: [] }).inputs(await git.treeOf('HEAD'), { main: '.', context: LINUX });
      const listed = await goListFiles(await realpath(repo.dir), '.', LINUX);
      const definitions = ['go.mod', 'go.sum'].filter((p) => inputs.files.has(p));
      expect([...inputs.files.keys()].sort()).toEqual([...listed.keys(), ...definitions].sort());
    } finally {
      await git.close();
    }
  });

  it('warns and plans from the parser when go list fails', async () => {
    const git = await openRepo(repo.dir);
    const warnings: string[] = [];
    try {
      const planner = createPlanner(git, { imageInputs: [], goList: async () => { throw new Error('boom'); }, warn: (m) => warnings.push(m) });
      repo.setMessage('after a failed go list');
      const plan = await planner.plan(await git.treeOf('HEAD'), await git.snapshot(), { main: '.', context: LINUX }, { workTree: true });
      expect(plan.rebuild).toBe(true);
      expect(warnings).toEqual(['go list failed, planning from the built-in parser alone: boom']);
    } finally {
      await repo.git('checkout', '--', '.');
      await git.close();
    }
  });
});

describe('plan --from/--to in a clone without a checkout, on its own history', () => {
  it("takes go1.N tags from the --to tree's go.mod, not from the absent work tree's", async () => {
    repo.write('go.mod', repo.read('go.mod').replace(/^go .*$/m, 'go 1.22'));
    repo.write('server/newer.go', '//go:build go1.22\n\npackage server\n');
    await repo.commit('go 1.22, and a file only go1.22 builds');
    repo.write('server/newer.go', '//go:build go1.22\n\npackage server\n\n// edited\n');
    await repo.commit('edit the go1.22 file');
    const dir = await mkdtemp(join(tmpdir(), 'hotswap-nocheckout-'));
    try {
      const clone = join(dir, 'clone');
      await repo.git('clone', '-q', '--no-checkout', repo.dir, clone);
      // A builder image whose name says no Go version: only go.mod's go line says go1.22 holds.
      const config = join(dir, 'hotswap.config.json');
      writeFileSync(config, JSON.stringify({ build: { builderImage: 'local/builder:dev' } }));
      const r = await runCli(['plan', '--json', '--config', config, '--repo', clone, '--from', 'HEAD~1', '--to', 'HEAD'], { cwd: clone });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).plan).toMatchObject({ rebuild: true, files: [{ path: 'server/newer.go', class: 'binary' }] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
