/**
 * `hotswap swap` answered by the running `hotswap watch` over `.hotswap/daemon.sock`: the daemon's own
 * NDJSON shows the manual run, the container serves the new code, a failing build exits as it does
 * in-process, differing flags run in-process, and a dead daemon's socket changes nothing.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { removeContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-daemon-socket';
const REFUSED = /the watch daemon did not take this swap/;
let repo: FixtureRepo;
let port: number;
let daemon: CliProcess | null = null;

const socket = () => join(repo.dir, '.hotswap', 'daemon.sock');
const servesHello = (text: string) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, 20_000);
/** The daemon's NDJSON reports (watch --json) so far. */
const daemonReports = (): { trigger: string; outcome: string; sha256: string | null }[] =>
  daemon!.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const manualReports = () => daemonReports().filter((r) => r.trigger === 'manual');

/** Resolves when the daemon's log (.hotswap/hotswap.log) has a line matching `re`. */
async function waitForLog(re: RegExp, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(readFileSync(join(repo.dir, '.hotswap', 'hotswap.log'), 'utf8'))) {
    if (Date.now() > deadline) throw new Error(`no log line matches ${re}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The process's exit code and output once it ends on its own (call it right after starting the process). */
const exitOf = (p: CliProcess) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => p.child.once('close', (code) => resolve({ code, stderr: p.stderr() })));

/** Watch that reacts to no edit on its own within a test (a minute's quiet period): only `swap` swaps. */
async function startWatch() {
  daemon = startCli(['watch', '--json', '--debounce', '60000'], { cwd: repo.dir });
  await daemon.waitForOutput(/watching .* \(pid \d+/, 20_000);
  await daemon.waitForOutput(/"outcome":"(swapped|skipped)"/, 60_000); // the start-up run is over
}

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port });
});

afterEach(async () => {
  if (daemon) await daemon.stop('SIGTERM');
  daemon = null;
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo.remove();
});

describe('hotswap swap with a watch daemon running', () => {
  it('is run by the daemon, which serves the new code; the socket is its user\'s alone', async () => {
    await startWatch();
    await servesHello('hello v1'); // the start-up run brought the new container up to date
    const stat = statSync(socket());
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);

    repo.setMessage('hello from the daemon');
    const result = await runCli(['swap', '--json'], { cwd: repo.dir });
    expect(result.stderr).not.toMatch(REFUSED);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ trigger: 'manual', outcome: 'swapped' });
    await servesHello('hello from the daemon');
    // The daemon's own stream has the run the client printed.
    await daemon!.waitForOutput(/"trigger":"manual"/, 10_000);
    expect(manualReports()).toEqual([expect.objectContaining({ outcome: 'swapped', sha256: report.sha256 })]);
    // make hot-swap's flags, equal to the config's, are taken as well.
    const again = await runCli(['swap', '--restart', '--verify', '--if-changed'], { cwd: repo.dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/skipped/);
    await daemon!.waitForOutput(/"trigger":"manual","container"[^\n]*"outcome":"skipped"|"outcome":"skipped"[^\n]*"trigger":"manual"/, 10_000);
    expect(manualReports().map((r) => r.outcome)).toEqual(['swapped', 'skipped']);
  });

  it('exits as an in-process run does for a failing build, and leaves the old binary serving', async () => {
    await startWatch();
    const served = (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
    const good = repo.read('server/message.go');
    repo.write('server/message.go', `${good}\nfunc broken( {\n`);
    try {
      const viaDaemon = await runCli(['swap'], { cwd: repo.dir });
      const inProcess = await runCli(['swap', '--no-daemon'], { cwd: repo.dir });
      expect(manualReports().map((r) => r.outcome)).toEqual(['failed']); // the first one, not the second
      expect(viaDaemon.code).toBe(1);
      expect(inProcess.code).toBe(viaDaemon.code);
      for (const result of [viaDaemon, inProcess]) expect(result.stderr).toMatch(/server\/message\.go:\d+:\d+: syntax error[\s\S]*hotswap: failed \(build\)/);
      expect((await getText(`http://127.0.0.1:${port}/api/hello`)).body).toBe(served);
    } finally {
      repo.write('server/message.go', good);
    }
  });

  it('runs in-process when a flag makes the config differ from the daemon\'s, or with HOTSWAP_NO_DAEMON', async () => {
    await startWatch();
    const differs = await runCli(['swap', '--no-verify'], { cwd: repo.dir });
    expect(differs.code).toBe(0);
    expect(differs.stderr).toMatch(/did not take this swap \(its flags or the config file differ from the daemon's\): running it here/);
    // Another engine (DOCKER_HOST here; a docker context alike): the daemon never swaps into its own instead.
    const elsewhere = await runCli(['swap'], { cwd: repo.dir, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toMatch(/did not take this swap \(it is for the engine at unix:\/\/\/nonexistent\/docker\.sock, the daemon uses \S+\): running it here/);
    const forced = await runCli(['swap'], { cwd: repo.dir, env: { HOTSWAP_NO_DAEMON: '1' } });
    expect(forced.code).toBe(0);
    expect(forced.stderr).not.toMatch(REFUSED);
    expect(manualReports()).toEqual([]);
  });

  it('queues a swap sent during another, and hands it back to run in-process when the daemon stops first', async () => {
    await startWatch();
    const undo = repo.slowStart(4000); // the first swap's health check waits for the slow start
    try {
      const first = startCli(['swap'], { cwd: repo.dir });
      const firstExit = exitOf(first);
      await first.waitForOutput(/✓ restart/, 60_000);
      const second = startCli(['swap'], { cwd: repo.dir });
      const secondExit = exitOf(second);
      await waitForLog(new RegExp(`"client":${second.child.pid},"queued":1,"msg":"one-shot queued"`));
      expect((await daemon!.stop('SIGTERM')).code).toBe(0); // the swap in progress finishes first
      const [a, b] = await Promise.all([firstExit, secondExit]);
      expect(manualReports().map((r) => r.outcome)).toEqual(['swapped']);
      daemon = null;
      expect(a.code).toBe(0);
      expect(a.stderr).not.toMatch(REFUSED);
      expect(b.stderr).toMatch(/did not take this swap \(the watch daemon stopped before running it\): running it here/);
      expect(b.code).toBe(0);
    } finally {
      undo();
    }
  });

  it('runs in-process past the socket a killed daemon left, and a stopped daemon removes its socket', async () => {
    await startWatch();
    await daemon!.stop('SIGKILL');
    daemon = null;
    expect(existsSync(socket())).toBe(true);
    repo.setMessage('hello without a daemon');
    const result = await runCli(['swap'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/swapped/);
    await servesHello('hello without a daemon');

    await startWatch(); // replaces the leftover socket
    expect(statSync(socket()).isSocket()).toBe(true);
    expect((await daemon!.stop('SIGTERM')).code).toBe(0);
    daemon = null;
    expect(existsSync(socket())).toBe(false);
  });
});
