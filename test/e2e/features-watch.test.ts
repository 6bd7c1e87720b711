/**
 * README features of `hotswap watch` in normal use, through the real CLI on the real engine: `--no-initial`,
 * `--debounce`, `--min-restart-interval`, and `hotswap stop` during a swap. Each test reads what the daemon
 * recorded (its NDJSON reports with `--json`, its log) and what the container serves; none sleeps before
 * checking that nothing happened. One container for the file; the tests run in order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { fileEventsLogged } from '../support/daemon-log.js';
import { containerSha256, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-features-watch';
let repo: FixtureRepo;
let port: number;
let daemon: CliProcess | null = null;

interface Report { outcome: string; startedAt: string; sha256: string | null; version: string | null; plan: { rebuild: boolean } | null }

const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const servesHello = (text: string) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, 30_000);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The daemon's reports so far (`watch --json`: one JSON line per run on stdout). */
const reports = (): Report[] => daemon!.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Report);

/** Waits until the daemon has printed `count` reports; returns them. */
async function reportsReach(count: number, timeoutMs = 30_000): Promise<Report[]> {
  const deadline = Date.now() + timeoutMs;
  while (reports().length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} reports, have ${reports().length}:\n${daemon!.stderr()}`);
    await pause(50);
  }
  return reports();
}

/** The time (epoch ms) the daemon's log recorded a file event for `rel` (since it started); waits for it. */
const fileEventAt = (rel: string) => fileEventsLogged(repo.dir, [rel], daemonStartedAt, () => daemon!.stderr());

let daemonStartedAt = 0;
async function startWatch(...args: string[]): Promise<CliProcess> {
  daemonStartedAt = Date.now();
  daemon = startCli(['watch', '--json', ...args], { cwd: repo.dir });
  await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
  return daemon;
}

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  // A cap well above the debounce tried below, so only the quiet period closes a batch.
  writeTestConfig(repo.dir, { container: NAME, port, extra: { watch: { maxWaitMs: 30_000 } } });
  await startContainer({ name: NAME, port });
  repo.setMessage('built once');
  const built = await runCli(['swap'], { cwd: repo.dir });
  expect(built.code, built.stderr).toBe(0);
});

afterEach(async () => {
  if (daemon) await daemon.stop('SIGTERM');
  daemon = null;
});

afterAll(async () => {
  await runCli(['stop'], { cwd: repo.dir });
  await removeContainer(NAME);
  await repo?.remove();
});

describe('hotswap watch', () => {
  it('--no-initial: no run at start although the container is behind; the first edit runs', async () => {
    // The container goes back to the image's binary: a plain watch would swap the last build in at start.
    const rolledBack = await runCli(['rollback', '--json'], { cwd: repo.dir });
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    const original = JSON.parse(rolledBack.stdout).sha256 as string;
    await startWatch('--no-initial');
    // A docs edit: the first run plans it and skips; a run at start would have swapped (it is forced).
    repo.write('docs/README.md', `${repo.read('docs/README.md')}\nfirst edit under watch\n`);
    const [first] = await reportsReach(1);
    expect(first!.outcome, daemon!.stderr()).toBe('skipped');
    expect(await containerSha256(NAME)).toBe(original);
    repo.setMessage('first edit');
    const [, second] = await reportsReach(2);
    expect(second!.outcome).toBe('swapped');
    expect(await hello()).toBe('first edit');
  });

  it('--debounce: edits further apart than the default window but within the given one make one run', async () => {
    await startWatch('--no-initial', '--debounce', '3000', '--log-level', 'debug');
    repo.setMessage('debounced');
    const first = await fileEventAt('server/message.go');
    // Pacing the input (no check follows it): the second edit comes well after the default 200 ms window.
    await pause(first + 600 - Date.now());
    repo.write('server/banner.txt', 'debounced banner\n');
    const second = await fileEventAt('server/banner.txt');
    expect(second - first).toBeGreaterThan(200);
    const [run] = await reportsReach(1);
    expect(run!.outcome, daemon!.stderr()).toBe('swapped');
    // The run line names the batch it took: both files, so the first edit did not run alone.
    expect(daemon!.stderr()).toMatch(new RegExp(`✓ swapped into ${NAME} · server/banner\\.txt and 1 more · `));
    expect(reports()).toHaveLength(1);
    expect(await hello()).toBe('debounced');
    expect((await getText(`http://127.0.0.1:${port}/api/banner`)).body).toBe('debounced banner\n');
  });

  it('--min-restart-interval: the next run starts at least that long after the previous one', async () => {
    const interval = 3000;
    await startWatch('--no-initial', '--min-restart-interval', String(interval));
    repo.write('docs/README.md', `${repo.read('docs/README.md')}\nbefore the interval\n`);
    const [first] = await reportsReach(1);
    expect(first!.outcome).toBe('skipped');
    const editedAt = Date.now();
    repo.setMessage('after the interval');
    const [, second] = await reportsReach(2);
    expect(second!.outcome).toBe('swapped');
    const firstStart = Date.parse(first!.startedAt);
    // Without the interval the edit would have run about a debounce (200 ms) after it was made, well inside it.
    expect(editedAt + 200 - firstStart, 'the first run took too long for this test to tell').toBeLessThan(interval - 500);
    // startedAt is stamped in the tick the scheduler starts the run: a millisecond or so after its own clock.
    expect(Date.parse(second!.startedAt) - firstStart).toBeGreaterThanOrEqual(interval - 5);
    expect(await hello()).toBe('after the interval');
  });

  it('hotswap stop during a swap: the swap finishes (swapped, the new binary serves), then the daemon exits 0', async () => {
    await startWatch('--no-initial', '--verbose');
    const undo = repo.slowStart(2500); // the health check waits for it: a swap in progress to stop under
    repo.setMessage('finished before stopping');
    try {
      await daemon!.waitForOutput(/✓ restart /, 30_000);
      expect(reports()).toHaveLength(0);
      const exited = new Promise<string>((resolve) => daemon!.child.on('close', (code, signal) => resolve(`${code ?? signal}`)));
      const stop = await runCli(['stop'], { cwd: repo.dir, timeoutMs: 60_000 });
      expect(stop.code, stop.stderr).toBe(0);
      expect(stop.stderr).toMatch(/stopped hotswap watch \(pid \d+\)/);
      // stop returned once the daemon had exited: its exit is already on its way here (the bound is for a hang).
      expect(await Promise.race([exited, pause(5000).then(() => 'still running 5 s after stop returned')])).toBe('0');
      const [run] = reports();
      expect(run!.outcome, daemon!.stderr()).toBe('swapped');
      expect(reports()).toHaveLength(1);
      expect(await hello()).toBe('finished before stopping');
      expect(await containerSha256(NAME)).toBe(run!.sha256);
    } finally {
      undo();
    }
  });
});
