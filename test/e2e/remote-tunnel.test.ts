/**
 * The health check of a remote engine goes through the SSH connection. The "remote host" is a network namespace
 * of its own (a holder container with --network none): the server listens on that namespace's loopback, and
 * sshd runs inside it (test/support/sshd.ts, nsenter). From this machine the health URL has no listener, so a
 * swap with verify can only pass when hotswap fetched it through a forwarded channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { docker, ENGINE_HOST, removeContainer, RUNTIME_IMAGE, TEST_LABEL } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startSshd, type Sshd } from '../support/sshd.mjs';

const HOLDER = 'hs-test-tunnel-ns';
const NAME = 'hs-test-tunnel';
let repo: FixtureRepo;
let port: number;
let sshd: Sshd;

async function dockerOk(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  port = await freePort();
  await removeContainer(NAME);
  await removeContainer(HOLDER);
  await dockerOk(['run', '-d', '--name', HOLDER, '--network', 'none', '--label', TEST_LABEL, '--entrypoint', 'sleep', RUNTIME_IMAGE, '1000000']);
  await dockerOk(['run', '-d', '--name', NAME, '--network', `container:${HOLDER}`, '--label', TEST_LABEL, '-e', `OLLAMA_HOST=127.0.0.1:${port}`, RUNTIME_IMAGE]);
  const pid = Number(await dockerOk(['inspect', '--format', '{{.State.Pid}}', HOLDER]));
  sshd = await startSshd(ENGINE_HOST, pid);
  repo = await makeFixtureRepo({ ignoreState: true });
  writeTestConfig(repo.dir, { container: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await removeContainer(HOLDER);
  await repo?.remove();
  await sshd?.stop();
});

describe('a remote engine whose loopback is not ours', () => {
  it('nothing answers the health URL from this machine', async () => {
    await expect(getText(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('swap verifies health and version through the SSH tunnel', async () => {
    repo.setMessage('hello in a namespace');
    const r = await runCli(['swap', '--verify', '--json'], { cwd: repo.dir, env: { ...sshd.env, DOCKER_HOST: sshd.host } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.outcome).toBe('swapped');
    expect(report.phases).toHaveProperty('health');
    expect(report.version).toMatch(/^0\.0\.0-hotswap\./); // what /api/version had to report
  });

  it('rollback waits for health through the tunnel too', async () => {
    const r = await runCli(['rollback'], { cwd: repo.dir, env: { ...sshd.env, DOCKER_HOST: sshd.host } });
    expect(r.code, r.stderr).toBe(0);
  });
});
