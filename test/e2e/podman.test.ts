/**
 * hotswap on Podman (issue 12), through its Docker-compatible service socket: a rootful `podman system
 * service` of the test's own (test/support/podman.ts) with DOCKER_HOST pointing at it. swap serves the new
 * code with its hash verified, rollback brings the previous binary back, backups/status/logs read the
 * container, a stopped container is swapped through the archive API, and the Podman differences hotswap
 * evens out (src/docker/podman.ts) hold. Checks go through the podman CLI, not through hotswap.
 * No podman, or one that does not start: the file fails loudly, it never skips.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/docker/docker.js';
import type { ContainerClient } from '../../src/docker/client.js';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { RUNTIME_IMAGE, TEST_LABEL } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { startPodman, type PodmanService } from '../support/podman.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-podman';
let pod: PodmanService;
let repo: FixtureRepo;
let port: number;

const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, env: { DOCKER_HOST: pod.host }, timeoutMs: 120_000 });
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const servesHello = (text: string) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, 30_000);

async function podmanOk(...args: string[]): Promise<string> {
  const r = await pod.podman(args);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}
/** Polls `check` until it holds (30 s at most). */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out after 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
const served = async () => (await podmanOk('exec', NAME, 'sha256sum', '/usr/bin/ollama')).split(/\s+/)[0];

/** hotswap's own client on the Podman socket (docker-modem reads DOCKER_HOST when it is made). */
function containerOnPodman(): ContainerClient {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = pod.host;
  try {
    return connectDocker().container(NAME);
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
}

beforeAll(async () => {
  pod = await startPodman();
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port });
  await podmanOk('run', '-d', '--name', NAME, '--network', 'host', '--label', TEST_LABEL, '-e', `OLLAMA_HOST=127.0.0.1:${port}`, RUNTIME_IMAGE);
  await servesHello('hello v1');
});

afterAll(async () => {
  await pod?.stop();
  await repo?.remove();
});

describe('hotswap on Podman', () => {
  it('swaps the new code in: served, and the hash it reports is what the container holds', async () => {
    repo.setMessage('hello podman');
    const r = await cli('swap', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.outcome).toBe('swapped');
    expect(await hello()).toBe('hello podman');
    expect(report.sha256).toBe(await served());
  });

  it('rolls back with `hotswap rollback`; backups, status and logs read the container', async () => {
    const original = (await cli('backups', '--json'));
    expect(original.code, original.stderr).toBe(0);
    const backups = JSON.parse(original.stdout).backups as { sha256: string; original: boolean }[];
    expect(backups).toHaveLength(1);
    expect(backups[0]!.original).toBe(true);
    const r = await cli('rollback');
    expect(r.code, r.stderr).toBe(0);
    expect(await hello()).toBe('hello v1');
    expect(await served()).toBe(backups[0]!.sha256);
    const status = await cli('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).container).toEqual(expect.objectContaining({ name: NAME, running: true, sha256: backups[0]!.sha256 }));
    const logs = await cli('logs', '-n', '5');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/listening on 127\.0\.0\.1:\d+ \(version 0\.0\.0\)/);
  });

  it('rolls back a binary that panics at start, and the old code keeps serving', async () => {
    const undo = repo.crashAtStart();
    repo.setMessage('never served');
    const r = await cli('swap', '--json');
    undo();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).outcome).toBe('rolled-back');
    expect(await hello()).toBe('hello v1');
  });

  it('swaps into a stopped container through the archive API, and starts it', async () => {
    await podmanOk('stop', '-t', '5', NAME);
    repo.setMessage('hello stopped');
    const r = await cli('swap', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(await servesHello('hello stopped')).toBe('hello stopped');
    expect(JSON.parse(r.stdout).sha256).toBe(await served());
  });

  it('an exec that cannot start says so in one line (Podman appends its own attach error)', async () => {
    const r = await containerOnPodman().exec(['no-such-tool']);
    expect(r.exitCode).toBe(127);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/executable file not found/)]);
  });

  it('refuses an upload into a missing directory, as Docker does (Podman would create it)', async () => {
    const container = containerOnPodman();
    await expect(container.putFile('/no/such/dir', 'x', randomBytes(16), 0o644)).rejects.toThrow(`copying x into ${NAME}:/no/such/dir: no such directory`);
    expect((await pod.podman(['exec', NAME, 'test', '-e', '/no/such'])).code).toBe(1);
    await container.putFile('/tmp', 'x', randomBytes(16), 0o644);
    expect((await pod.podman(['exec', NAME, 'test', '-f', '/tmp/x'])).code).toBe(0);
  });

  it('a log follow ends when aborted though the container prints nothing (Podman answers it only with a first line)', async () => {
    const stop = new AbortController();
    const received: string[] = [];
    const following = containerOnPodman().followLogs({ since: Date.now() / 1000 }, (text) => received.push(text), stop.signal);
    await containerOnPodman().inspect(); // a round trip sent after the follow: the follow is in Podman's hands
    stop.abort();
    await expect(following).resolves.toBeUndefined();
    expect(received).toEqual([]);
  }, 20_000); // a follow that ignores the abort hangs: fail within 20 s

  it('a container killed from outside during the health check is not rolled back: Podman records the kill', async () => {
    const startedAt = () => podmanOk('inspect', '--format', '{{.State.StartedAt}} {{.State.Running}}', NAME);
    const before = await startedAt();
    const undo = repo.slowStart(3000); // the new binary listens 3 s after its start: the kill lands in the health check
    repo.setMessage('killed in the health check');
    const swap = cli('swap');
    try {
      await waitFor(async () => { const now = await startedAt(); return now !== before && now.endsWith(' true'); });
      await podmanOk('kill', NAME);
    } finally {
      undo();
    }
    const r = await swap;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the container was stopped under the swap/);
    expect(r.stderr).not.toMatch(/rolling back/);
  });
});
