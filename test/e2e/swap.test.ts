/**
 * `hotswap swap` against a real engine: each test checks what the container serves over HTTP.
 * One container per file; tests run in order and build on the previous state where that reads naturally.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/docker/docker.js';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { lastLogLine } from '../support/daemon-log.js';
import { containerSha256, declineHasher, docker, dockerExec, ensureRuntimeImage, OPENSSL_IMAGE, removeContainer, startContainer } from '../support/docker.js';
import { hasherName } from '../../src/swap/follow.js';
import { hasherSource } from '../../src/toolchain/hasher-build.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-swap';
let repo: FixtureRepo;
let port: number;
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const version = async () => JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version as string;
const swap = (...args: string[]) => runCli(['swap', ...args], { cwd: repo.dir });
const backupCount = async () =>
  (await dockerExec(NAME, ['sh', '-c', 'ls /tmp | grep -c "^ollama.backup_" || true'])).stdout.trim();

beforeAll(async () => {
  repo = await makeFixtureRepo();
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { keepBackups: 2 } } });
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo.remove();
});

describe('hotswap swap', () => {
  it('rebuilds on the first run even for a docs-only edit: nobody knows what the container holds', async () => {
    repo.write('docs/README.md', 'edited before anything was built\n');
    const result = await swap('--if-changed', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.outcome).toBe('swapped');
    expect(report.plan).toEqual(expect.objectContaining({ rebuild: true, reason: 'nothing built yet', base: null }));
    expect(report.plan).not.toHaveProperty('comparedWith');
    expect(await hello()).toBe('hello v1');
  });

  it('serves the edited code after one swap, stamped with the tree version', async () => {
    expect(await hello()).toBe('hello v1');
    repo.setMessage('hello v2');
    const result = await swap();
    expect(result.stderr).toContain('✓ swapped');
    expect(result.code).toBe(0);
    expect(await hello()).toBe('hello v2');
    expect(await version()).toMatch(/^0\.0\.0-hotswap\.[0-9a-f]{8}$/);
  });

  it('prints one JSON report whose hash is what the container holds', async () => {
    repo.setMessage('hello json');
    repo.write('CMakeLists.txt', 'project(x)\n');
    const result = await swap('--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.outcome).toBe('swapped');
    expect(report.trigger).toBe('manual');
    expect(report.sha256).toBe(await containerSha256(NAME));
    // As root beside a local engine, the host wrote the upload into the container itself, read it back there
    // and installed it, with no exec.
    expect(lastLogLine(repo.dir, 'followed')).toEqual(expect.objectContaining({ followed: false, via: 'host write, read back' }));
    expect(lastLogLine(repo.dir, 'installedBy')).toEqual(expect.objectContaining({ installedBy: 'host' }));
    expect(report.version).toBe(await version());
    expect(report.plan.rebuild).toBe(true);
    expect(report.plan.files).toContainEqual(expect.objectContaining({ path: 'server/message.go', class: 'binary' }));
    for (const phase of ['detect', 'plan', 'build', 'copy', 'verify', 'restart', 'health']) {
      expect(report.phases[phase], phase).toBeTypeOf('number');
    }
    expect(report.totalMs).toBeGreaterThan(0);
    expect(report.warnings).toContain('the image is stale: rebuild it for CMakeLists.txt');
    expect(await hello()).toBe('hello json');
  });

  it('keeps only target.keepBackups backups besides the original, and every one with --keep-backup', async () => {
    // Four swaps so far: the image's original binary (never pruned) and the newest two of the rest.
    expect(await backupCount()).toBe('3');
    repo.setMessage('hello kept');
    expect((await swap('--keep-backup')).code).toBe(0);
    expect(await backupCount()).toBe('4');
    expect((await runCli(['backups', '--json'], { cwd: repo.dir })).stdout).toContain('/tmp/ollama.backup_');
  });

  it('restores the newest backup with `hotswap rollback`', async () => {
    const result = await runCli(['rollback'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(await hello()).toBe('hello json');
  });

  it('rolls back a binary that panics at start, and the old code keeps serving', async () => {
    const before = await containerSha256(NAME);
    repo.write('main.go', repo.read('main.go').replace('func main() {', 'func main() {\n\tpanic("boom at start")'));
    const result = await swap('--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).outcome).toBe('rolled-back');
    expect(result.stderr).toContain('boom at start');
    expect(result.stderr).toMatch(/rolled back .* exited with code/);
    expect(await hello()).toBe('hello json');
    expect(await containerSha256(NAME)).toBe(before);
    repo.write('main.go', repo.read('main.go').replace('\n\tpanic("boom at start")', ''));
  });

  it('detects a hash mismatch in the container and does not go live, leaving neither the upload nor the readied backup', async () => {
    const before = await containerSha256(NAME);
    // A container whose sha256sum lies stands in for a corrupted copy (checked after the upload: no hasher, and
    // no host write, whose read-back of the real bytes would vouch for them).
    writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { keepBackups: 2, writeFromHost: false } } });
    await declineHasher(NAME);
    // (/usr/local/bin comes first on PATH; busybox's shell would still use its own applet inside scripts.)
    const lie = 'mkdir -p /usr/local/bin; printf \'#!/bin/sh\\necho 0000000000000000000000000000000000000000000000000000000000000000  "$1"\\n\' > /usr/local/bin/sha256sum; chmod 755 /usr/local/bin/sha256sum';
    expect((await dockerExec(NAME, ['sh', '-c', lie])).code).toBe(0);
    repo.setMessage('hello never');
    const result = await swap();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('sha256 mismatch');
    expect(result.stderr).toContain('the binary was not replaced');
    expect(await hello()).toBe('hello json');
    expect((await dockerExec(NAME, ['busybox', 'sha256sum', '/usr/bin/ollama'])).stdout).toContain(before);
    const left = await dockerExec(NAME, ['ls', '-a', '/usr/bin', '/tmp']);
    expect(left.stdout).toContain('ollama');
    expect(left.stdout).not.toMatch(/hotswap-new|backup-partial/);
    writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { keepBackups: 2 } } });
  });

  it('starts a missing container from its image, then swaps into it', async () => {
    await removeContainer(NAME);
    repo.setMessage('hello fresh');
    const result = await swap();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`creating ${NAME}`);
    expect(await hello()).toBe('hello fresh');
    const inspect = await docker(['inspect', '-f', '{{.HostConfig.NetworkMode}}', NAME]);
    expect(inspect.stdout.trim()).toBe('host');
  });

  it('shows the container, the served hash and the last runs in `status --json`', async () => {
    const result = await runCli(['status', '--json'], { cwd: repo.dir });
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.container).toMatchObject({ name: NAME, running: true, sha256: await containerSha256(NAME) });
    expect(status.lastBuilt.sha256).toBe(status.container.sha256);
    expect(status.daemon).toEqual({ running: false, pid: null });
    expect(status.runs.map((r: { outcome: string }) => r.outcome)).toEqual(
      // The corrupt copy is refused before the rename: failed, with nothing to roll back.
      ['swapped', 'swapped', 'swapped', 'swapped', 'rolled-back', 'rolled-back', 'failed', 'swapped']);
  });

  it('prints the new container logs after a swap, and nothing but errors with --quiet', async () => {
    repo.setMessage('hello logs');
    const loud = await swap();
    expect(loud.stderr).toMatch(/listening on 127\.0\.0\.1:\d+ \(version 0\.0\.0-hotswap/);
    repo.setMessage('hello quiet');
    const quiet = await swap('--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(await hello()).toBe('hello quiet');
  });

  it('rolls a first swap into a created container back to the image\'s binary while the new one runs unhealthy', async () => {
    // The archive write into a created container leaves the upload's temp name as a hard link to the binary
    // it starts: the restore must not write through it (it did: "Text file busy", and no rollback).
    await removeContainer(NAME);
    const main = repo.read('main.go');
    repo.write('main.go', main.replace('import (', 'import (\n\t"time"').replace('func main() {', 'func main() {\n\ttime.Sleep(time.Hour)'));
    writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { keepBackups: 2, health: { timeoutMs: 2000 } } } });
    const result = await swap('--json');
    expect(result.code, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout).outcome).toBe('rolled-back');
    const original = (await dockerExec(NAME, ['sh', '-c', 'ls /tmp/ollama.backup_*.original'])).stdout.trim();
    expect(await containerSha256(NAME)).toBe(/_([0-9a-f]{64})\.original$/.exec(original)?.[1]);
    expect((await getText(`http://127.0.0.1:${port}/api/version`)).status).toBe(200);
    expect((await dockerExec(NAME, ['ls', '-a', '/usr/bin', '/tmp'])).stdout).not.toMatch(/hotswap-new|backup-partial/);
    repo.write('main.go', main);
    writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { keepBackups: 2 } } });
    repo.setMessage('hello after the rollback');
    expect((await swap()).code).toBe(0);
    expect(await hello()).toBe('hello after the rollback');
  });

  it('streams a file from disk into the container whole; an upload the engine refuses rejects with one line', async () => {
    const binary = path.join(repo.dir, 'streamed.bin');
    const content = randomBytes(16 * 2 ** 20); // 16 reads of 1 MiB
    fs.writeFileSync(binary, content);
    const container = connectDocker().container(NAME);
    await container.putFile('/tmp', 'streamed', binary, 0o755);
    const sha = createHash('sha256').update(content).digest('hex');
    expect(await containerSha256(NAME, '/tmp/streamed')).toBe(sha);
    await expect(container.putFile('/no/such/dir', 'streamed', binary, 0o755)).rejects.toThrow(`copying streamed into ${NAME}:/no/such/dir`);
  });
});

describe('hotswap swap into an image with openssl (as ollama\'s Ubuntu image has)', () => {
  const OSSL = 'hs-test-swap-openssl';
  let ossl: FixtureRepo;
  let osslPort: number;
  const served = async () => (await getText(`http://127.0.0.1:${osslPort}/api/hello`)).body;
  /** Swaps `message` in: exit 0, the report's hash is what the container holds, and the new code serves. */
  const swapServes = async (message: string) => {
    ossl.setMessage(message);
    const result = await runCli(['swap', '--json'], { cwd: ossl.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).sha256).toBe(await containerSha256(OSSL));
    expect(await served()).toBe(message);
  };
  /** The log line saying how the last swap's upload was checked. */
  const lastLine = (key: string) => lastLogLine(ossl.dir, key);
  const lastCheck = () => lastLine('followed');
  /** Puts an `openssl` first on PATH that runs `body` (sh) instead of the real one. */
  const fakeOpenssl = async (body: string) => {
    const script = `mkdir -p /usr/local/bin; printf '#!/bin/sh\\n%s\\n' '${body}' > /usr/local/bin/openssl; chmod 755 /usr/local/bin/openssl`;
    expect((await dockerExec(OSSL, ['sh', '-c', script])).code).toBe(0);
  };

  beforeAll(async () => {
    await ensureRuntimeImage('openssl');
    ossl = await makeFixtureRepo();
    osslPort = await freePort();
    // The engine's ways and hotswap-hasher, as on an engine the host cannot write into (as root on a local engine it writes itself).
    writeTestConfig(ossl.dir, { container: OSSL, port: osslPort, image: OPENSSL_IMAGE, extra: { target: { writeFromHost: false } } });
    await startContainer({ name: OSSL, port: osslPort, image: OPENSSL_IMAGE });
    // An older hotswap's hasher, which the first upload of this one removes.
    expect((await dockerExec(OSSL, ['sh', '-c', 'echo old > /usr/bin/.hotswap-hasher-000000000000'])).code).toBe(0);
  });

  afterAll(async () => {
    await removeContainer(OSSL);
    await ossl.remove();
  });

  it('swaps and verifies with openssl: the report\'s hash is what the container holds', async () => {
    await swapServes('hello openssl');
  });

  it('hashes the upload in the container as it is written once hotswap-hasher is there (the swap before put it there)', async () => {
    const tool = `/usr/bin/${hasherName(hasherSource()!.version)}`;
    expect((await dockerExec(OSSL, ['sh', '-c', 'ls -d /usr/bin/.hotswap-hasher-*'])).stdout.trim()).toBe(tool);
    expect((await dockerExec(OSSL, ['test', '-x', tool])).code).toBe(0);
    await swapServes('hello followed');
    // The fixture's binary is small: it went through the tool's own stdin, not the archive API.
    expect(lastCheck()).toEqual(expect.objectContaining({ followed: true, via: 'hasher stdin', msg: 'upload hashed in the container as it was written' }));
    // The host's hash of the artifact did not hold the upload back: the swap awaited it only once the bytes were in.
    expect(lastLine('hostHash')).toEqual(expect.objectContaining({
      hostHash: expect.stringMatching(/^(beside|before) the upload$/), msg: 'the artifact\'s sha256 was awaited once the upload was in',
    }));
  });

  it('uploads through the archive API and hashes after when hotswap-hasher takes the bytes and fails', async () => {
    const tool = `/usr/bin/${hasherName(hasherSource()!.version)}`;
    const failing = `cp ${tool} /tmp/real-hasher && printf '#!/bin/sh\\nread -r ask\\necho ready\\ncat > /dev/null\\nexit 1\\n' > ${tool}`;
    expect((await dockerExec(OSSL, ['sh', '-c', failing])).code).toBe(0);
    await swapServes('hello archive');
    expect(lastCheck()).toEqual(expect.objectContaining({ followed: false, via: 'archive' }));
    expect((await dockerExec(OSSL, ['sh', '-c', `mv /tmp/real-hasher ${tool}`])).code).toBe(0);
  });

  it('checks the upload with openssl before sha256sum: a lying openssl stops the swap', async () => {
    await declineHasher(OSSL);
    await fakeOpenssl('echo 0000000000000000000000000000000000000000000000000000000000000000 \\*stdin');
    ossl.setMessage('hello never');
    const result = await runCli(['swap'], { cwd: ossl.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('sha256 mismatch');
    expect(await served()).toBe('hello archive');
  });

  it('falls back to sha256sum when openssl fails', async () => {
    await fakeOpenssl('exit 1');
    await swapServes('hello fallback');
  });
});
