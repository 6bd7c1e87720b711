/**
 * README features of the builder container in normal use, through the real CLI on the real engine:
 * `build.hostRepo` (the bind mount names the repo as the engine sees it) and the builder recreated when its
 * image changes (the image re-tagged with another label). The builder image is the test one
 * (scripts/builder-image.sh), committed under a name of this file's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { BUILDER_IMAGE, docker, removeContainer, run, startContainer, TEST_LABEL } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-features-builder';
const BUILDER = 'hs-test-features-build';
const IMAGE = 'hotswap-test/builder-features:latest';
let repo: FixtureRepo;
let port: number;
let hostRepo: string;

const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;

async function dockerOk(...args: string[]): Promise<string> {
  const r = await docker(args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

/** Tags IMAGE as the test builder image plus the label `hs.variant=<variant>`: a new image id, same toolchain. */
async function tagBuilderImage(variant: string): Promise<string> {
  const scratch = await dockerOk('create', '--label', 'hotswap.test=1', BUILDER_IMAGE, 'true');
  try {
    await dockerOk('commit', '--change', `LABEL hs.variant=${variant}`, scratch, IMAGE);
  } finally {
    await removeContainer(scratch);
  }
  return dockerOk('image', 'inspect', '-f', '{{.Id}}', IMAGE);
}

const builder = async () => {
  const [id, image, variant] = (await dockerOk('inspect', '-f', '{{.Id}} {{.Image}} {{index .Config.Labels "hs.variant"}}', BUILDER)).split(' ');
  return { id, image, variant };
};

async function swap(message: string) {
  repo.setMessage(message);
  const result = await runCli(['swap', '--json'], { cwd: repo.dir, timeoutMs: 300_000 });
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout).builder.mode).toBe('container');
  expect(await hello()).toBe(message);
  return result;
}

async function removeBuilder() {
  await removeContainer(BUILDER);
  for (const volume of [`${BUILDER}-gocache`, `${BUILDER}-gomodcache`]) await docker(['volume', 'rm', '-f', volume]);
}

/**
 * The builder's cache volume, made beforehand as a bind of this machine's GOCACHE: the builder image holds
 * this machine's Go, so its builds hit the cache the local builds (and the runtime image's) filled, instead
 * of compiling the standard library cold for minutes. hotswap uses a cache volume it finds as it is.
 */
async function warmCacheVolume() {
  const gocache = (await run('go', ['env', 'GOCACHE'])).stdout.trim();
  expect(gocache).toMatch(/^\//);
  await dockerOk('volume', 'create', '--label', TEST_LABEL, '--driver', 'local',
    '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${gocache}`, `${BUILDER}-gocache`);
}

beforeAll(async () => {
  await removeBuilder();
  await warmCacheVolume();
  repo = await makeFixtureRepo();
  port = await freePort();
  // The repo under another name, as a dev container's repo is known to the host's engine by the host's path.
  hostRepo = path.join(await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hotswap-host-')), 'repo');
  fs.symlinkSync(repo.dir, hostRepo);
  writeTestConfig(repo.dir, {
    container: NAME, port, extra: { build: { mode: 'container', builderImage: IMAGE, builderContainer: BUILDER, hostRepo } },
  });
  await tagBuilderImage('first');
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await removeBuilder();
  await docker(['image', 'rm', '-f', IMAGE]);
  await repo?.remove();
  if (hostRepo) await fs.promises.rm(path.dirname(hostRepo), { recursive: true, force: true });
});

describe('the builder container', () => {
  it('bind-mounts the repo from build.hostRepo, the path the engine knows it by', async () => {
    const { stderr } = await swap('built from hostRepo');
    expect(stderr).toContain(`creating builder container ${BUILDER}`);
    const source = await dockerOk('inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/src"}}{{.Source}}{{end}}{{end}}', BUILDER);
    expect(source).toBe(hostRepo);
  });

  it('is recreated when its image changes, and builds with the new one', async () => {
    const before = await builder();
    expect(before.variant).toBe('first');
    const imageId = await tagBuilderImage('second');
    const { stderr } = await swap('built by the new builder');
    expect(stderr).toContain(`recreating builder ${BUILDER}: its image or source mode changed`);
    const after = await builder();
    expect(after.id).not.toBe(before.id);
    expect(after.image).toBe(imageId);
    expect(after.variant).toBe('second');
  });
});
