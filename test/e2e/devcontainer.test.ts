/**
 * The postStart scenario, for real: the packed package installed and run inside a dev container whose PID 1 is
 * `sleep infinity` (it never reaps an orphan), with the Docker socket mounted and the repo at another path than
 * on the host. `watch --detach` starts, a host edit is served, `stop` returns once the daemon has exited (a
 * zombie there), and a second `watch --detach` starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestConfig } from '../support/config.js';
import { BUILDER_IMAGE, docker, ENGINE_SOCKET, ensureBuilderImage, removeContainer, run, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { waitForText } from '../support/http.js';
import { REPO_ROOT } from '../support/paths.js';
import { freePort } from '../support/ports.js';

const IMAGE = 'hotswap-test/devcontainer:latest';
const DEV = 'hs-test-devcontainer';
const TARGET = 'hs-test-devc-target';
const BUILDER = 'hs-test-devc-build';
const WORKSPACE = '/workspace/repo';
const SOCKET = ENGINE_SOCKET;

let work: string;
let repo: FixtureRepo;
let port: number;

/** `hotswap …` inside the dev container, in the repo, as its postStartCommand runs. */
const inDev = (args: string[], timeoutMs = 180_000) => docker(['exec', '-w', WORKSPACE, DEV, 'hotswap', ...args], timeoutMs);

beforeAll(async () => {
  const built = await run('bash', [path.join(REPO_ROOT, 'scripts', 'devcontainer-image.sh'), IMAGE], { timeoutMs: 300_000 });
  expect(built.code, built.stderr).toBe(0);
  await ensureBuilderImage();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-devc-'));
  const prefix = path.join(work, 'prefix');
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT });
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = path.join(work, (JSON.parse(packed.stdout) as [{ filename: string }])[0].filename);
  const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { timeoutMs: 300_000 });
  expect(installed.code, installed.stderr).toBe(0);
  repo = await makeFixtureRepo();
  port = await freePort();
  // The builder container is started by the engine, which sees the repo at its host path: build.hostRepo.
  writeTestConfig(repo.dir, {
    container: TARGET, port,
    extra: { build: { mode: 'container', builderImage: BUILDER_IMAGE, builderContainer: BUILDER, hostRepo: repo.dir } },
  });
  await startContainer({ name: TARGET, port });
  await removeContainer(DEV);
  const started = await docker(['run', '-d', '--name', DEV, '--network', 'host', '--label', 'hotswap.test=1',
    '-v', `${SOCKET}:/var/run/docker.sock`, '-e', 'DOCKER_HOST=unix:///var/run/docker.sock',
    '-v', `${repo.dir}:${WORKSPACE}`, '-v', `${prefix}:/opt/hotswap:ro`, '-e', 'PATH=/opt/hotswap/bin:/usr/local/bin:/usr/bin:/bin',
    IMAGE]);
  expect(started.code, started.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  await removeContainer(DEV);
  await removeContainer(TARGET);
  await removeContainer(BUILDER);
  await repo?.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('in a dev container whose PID 1 never reaps', () => {
  it('watch --detach serves a host edit; stop returns once the daemon exited; watch --detach starts again', async () => {
    const first = await inDev(['watch', '--detach']);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    repo.setMessage('edited on the host');
    await waitForText(`http://127.0.0.1:${port}/api/hello`, (body) => body === 'edited on the host', 120_000);

    const stopStart = Date.now();
    const stop = await inDev(['stop'], 10_000);
    console.info(`[devcontainer] stop returned in ${Date.now() - stopStart} ms: ${stop.stderr.trim()}`);
    expect(stop.signal, 'stop did not finish within 10 s').toBeFalsy();
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(/stopped hotswap watch \(pid \d+\)/);

    const second = await inDev(['watch', '--detach']);
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.stderr).not.toMatch(/already running/);
    const stopAgain = await inDev(['stop'], 10_000);
    expect(stopAgain.code, stopAgain.stderr).toBe(0);
  });
});
