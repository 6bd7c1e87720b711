/**
 * `hotswap watch` for real: chokidar on a real git repo, real go build, a real container; every check is
 * what the container serves or what the state file recorded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { fileEventsLogged } from '../support/daemon-log.js';
import { removeContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-watch';
let repo: FixtureRepo;
let port: number;
let daemon: CliProcess | null = null;

interface Run { outcome: string; phases: Record<string, number>; trigger: string; version: string | null; startedAt: string }
const runs = (): Run[] => JSON.parse(readFileSync(join(repo.dir, '.hotswap', 'state.json'), 'utf8')).runs;
const builds = () => runs().filter((r) => r.phases.build !== undefined).length;
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const servesHello = (text: string) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, 20_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `condition` holds (state.json may be mid-write: a throw counts as not yet). */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { if (condition()) return; } catch { /* not written yet */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${daemon?.stderr()}`);
    await sleep(50);
  }
}

/** Waits until the daemon has recorded `count` runs in total. */
const runsReach = (count: number, timeoutMs = 20_000) => until(() => runs().length >= count, `${count} recorded runs`, timeoutMs);

/** Waits until the run that made the served version has been recorded (its report comes after health). */
async function runsSettle(timeoutMs = 20_000) {
  const served = JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version as string;
  await until(() => runs().some((r) => r.version === served), `a recorded run that made ${served}`, timeoutMs);
}

async function startWatch(...args: string[]) {
  daemon = startCli(['watch', ...args], { cwd: repo.dir });
  await daemon.waitForOutput(/watching .* \(pid \d+/, 20_000);
  return daemon;
}

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  // The default quiet period and cap (200 ms, 2 s), as users get them.
  writeTestConfig(repo.dir, { container: NAME, port });
});

afterEach(async () => {
  if (daemon) await daemon.stop('SIGTERM');
  daemon = null;
});

afterAll(async () => {
  await runCli(['stop'], { cwd: repo.dir });
  await removeContainer(NAME);
  await repo.remove();
});

describe('hotswap watch', () => {
  it('brings a missing container up to date at start, then serves each edit', async () => {
    await startWatch();
    await servesHello('hello v1');
    await runsReach(1);
    expect(runs()[0]).toMatchObject({ outcome: 'swapped', trigger: 'watch' });
    repo.setMessage('hello edit');
    await servesHello('hello edit');
  });

  it('does not build for docs, tests, saves without change, edit-then-undo or other platforms', async () => {
    const startedAt = Date.now();
    await startWatch('--log-level', 'debug');
    await runsReach(runs().length + 1); // the start-up check: already up to date
    const before = builds();
    const count = runs().length;
    repo.write('docs/README.md', `${repo.read('docs/README.md')}\nmore docs\n`);
    repo.write('server/routes_test.go', `${repo.read('server/routes_test.go')}\n// a test edit\n`);
    repo.write('server/message.go', repo.read('server/message.go')); // save without change
    const main = repo.read('main.go');
    repo.write('main.go', `${main}\n// undone\n`);
    repo.write('main.go', main); // edit, then undo
    repo.write('server/platform_windows.go', `${repo.read('server/platform_windows.go')}\n// windows only\n`);
    repo.write('server/extra_darwin.go', 'package server\n\nconst darwinOnly = 1\n');
    // Every edit reached the daemon, and a run that started after the last of them has ended.
    const noise = ['docs/README.md', 'server/routes_test.go', 'server/message.go', 'main.go', 'server/platform_windows.go', 'server/extra_darwin.go'];
    const lastEvent = await fileEventsLogged(repo.dir, noise, startedAt, () => daemon!.stderr());
    await until(() => runs().some((r) => Date.parse(r.startedAt) > lastEvent), 'a run that covers every edit');
    expect(builds()).toBe(before);
    expect(runs().slice(count).every((r) => r.outcome === 'skipped')).toBe(true);
    expect(await hello()).toBe('hello edit');
  });

  it('batches 30 saves made 100 ms apart into the few builds the debounce and cap allow, and ends serving the last', async () => {
    await startWatch();
    await runsReach(runs().length + 1);
    const before = builds();
    const savedAt: number[] = [];
    for (let i = 1; i <= 30; i++) {
      repo.setMessage(`burst ${i}`);
      savedAt.push(Date.now());
      await sleep(100);
    }
    await servesHello('burst 30');
    await runsSettle();
    // The bound follows from the contract, not from this machine's speed: a batch closes after a quiet
    // period (a gap of at least the default 200 ms debounce between two saves, which a loaded machine can
    // make) or at the 2 s cap after its first save; one trailing run covers what came during a run.
    const quiet = savedAt.slice(1).filter((t, i) => t - savedAt[i]! >= 200).length;
    const capped = Math.ceil((savedAt.at(-1)! - savedAt[0]!) / 2000);
    expect(builds() - before).toBeGreaterThanOrEqual(1);
    expect(builds() - before).toBeLessThanOrEqual(quiet + capped + 1);
    expect(await hello()).toBe('burst 30');
  });

  it('refuses a second instance and exits 0 on SIGTERM', async () => {
    await startWatch();
    const second = await runCli(['watch'], { cwd: repo.dir, timeoutMs: 20_000 });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running .*\(pid \d+\)/);
    const result = await daemon!.stop('SIGTERM');
    daemon = null;
    expect(result.code).toBe(0);
  });

  it('keeps watching after a build error, and swaps the fix', async () => {
    await startWatch();
    await runsReach(runs().length + 1);
    const goodMessage = repo.read('server/message.go');
    repo.write('server/message.go', `${goodMessage}\nfunc broken( {\n`);
    await daemon!.waitForOutput(/go build failed/, 20_000);
    expect(runs().at(-1)?.outcome).toBe('failed');
    expect(daemon!.stderr()).toMatch(/server\/message\.go:\d+:\d+: syntax error/);
    repo.write('server/message.go', goodMessage.replace(/const Message = ".*"/, 'const Message = "fixed"'));
    await servesHello('fixed');
  });

  it('converges on the latest edit after SIGKILL and a restart', async () => {
    await startWatch();
    repo.setMessage('while killed');
    await sleep(50);
    await daemon!.stop('SIGKILL');
    daemon = null;
    repo.setMessage('after restart');
    await startWatch(); // takes over the stale lock
    await servesHello('after restart');
  });

  it('recreates a removed container from its image and swaps the next edit into it', async () => {
    await startWatch();
    await runsReach(runs().length + 1);
    await removeContainer(NAME);
    repo.setMessage('after removal');
    await servesHello('after removal');
    expect(daemon!.stderr()).toContain(`creating ${NAME}`);
    repo.setMessage('after restart');
    await servesHello('after restart');
  });

  it('plans without building or swapping with --dry-run', async () => {
    await startWatch('--dry-run');
    const before = builds();
    const count = runs().length;
    repo.setMessage('dry run only');
    await runsReach(count + 1);
    expect(runs().at(-1)?.outcome).toBe('planned');
    expect(builds()).toBe(before);
    expect(await hello()).toBe('after restart');
  });

  it('runs in the background with --detach; status shows it; stop ends it', async () => {
    const started = await runCli(['watch', '--detach'], { cwd: repo.dir, timeoutMs: 60_000 });
    expect(started.code, started.stderr).toBe(0);
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: repo.dir })).stdout);
    expect(status.daemon.running).toBe(true);
    expect(status.daemon.pid).toBeTypeOf('number');
    await servesHello('dry run only'); // the detached daemon brought the container up to date
    const stopped = await runCli(['stop'], { cwd: repo.dir });
    expect(stopped.code).toBe(0);
    const after = JSON.parse((await runCli(['status', '--json'], { cwd: repo.dir })).stdout);
    expect(after.daemon).toEqual({ running: false, pid: null });
  });
});
