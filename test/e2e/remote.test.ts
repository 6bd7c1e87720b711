/**
 * A remote engine over a real sshd (test/support/sshd.ts) whose sessions reach this test run's own engine: swap,
 * rollback, backups, status, logs and watch with DOCKER_HOST=ssh://…, the same engine through a docker context,
 * and an unreachable one. No local socket is named to hotswap in these tests: DOCKER_HOST is the ssh URL or unset.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { BUILDER_IMAGE, containerSha256, docker, ENGINE_HOST, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startSshd, type Sshd } from '../support/sshd.mjs';

const NAME = 'hs-test-remote';
let repo: FixtureRepo;
let port: number;
let sshd: Sshd;
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
/** hotswap as a user of the remote engine: DOCKER_HOST=ssh://… unless `env` says otherwise. */
const hotswap = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: repo.dir, env: { ...sshd.env, DOCKER_HOST: sshd.host, ...env } });

beforeAll(async () => {
  sshd = await startSshd(ENGINE_HOST);
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { builderImage: BUILDER_IMAGE, builderContainer: 'hs-test-remote-builder' } } });
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await removeContainer('hs-test-remote-builder');
  await repo?.remove();
  await sshd?.stop();
});

describe('an engine over ssh://', () => {
  it('doctor names the engine, how it was chosen and its version', async () => {
    const r = await hotswap(['doctor']);
    expect(r.stdout).toMatch(new RegExp(`^OK +docker +Docker \\S+ \\(API [\\d.]+\\) at ${sshd.host.replace(/\./g, '\\.')} \\(from DOCKER_HOST\\)$`, 'm'));
  });

  it('swaps, and the container serves the new code; the upload was compressed', async () => {
    repo.setMessage('hello over ssh');
    const before = sshd.bytesIn();
    const r = await hotswap(['swap', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).outcome).toBe('swapped');
    expect(await hello()).toBe('hello over ssh');
    // Everything the swap sent (the binary and every API call) is less than the binary alone: it was gzipped.
    const binary = fs.statSync(path.join(repo.dir, '.hotswap', 'bin', 'ollama-dev')).size;
    expect(sshd.bytesIn() - before).toBeLessThan(binary * 0.8);
  });

  it('builds in the builder container on the remote engine, synced', async () => {
    repo.setMessage('built over there');
    // A new builder's first go build compiles the standard library: minutes on a busy machine.
    const r = await runCli(['swap', '--builder', 'container', '--json'], { cwd: repo.dir, env: { ...sshd.env, DOCKER_HOST: sshd.host }, timeoutMs: 480_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).builder.mode).toBe('container');
    expect(r.stderr).toMatch(/synced \d+ file\(s\) into hs-test-remote-builder/); // no bind mount of a path over there
    expect(await hello()).toBe('built over there');
  }, 500_000);

  it('lists backups, shows status and logs, and rolls back', async () => {
    const backups = await hotswap(['backups', '--json']);
    expect(backups.code, backups.stderr).toBe(0);
    expect(JSON.parse(backups.stdout).backups.length).toBeGreaterThan(0);
    const status = await hotswap(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(NAME);
    const logs = await hotswap(['logs', '-n', '5']);
    expect(logs.code, logs.stderr).toBe(0);
    const r = await hotswap(['rollback']);
    expect(r.code, r.stderr).toBe(0);
    expect(await hello()).toBe('hello over ssh'); // the binary before the builder's
  });

  it('follows the logs (logs -f) across a restart', async () => {
    const follow = startCli(['logs', '-f', '-n', '1'], { cwd: repo.dir, env: { ...sshd.env, DOCKER_HOST: sshd.host } });
    try {
      await follow.waitForOutput(/\n/, 20_000); // following now: the last line came
      const before = (follow.stdout().match(/listening on/g) ?? []).length;
      const restarted = await docker(['restart', '-t', '5', NAME]);
      expect(restarted.code, restarted.stderr).toBe(0);
      await follow.waitForOutput(new RegExp(`(listening on[^]*){${before + 1}}`), 30_000); // the new process's line
    } finally {
      await follow.stop();
    }
  });

  it('watch swaps an edit over ssh', async () => {
    const daemon = startCli(['watch'], { cwd: repo.dir, env: { ...sshd.env, DOCKER_HOST: sshd.host } });
    try {
      await daemon.waitForOutput(/watching .* \(pid \d+/, 60_000);
      repo.setMessage('watched over ssh');
      await waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === 'watched over ssh', 60_000);
    } finally {
      await daemon.stop();
    }
  });

  it('an unreachable engine: exit 3, one line naming it and how it was chosen', async () => {
    const closed = `ssh://root@127.0.0.1:${await freePort()}`;
    const r = await hotswap(['swap'], { DOCKER_HOST: closed });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Docker is not reachable at ${closed} (chosen by DOCKER_HOST`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('a docker context naming the ssh engine', () => {
  /** Writes the context as `docker context create gpu --docker host=…` stores it. */
  function writeContext(name: string, host: string) {
    const id = createHash('sha256').update(name).digest('hex');
    const dir = path.join(sshd.home, '.docker', 'contexts', 'meta', id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  }

  it('is used through DOCKER_CONTEXT and as the current context, not the local socket', async () => {
    writeContext('gpu', sshd.host);
    const env = { DOCKER_HOST: '' };
    const viaEnv = await hotswap(['doctor'], { ...env, DOCKER_CONTEXT: 'gpu' });
    expect(viaEnv.stdout).toMatch(new RegExp(`^OK +docker +Docker .* at ${sshd.host.replace(/\./g, '\\.')} \\(from DOCKER_CONTEXT=gpu\\)$`, 'm'));
    fs.writeFileSync(path.join(sshd.home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'gpu' }));
    const current = await hotswap(['doctor'], env);
    expect(current.stdout).toMatch(/^OK +docker +Docker .* at ssh:\S+ \(from current context gpu/m);
    repo.setMessage('hello through a context');
    const r = await hotswap(['swap'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await hello()).toBe('hello through a context');
    expect(await containerSha256(NAME)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a context that does not exist: exit 3 naming it', async () => {
    const r = await hotswap(['swap'], { DOCKER_HOST: '', DOCKER_CONTEXT: 'nope' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('docker context nope (DOCKER_CONTEXT=nope) does not exist');
  });
});
