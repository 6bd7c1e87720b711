/**
 * The watch daemon's standing install execs (src/pipeline/standing.ts): once a swap is done, the next run's
 * INSTALL and hotswap-hasher execs are started in the container and wait there; the next swap takes them
 * while the container runs the same process, a restarted container gets new ones, and none outlives the
 * daemon. Proven by the container's processes and the log's lines, never by timing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, startCli, type CliProcess } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { logLines } from '../support/daemon-log.js';
import { docker, dockerExec, removeContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-standing';
const TAKEN = 'install execs taken standing since the last swap';
let repo: FixtureRepo;
let port: number;
let daemon: CliProcess;

const runCount = (): number => {
  try {
    return (JSON.parse(readFileSync(join(repo.dir, '.hotswap', 'state.json'), 'utf8')).runs as unknown[]).length;
  } catch {
    return 0; // not written yet
  }
};
const servesHello = (text: string) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, 30_000);

/** The container's processes but its server: what execs are running in it. */
async function execsIn(): Promise<string[]> {
  const ps = await dockerExec(NAME, ['ps', '-o', 'args']);
  return ps.stdout.split('\n').filter((l) => l.includes('.hotswap-hasher-') || l.includes('read -r go'));
}

/** Both execs stand: the INSTALL shell waiting for `go`, and hotswap-hasher waiting for its size. */
const standing = () => vi.waitFor(async () => {
  const found = await execsIn();
  expect(found.some((l) => l.includes('.hotswap-hasher-') && l.includes(' follow ')), found.join('\n')).toBe(true);
  expect(found.some((l) => l.includes('read -r go')), found.join('\n')).toBe(true);
}, { timeout: 15_000, interval: 100 });

/** Edits the message and waits until it is served and its run recorded; the log's lines from that run. */
async function swapTo(text: string): Promise<string[]> {
  const [count, from] = [runCount(), logLines(repo.dir).length];
  repo.setMessage(text);
  await servesHello(text);
  await vi.waitFor(() => expect(runCount()).toBeGreaterThan(count), { timeout: 15_000, interval: 50 });
  return logLines(repo.dir).slice(from).map((l) => l.msg);
}

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  // Both execs stand where the host cannot write the upload itself (else INSTALL stands alone: writeFromHost).
  writeTestConfig(repo.dir, { container: NAME, port, extra: { watch: { debounceMs: 100 }, target: { writeFromHost: false } } });
  daemon = startCli(['watch'], { cwd: repo.dir });
  await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
  await servesHello('hello v1');
  await vi.waitFor(() => expect(runCount()).toBeGreaterThanOrEqual(1), { timeout: 15_000, interval: 50 }); // the start-up run
});

afterAll(async () => {
  await daemon.stop('SIGTERM');
  await runCli(['stop'], { cwd: repo.dir });
  await removeContainer(NAME);
  await repo.remove();
});

describe('standing install execs in watch', () => {
  it('are started once a swap is done, and the next swap takes them', async () => {
    await swapTo('hello one'); // this swap puts hotswap-hasher in the container and starts the next execs
    await standing();
    const said = await swapTo('hello two');
    expect(said, daemon.stderr()).toContain(TAKEN);
    expect(said).toContain('upload hashed in the container as it was written');
    await standing();
  });

  it('are not taken after the container restarted (they ended with its process); the swap starts its own', async () => {
    expect((await docker(['restart', '-t', '1', NAME])).code).toBe(0);
    await servesHello('hello two');
    const said = await swapTo('hello three');
    expect(said, daemon.stderr()).not.toContain(TAKEN);
    expect(said).toContain('upload hashed in the container as it was written');
    await standing();
  });

  it('end with the daemon: nothing is left waiting in the container', async () => {
    await daemon.stop('SIGTERM');
    await vi.waitFor(async () => expect(await execsIn()).toEqual([]), { timeout: 15_000, interval: 100 });
  });
});
