/**
 * The container, artifact and auto builders against a real engine, with the test builder image
 * (scripts/builder-image.sh: this machine's Go toolchain). Each test checks what the container serves.
 * Tests run in order: the builder container made by the first is reused, removed and recreated later.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { BUILDER_IMAGE, docker, dockerExec, removeContainer, run, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { pathWithOldGo, type OldGoPath } from '../support/old-go.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-builders';
const BUILDER = 'hs-test-builder';
const VOLUMES = [`${BUILDER}-gocache`, `${BUILDER}-gomodcache`];
let repo: FixtureRepo;
let port: number;
let noGoPath: string;
let oldGo: OldGoPath | null = null;
const timings: Record<string, number> = {};

const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const version = async () => JSON.parse((await getText(`http://127.0.0.1:${port}/api/version`)).body).version as string;
const swapJson = async (env?: Record<string, string>) => {
  const result = await runCli(['swap', '--json'], { cwd: repo.dir, env, timeoutMs: 300_000 });
  return { ...result, report: result.stdout ? JSON.parse(result.stdout) : null };
};
const configure = (build: Record<string, unknown>) => writeTestConfig(repo.dir, {
  container: NAME, port, extra: { build: { builderImage: BUILDER_IMAGE, builderContainer: BUILDER, ...build } },
});
const exists = async (kind: 'container' | 'volume', name: string) => (await docker([kind, 'inspect', name])).code === 0;

async function removeBuilderLeftovers() {
  await removeContainer(BUILDER);
  for (const v of VOLUMES) await docker(['volume', 'rm', '-f', v]);
  const tags = (await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', 'hotswap-artifact'])).stdout.split(/\s+/).filter(Boolean);
  if (tags.length) await docker(['image', 'rm', '-f', ...tags]);
  // Stage-one images of the artifact builds inherit the builder image's hotswap.test label.
  await docker(['image', 'prune', '-f', '--filter', 'label=hotswap.test=1']);
}

/** A PATH with node, git and docker but no go: the host "has no Go toolchain". */
async function pathWithoutGo(): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hotswap-nogo-'));
  for (const tool of ['git', 'docker']) {
    const where = (await run('sh', ['-c', `command -v ${tool}`])).stdout.trim();
    fs.symlinkSync(where, path.join(dir, tool));
  }
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  return dir;
}

const DOCKERFILE = (stamp: boolean, step = 'RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$HOTSWAP_LDFLAGS" -o /ollama-dev .') => [
  `FROM ${BUILDER_IMAGE}`,
  ...(stamp ? ['ARG HOTSWAP_LDFLAGS'] : []),
  'COPY . /src',
  'WORKDIR /src',
  stamp ? step : step.replace('"$HOTSWAP_LDFLAGS"', '"-w -s"'),
  '',
  'FROM scratch AS bin',
  'COPY --from=0 /ollama-dev /ollama-dev',
  '',
  // Never built when build.target is 'bin': it would fail.
  'FROM scratch AS unused',
  'COPY --from=0 /no-such-file /x',
  '',
].join('\n');

beforeAll(async () => {
  await removeBuilderLeftovers();
  repo = await makeFixtureRepo();
  port = await freePort();
  noGoPath = await pathWithoutGo();
  oldGo = await pathWithOldGo();
  configure({ mode: 'container' });
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  console.log('builder timings (ms):', JSON.stringify(timings));
  await removeContainer(NAME);
  if (process.env.HOTSWAP_TEST_KEEP !== '1') await removeBuilderLeftovers();
  await repo?.remove();
  if (noGoPath) await fs.promises.rm(noGoPath, { recursive: true, force: true });
  await oldGo?.remove();
});

describe('the builder container', () => {
  it('builds in a new builder container and the target serves the new code', async () => {
    repo.setMessage('hello container');
    const { code, stderr, report } = await swapJson();
    expect(code, stderr).toBe(0);
    expect(report.builder.mode).toBe('container');
    expect(stderr).toContain(`creating builder container ${BUILDER}`);
    expect(await hello()).toBe('hello container');
    expect(await version()).toMatch(/^0\.0\.0-hotswap\.[0-9a-f]{8}$/);
    timings.containerCold = report.phases.build;
  });

  it('keeps the builder container and its cache volumes for the next build', async () => {
    repo.setMessage('hello warm');
    const { code, stderr, report } = await swapJson();
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('creating builder container');
    expect(await hello()).toBe('hello warm');
    expect(await exists('container', BUILDER)).toBe(true);
    for (const v of VOLUMES) expect(await exists('volume', v), v).toBe(true);
    timings.containerWarm = report.phases.build;
  });

  it('gives the same bytes as a local build of the same tree (-trimpath, same Go)', async () => {
    const inContainer = await swapJson();
    expect(inContainer.code, inContainer.stderr).toBe(0);
    // A flag, not a config edit: the config file is part of the tree, and so of the stamped version.
    const result = await runCli(['swap', '--json', '--builder', 'local'], { cwd: repo.dir, timeoutMs: 300_000 });
    const local = { ...result, report: JSON.parse(result.stdout) };
    expect(local.code, local.stderr).toBe(0);
    expect(local.report.builder.mode).toBe('local');
    expect(local.report.version).toBe(inContainer.report.version);
    expect(local.report.sha256).toBe(inContainer.report.sha256);
  });

  it('recreates a removed builder container, and its cache volume survives', async () => {
    expect((await dockerExec(BUILDER, ['touch', '/hotswap/gocache/hotswap-test-marker'])).code).toBe(0);
    await removeContainer(BUILDER);
    repo.setMessage('hello recreated');
    const { code, stderr, report } = await swapJson();
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`creating builder container ${BUILDER}`);
    expect(await hello()).toBe('hello recreated');
    expect((await dockerExec(BUILDER, ['cat', '/hotswap/gocache/hotswap-test-marker'])).code).toBe(0);
    timings.containerRecreated = report.phases.build;
  });

  it('syncs the source in sync mode, deleted files included', async () => {
    configure({ mode: 'container', sync: true });
    repo.setMessage('hello synced');
    const first = await swapJson();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/synced \d+ file\(s\)/);
    expect(await hello()).toBe('hello synced');
    // A second declaration of Message breaks the build while the file is in the container.
    repo.write('server/extra.go', 'package server\n\nconst Message = "duplicate"\n');
    const broken = await swapJson();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('Message redeclared');
    fs.rmSync(path.join(repo.dir, 'server/extra.go'));
    repo.setMessage('hello after delete');
    const fixed = await swapJson();
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/removed 1/);
    expect(await hello()).toBe('hello after delete');
    expect((await dockerExec(BUILDER, ['ls', '/src/server/extra.go'])).code).not.toBe(0);
  });
});

