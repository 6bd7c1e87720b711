/** `hotswap doctor` on a healthy set-up and on a broken one, against the real engine. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { containerSha256, ENGINE_HOST, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-doctor';
let repo: FixtureRepo;
let port: number;
/** The line of one check: status (4 wide), a space, the name padded to 14. */
const line = (out: string, name: string) => out.split('\n').find((l) => l.slice(5, 19).trim() === name) ?? '';

beforeAll(async () => {
  repo = await makeFixtureRepo();
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { builderImage: 'hotswap-test/builder:latest' } } });
  await startContainer({ name: NAME, port });
});
afterAll(async () => {
  await removeContainer(NAME);
  await repo.remove();
});

describe('hotswap doctor', () => {
  it("asks go its version once, then again only when PATH's go is another binary", async () => {
    const bin = mkdtempSync(join(tmpdir(), 'hotswap-go-'));
    const calls = join(bin, 'calls');
    const realGo = execFileSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).trim();
    // A go that counts its `go version` calls and answers `version`; everything else is the real go.
    const writeGo = (version: string) => writeFileSync(join(bin, 'go'),
      `#!/bin/sh\nif [ "$1" = version ]; then echo >> '${calls}'; echo "go version go${version} linux/amd64"; exit 0; fi\nexec '${realGo}' "$@"\n`, { mode: 0o755 });
    const doctor = async () => (await runCli(['doctor'], { cwd: repo.dir, env: { PATH: `${bin}:${process.env.PATH}` } })).stdout;
    const asked = () => readFileSync(calls, 'utf8').length;
    try {
      writeGo('1.99.1');
      for (const out of [await doctor(), await doctor()]) expect(line(out, 'go')).toMatch(/^OK +go +Go 1\.99\.1 /);
      expect(asked()).toBe(1); // the second run read .hotswap/go-version.json
      writeGo('1.99.22'); // another binary: its size and mtime differ
      expect(line(await doctor(), 'go')).toMatch(/^OK +go +Go 1\.99\.22 /);
      expect(asked()).toBe(2);
      // go.mod's go and toolchain lines can make the same binary run another toolchain (GOTOOLCHAIN=auto): a
      // changed line is asked again (here one that needs no other toolchain: nothing is downloaded).
      const gomod = repo.read('go.mod');
      repo.write('go.mod', gomod.replace(/^go 1\.19$/m, 'go 1.19.0'));
      await doctor();
      expect(asked()).toBe(3);
      repo.write('go.mod', gomod);
      expect(line(await runCli(['doctor'], { cwd: repo.dir }).then((r) => r.stdout), 'go')).not.toContain('1.99.22'); // the real go again
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('passes on a healthy machine, one line per check', async () => {
    const r = await runCli(['doctor'], { cwd: repo.dir });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    for (const name of ['git', 'go', 'reproducible', 'docker', 'container', 'upload', 'image', 'builder image', 'notifications', 'inotify', 'file events']) {
      expect(line(r.stdout, name), name).toMatch(/^(OK|WARN)/);
    }
    expect(line(r.stdout, 'container')).toMatch(/^OK .*is running/);
    // Root beside a local engine: the host writes the upload itself.
    expect(line(r.stdout, 'upload')).toMatch(/^OK +upload +written and installed by the host, no exec: \S+:\/usr\/bin \(\/proc\/\d+\/root\)$/);
    // CI leaves DOCKER_HOST unset: then the engine is the default socket, and doctor says so.
    const via = process.env.DOCKER_HOST ? 'DOCKER_HOST' : 'the default socket';
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(line(r.stdout, 'docker')).toMatch(new RegExp(`^OK +docker +Docker \\d+\\.\\d+\\S* \\(API [\\d.]+\\) at ${escaped(ENGINE_HOST)} \\(from ${via}\\)$`));
  });

  it("names the builder image go.mod's go line asks for, and the exact pull when it is missing", async () => {
    const gomod = repo.read('go.mod');
    repo.write('go.mod', gomod.replace(/^go .*$/m, 'go 1.26.0'));
    writeTestConfig(repo.dir, { container: NAME, port: 1 });
    try {
      const r = await runCli(['doctor'], { cwd: repo.dir });
      expect(line(r.stdout, 'builder image')).toMatch(/^WARN builder image +golang:1\.26-bookworm \(go\.mod's go 1\.26\.0\) is not present → docker pull golang:1\.26-bookworm /);
    } finally {
      repo.write('go.mod', gomod);
      writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { builderImage: 'hotswap-test/builder:latest' } } });
    }
  });

  it('fails when go.mod asks for a Go that neither this host nor any present image has; swap exits 3 with the fix', async () => {
    const gomod = repo.read('go.mod');
    repo.write('go.mod', gomod.replace(/^go .*$/m, 'go 1.99'));
    writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { mode: 'auto' } } });
    try {
      const r = await runCli(['doctor'], { cwd: repo.dir });
      expect(r.code).toBe(1);
      expect(line(r.stdout, 'go')).toMatch(/^WARN .*older than go\.mod's go 1\.99/);
      expect(line(r.stdout, 'builder image')).toMatch(/^FAIL builder image +golang:1\.99-bookworm \(go\.mod's go 1\.99\) is not present, and no other builder can build this repo → docker pull golang:1\.99-bookworm$/);
      const served = await containerSha256(NAME);
      const swap = await runCli(['swap'], { cwd: repo.dir });
      expect(swap.code, swap.stderr).toBe(3);
      expect(swap.stderr).toMatch(/^hotswap: failed \(build\): no builder can build this repo: the local Go [\d.]+ is older than go\.mod's go 1\.99, and builder image golang:1\.99-bookworm \(go\.mod's go 1\.99\) is not present on this Docker engine/m);
      expect(swap.stderr).toContain('docker pull golang:1.99-bookworm');
      expect(swap.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(await containerSha256(NAME)).toBe(served); // the container was not touched
    } finally {
      repo.write('go.mod', gomod);
      writeTestConfig(repo.dir, { container: NAME, port, extra: { build: { builderImage: 'hotswap-test/builder:latest' } } });
    }
  });

  it('fails with the fix on a broken one: no git repo, no Docker, an engine over plain TCP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotswap-doctor-'));
    try {
      writeTestConfig(dir, { container: NAME, port: 1, extra: { build: { flags: ['-ldflags=-s'] } } });
      const r = await runCli(['doctor'], { cwd: dir, env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } });
      expect(r.code).toBe(1);
      expect(line(r.stdout, 'git')).toMatch(/^FAIL .*not inside a git repository → .*git init/);
      expect(line(r.stdout, 'docker host')).toMatch(/^WARN .*plain TCP/);
      expect(line(r.stdout, 'docker')).toMatch(/^FAIL .*not reachable .* → start the Docker engine/);
      expect(line(r.stdout, 'reproducible')).toMatch(/^WARN .*hash always differs.*→ add both/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
