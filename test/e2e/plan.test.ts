/** `hotswap plan` on a real git history: no checkout, no Docker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';

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

  it('compares the work tree with the last build by default, and reads as lines for a person', async () => {
    expect((await plan()).plan.reason).toBe('nothing built yet');
    const human = await runCli(['plan', '--from', 'HEAD~3', '--to', 'HEAD~2'], { cwd: repo.dir });
    expect(human.stdout).toMatch(/^rebuild: 1 binary input changed\n {2}binary +server\/message\.go {2}\(Go source\)\n$/);
  });

  it('exits 2 for an unknown revision', async () => {
    const r = await runCli(['plan', '--from', 'no-such-rev'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hotswap: unknown revision no-such-rev');
  });
});
