/**
 * Watch's speculative builds for real (real watcher, git, go build and container): the build starts at the
 * batch's first edit, before its quiet period ends, and the run reuses it; a docs-only edit's speculation is
 * discarded and nothing is swapped. Proven by the log's lines and the reports, never by timing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { removeContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-speculate';
let repo: FixtureRepo;
let port: number;
let daemon: CliProcess;

interface Run { outcome: string; phases: Record<string, number>; version: string | null; speculative?: boolean; plan: { tree: string } | null }
interface LogLine { msg: string; tree?: string; plan?: { tree: string } }
const runs = (): Run[] => JSON.parse(readFileSync(join(repo.dir, '.hotswap', 'state.json'), 'utf8')).runs;
const logLines = (): LogLine[] => readFileSync(join(repo.dir, '.hotswap', 'hotswap.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
const servesHello = (text: string) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, 30_000);

/** Waits until the daemon has recorded `count` runs in total. */
const runsReach = (count: number) =>
  vi.waitFor(() => expect(runs().length, daemon.stderr()).toBeGreaterThanOrEqual(count), { timeout: 30_000, interval: 50 });

/** Index in the log of the first line with `msg` (and `tree`, when given) after line `from`; -1 when none. */
const lineOf = (msg: string, tree: string | null, from = 0) =>
  logLines().findIndex((l, i) => i >= from && l.msg === msg && (tree === null || l.tree === tree || l.plan?.tree === tree));

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  // A long quiet period: a build started by the edit, not by the run, is plainly the speculation's.
  writeTestConfig(repo.dir, { container: NAME, port, extra: { watch: { debounceMs: 1500, maxWaitMs: 5000 } } });
  daemon = startCli(['watch'], { cwd: repo.dir });
  await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
  await servesHello('hello v1');
  await runsReach(1); // the start-up run: it learns the container's platform
});

afterAll(async () => {
  await daemon.stop('SIGTERM');
  await runCli(['stop'], { cwd: repo.dir });
  await removeContainer(NAME);
  await repo.remove();
});

describe('speculative builds in watch', () => {
  it('starts the build at the edit, before the quiet period ends, and the run swaps that very build', async () => {
    const count = runs().length;
    const from = logLines().length;
    repo.setMessage('speculated');
    await servesHello('speculated');
    await runsReach(count + 1);
    const run = runs().at(-1)!;
    expect(run).toMatchObject({ outcome: 'swapped', speculative: true });
    const tree = run.plan!.tree;
    const started = lineOf('speculative build started', tree, from);
    expect(started, daemon.stderr()).toBeGreaterThanOrEqual(0);
    // The run's plan of that tree comes after the build started, and the run reused it.
    expect(lineOf('plan', tree, from)).toBeGreaterThan(started);
    expect(lineOf('speculative build reused', tree, from)).toBeGreaterThan(started);
    // No edit came after the speculation's snapshot: the run took it rather than snapshotting again.
    expect(lineOf('work tree snapshot reused', tree, from)).toBeGreaterThan(started);
  });

  it('discards the speculation of a docs-only edit: the run skips, nothing is swapped', async () => {
    const count = runs().length;
    const from = logLines().length;
    const version = runs().at(-1)!.version;
    repo.write('docs/README.md', `${repo.read('docs/README.md')}\nmore docs\n`);
    await runsReach(count + 1);
    const run = runs().at(-1)!;
    expect(run.outcome).toBe('skipped');
    expect(run.phases.build).toBeUndefined();
    expect(run.speculative).toBeUndefined();
    const tree = run.plan!.tree;
    expect(lineOf('speculative build started', tree, from), daemon.stderr()).toBeGreaterThanOrEqual(0);
    expect(lineOf('speculative build discarded: the run builds nothing', null, from)).toBeGreaterThan(lineOf('plan', tree, from));
    expect(JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version).toBe(version);
    expect((await getText(`http://127.0.0.1:${port}/api/hello`)).body).toBe('speculated');
  });

  it('snapshots again for an edit made after the speculation\'s snapshot: that edit is in the swapped binary', async () => {
    const count = runs().length;
    const from = logLines().length;
    repo.setMessage('first edit');
    // The first edit's snapshot is taken and its build started; the second edit comes before the quiet period
    // ends, most often within 50 ms of the first, when chokidar reports no event for it.
    const first = await vi.waitFor(() => {
      const line = logLines().slice(from).find((l) => l.msg === 'speculative build started');
      expect(line, daemon.stderr()).toBeDefined();
      return line!.tree!;
    }, { timeout: 30_000, interval: 20 });
    repo.setMessage('second edit');
    await servesHello('second edit');
    const served = JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version as string;
    await vi.waitFor(() => expect(runs().slice(count).map((r) => r.version)).toContain(served), { timeout: 30_000, interval: 50 });
    const run = runs().slice(count).find((r) => r.version === served)!;
    expect(run.outcome).toBe('swapped');
    expect(run.plan!.tree, daemon.stderr()).not.toBe(first);
    expect(lineOf('work tree snapshot reused', first, from)).toBe(-1);
  });
});