describe('the artifact builder', () => {
  it('builds the target stage of Dockerfile.dev without .dockerignore\'d files, and the target serves it stamped', async () => {
    repo.write('Dockerfile.dev', DOCKERFILE(true));
    // .dockerignore is honoured: the broken file never reaches the build.
    repo.write('.dockerignore', '# test\nserver/ignored_broken.go\n');
    repo.write('server/ignored_broken.go', 'package server\n\nthis does not compile\n');
    configure({ mode: 'artifact', target: 'bin' });
    repo.setMessage('hello artifact');
    const { code, stderr, report } = await swapJson();
    fs.rmSync(path.join(repo.dir, 'server/ignored_broken.go'));
    expect(code, stderr).toBe(0);
    expect(report.builder.mode).toBe('artifact');
    expect(await hello()).toBe('hello artifact');
    const served = await version();
    expect(served).toBe(report.version);
    const tags = (await docker(['image', 'ls', '--format', '{{.Tag}}', 'hotswap-artifact'])).stdout.split(/\s+/).filter(Boolean);
    expect(tags).toEqual([served.split('hotswap.')[1]]);
    timings.artifact = report.phases.build;
  });

  it('fails with exit 1 and the failing step\'s error', async () => {
    repo.write('Dockerfile.dev', DOCKERFILE(true, 'RUN echo "hotswap-step-exploded" >&2 && exit 3'));
    repo.setMessage('hello never');
    const { code, stderr } = await swapJson();
    expect(code).toBe(1);
    expect(stderr).toContain('hotswap-step-exploded');
    expect(stderr).toContain('returned a non-zero code: 3');
    expect(await hello()).toBe('hello artifact');
  });

  it('swaps an unstamped binary with a warning when the Dockerfile takes no HOTSWAP_LDFLAGS', async () => {
    repo.write('Dockerfile.dev', DOCKERFILE(false));
    repo.setMessage('hello unstamped');
    const { code, stderr, report } = await swapJson();
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('declares no ARG HOTSWAP_LDFLAGS');
    expect(await hello()).toBe('hello unstamped');
    expect(await version()).toBe('0.0.0');
    // The tag of the earlier tree is pruned: one hotswap-artifact image per machine, not one per build.
    const tags = (await docker(['image', 'ls', '--format', '{{.Tag}}', 'hotswap-artifact'])).stdout.split(/\s+/).filter(Boolean);
    expect(tags).toEqual([report.version.split('hotswap.')[1]]);
  });
});

describe('the auto builder', () => {
  it('uses the builder container when `go` is not on PATH, and says why', async () => {
    configure({ mode: 'auto' });
    repo.setMessage('hello no go');
    const { code, stderr, report } = await swapJson({ PATH: noGoPath });
    expect(code, stderr).toBe(0);
    expect(report.builder.mode).toBe('container');
    expect(report.builder.reason).toContain('`go` is not on PATH');
    expect(stderr).toContain('`go` is not on PATH');
    expect(await hello()).toBe('hello no go');
    const status = await runCli(['status'], { cwd: repo.dir });
    expect(status.stdout).toContain('builder    container: auto: `go` is not on PATH');
  });

  it('uses the builder container when the local Go is older than go.mod asks, and says why', async () => {
    const gomod = repo.read('go.mod');
    repo.write('go.mod', gomod.replace(/^go .*$/m, 'go 1.22'));
    repo.setMessage('hello newer go');
    try {
      const { code, stderr, report } = await swapJson({ PATH: oldGo!.path });
      expect(code, stderr).toBe(0);
      expect(report.builder.mode).toBe('container');
      expect(report.builder.reason).toMatch(/local Go 1\.21\.0 is older than go\.mod's go 1\.22/);
      expect(await hello()).toBe('hello newer go');
      // The plan says once, on the terminal and in the log, that it could not ask go list.
      const notUsed = /go list not used: the local Go 1\.21\.0 is older than go\.mod's go 1\.22; planning with hotswap's own Go parser/g;
      expect(stderr.match(notUsed), stderr).toHaveLength(1);
      expect(repo.read('.hotswap/hotswap.log').match(notUsed)).toHaveLength(1);
    } finally {
      repo.write('go.mod', gomod);
    }
  });

  it('does not fall back for a compile error in the code: exit 1 with the local compiler output', async () => {
    const served = await hello();
    repo.write('server/broken.go', 'package server\n\nfunc Broken() int { return "not an int" }\n');
    const { code, stderr, report } = await swapJson();
    expect(code).toBe(1);
    expect(report.error.details).toContain('server/broken.go');
    expect(stderr).not.toContain('builder container');
    expect(await hello()).toBe(served); // the container was not touched
    fs.rmSync(path.join(repo.dir, 'server/broken.go'));
  });
});
