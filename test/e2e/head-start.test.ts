/**
 * A one-shot swap's head start (src/pipeline/head-start.ts, started by dist/cli.js through
 * src/cli/early-swap.ts): its `go build` starts before the program loads, from what the last run here built
 * (.hotswap/head-start.json), where git put the repo then. The run takes it only when it is exactly the
 * build the run wants, of the repo where git puts it now; anything else is built as without it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { headStart } from '../../src/pipeline/head-start.js';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { logLines } from '../support/daemon-log.js';
import { containerSha256, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-head-start';
let repo: FixtureRepo;
let port: number;
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const served = async () => JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version as string;
const note = () => path.join(repo.dir, '.hotswap', 'head-start.json');
const goBuilds = () => spawnSync('pgrep', ['-f', '--', `-o ${repo.dir}/`]).stdout.toString();
const configure = (build: Record<string, unknown> = {}) => writeTestConfig(repo.dir, { container: NAME, port, extra: { build } });

/** One-shot swap: its exit code, its JSON report, and the lines its process wrote to .hotswap/hotswap.log. */
async function swap(...args: string[]) {
  const result = await runCli(['swap', '--json', ...args], { cwd: repo.dir });
  const report = result.stdout.trim() ? JSON.parse(result.stdout) as { speculative?: boolean; version?: string; outcome: string } : null;
  const lines = logLines(repo.dir);
  const pid = lines.at(-1)!.pid;
  return { ...result, report, said: lines.filter((l) => l.pid === pid).map((l) => l.msg) };
}

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  configure();
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo.remove();
});

describe('a one-shot swap\'s head start', () => {
  it('notes what the first swap built, and the next swap starts that build early, takes it and serves it', async () => {
    repo.setMessage('hello first');
    const first = await swap();
    expect(first.code, first.stderr).toBe(0);
    expect(first.report?.speculative).toBeUndefined();
    expect(JSON.parse(fs.readFileSync(note(), 'utf8'))).toMatchObject({ target: NAME, repo: repo.dir, mainPackage: '.', platform: { os: 'linux' } });

    repo.setMessage('hello head start');
    const second = await swap();
    expect(second.code, second.stderr).toBe(0);
    expect(second.report?.speculative).toBe(true);
    expect(second.said).toEqual(expect.arrayContaining(['go build', 'speculative build reused']));
    expect(await hello()).toBe('hello head start');
    expect(await served()).toBe(second.report?.version);
  });

  it('has its `go build` running once it returns, before the swap command loads', async () => {
    repo.setMessage('hello early spawn');
    const early = await headStart({}, repo.dir);
    const running = goBuilds(); // synchronous: no turn of the event loop could spawn it meanwhile
    early?.abandon();
    expect(early?.tree).toMatch(/^[0-9a-f]{40}$/);
    expect(running).not.toBe('');
    await vi.waitFor(() => expect(goBuilds()).toBe(''), { timeout: 10_000, interval: 100 });
  });

  it('is discarded when the run builds something else, and the run builds what its config says', async () => {
    configure({ versionBase: '9.9.9' });
    repo.setMessage('hello new base');
    const result = await swap();
    expect(result.code, result.stderr).toBe(0);
    expect(result.report?.speculative).toBeUndefined();
    expect(await served()).toMatch(/^9\.9\.9-hotswap\.[0-9a-f]{8}$/);
    expect(await hello()).toBe('hello new base');
    // The note now holds the new build: the next swap starts it early again.
    repo.setMessage('hello new base again');
    expect((await swap()).report?.speculative).toBe(true);
    expect(await served()).toMatch(/^9\.9\.9-hotswap\./);
  });

  it('reports a compile error of the build it started, and the container keeps its binary', async () => {
    const before = await containerSha256(NAME);
    const main = repo.read('main.go');
    repo.write('main.go', main.replace('func main() {', 'func main() {\n\tundefinedCall()'));
    const result = await swap();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('undefined: undefinedCall');
    expect(result.said).toContain('go build');
    expect(await containerSha256(NAME)).toBe(before);
    repo.write('main.go', main);
  });

  it('is stopped when the swap fails before its run (a bad config): no build and no private index outlive it', async () => {
    const config = repo.read('hotswap.config.json');
    repo.write('hotswap.config.json', '{"target": {"container": 5}}');
    repo.setMessage('hello never built');
    const result = await runCli(['swap'], { cwd: repo.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('target.container: must be a string');
    expect(fs.readdirSync(path.join(repo.dir, '.hotswap')).filter((f) => f.startsWith('index.'))).toEqual([]);
    await vi.waitFor(() => expect(goBuilds()).toBe(''), { timeout: 10_000, interval: 100 });
    expect(fs.readdirSync(path.join(repo.dir, '.hotswap', 'bin')).filter((f) => f.startsWith('.'))).toEqual([]);
    repo.write('hotswap.config.json', config);
  });

  it('is discarded when git no longer puts the repo where the note says, and the run snapshots and builds itself', async () => {
    const noted = JSON.parse(fs.readFileSync(note(), 'utf8')) as { located: { top: string } };
    expect(noted.located.top).toBe(repo.dir);
    fs.writeFileSync(note(), JSON.stringify({ ...noted, located: { ...noted.located, top: path.dirname(repo.dir) } }));
    repo.setMessage('hello, located again');
    const result = await swap();
    expect(result.code, result.stderr).toBe(0);
    expect(result.report?.speculative).toBeUndefined();
    expect(await hello()).toBe('hello, located again');
    expect(JSON.parse(fs.readFileSync(note(), 'utf8')).located.top).toBe(repo.dir);
    await vi.waitFor(() => expect(goBuilds()).toBe(''), { timeout: 10_000, interval: 100 });
  });

  it('is not made from a damaged note, nor for a --rev swap; both swap as without it', async () => {
    fs.writeFileSync(note(), '{"target": 1');
    repo.setMessage('hello after a damaged note');
    const damaged = await swap();
    expect(damaged.code, damaged.stderr).toBe(0);
    expect(damaged.report?.speculative).toBeUndefined();
    expect(await hello()).toBe('hello after a damaged note');
    expect(JSON.parse(fs.readFileSync(note(), 'utf8')).target).toBe(NAME);

    const head = await repo.commit('a revision to swap');
    repo.setMessage('hello uncommitted');
    const rev = await swap('--rev', head);
    expect(rev.code, rev.stderr).toBe(0);
    expect(rev.report?.speculative).toBeUndefined();
    expect(rev.said).not.toContain('speculative build reused');
    expect(await hello()).toBe('hello after a damaged note');
  });
});
