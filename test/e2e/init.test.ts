/** `hotswap init` on a real repo: what it writes, that the config it writes is valid, and that twice is once. */
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OLLAMA_IMAGE_INPUTS } from '../../src/init/ollama.js';
import { runCli } from '../support/cli.js';
import { RUNTIME_IMAGE, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { freePort } from '../support/ports.js';

let repo: FixtureRepo;
const { version: VERSION, files: PACKAGE_FILES } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; files: string[] };
const MAJOR = VERSION.split('.')[0];
const DEVCONTAINER = `{
  // the dev image
  "image": "mcr.example/go:1",
  /* keep this comment */
  "postStartCommand": "echo hello"
}
`;

beforeAll(async () => {
  repo = await makeFixtureRepo();
  repo.write('Makefile', 'build:\n\tgo build ./...\n');
  repo.write('.devcontainer/devcontainer.json', DEVCONTAINER);
});
afterAll(async () => { await repo.remove(); });

const read = (rel: string) => readFileSync(join(repo.dir, rel), 'utf8');

describe('hotswap init', () => {
  it('writes a valid config with the detected main and version variable, .gitignore, make target and postStart', async () => {
    // Files other developers and dev containers run call the published package at this major, never `npx hotswap`.
    const runner = `npx --yes go-hotswap@${MAJOR}`;
    const r = await runCli(['init', '--makefile', '--devcontainer'], { cwd: repo.dir });
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(read('hotswap.config.json'));
    expect(config).toMatchObject({ main: '.', build: { versionVar: 'github.com/ollama/ollama/version.Version' } });
    // The schema as the published package serves it: a URL valid on every machine, to a file the package holds.
    expect(config.$schema).toBe(`https://unpkg.com/go-hotswap@${MAJOR}/config/hotswap.schema.json`);
    expect(PACKAGE_FILES).toContain(new URL(config.$schema).pathname.replace(/^\/go-hotswap@\d+\//, ''));
    expect(read('.gitignore')).toContain('.hotswap/');
    expect(read('Makefile')).toContain('build:\n\tgo build ./...\n');
    expect(read('Makefile')).toContain(`hot-swap:\n\t${runner} swap --restart --verify\n`);
    const dev = read('.devcontainer/devcontainer.json');
    expect(dev).toContain('// the dev image');
    expect(dev).toContain('/* keep this comment */');
    expect(dev).toContain(`"postStartCommand": "echo hello && ${runner} watch --detach"`);
    for (const file of ['Makefile', '.devcontainer/devcontainer.json']) expect(read(file)).not.toMatch(/npx hotswap/);
    const plan = await runCli(['plan', '--json'], { cwd: repo.dir }); // loads and validates the new config
    expect(plan.code, plan.stderr).toBe(0);
  });

  it('changes nothing the second time', async () => {
    const files = ['hotswap.config.json', '.gitignore', 'Makefile', '.devcontainer/devcontainer.json'];
    const before = files.map(read);
    const r = await runCli(['init', '--makefile', '--devcontainer'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nothing to do: already set up\n');
    expect(files.map(read)).toEqual(before);
  });

  it('creates devcontainer.json when there is none, and refuses a directory outside git', async () => {
    const other = await makeFixtureRepo();
    try {
      expect((await runCli(['init', '--devcontainer'], { cwd: other.dir })).code).toBe(0);
      expect(JSON.parse(readFileSync(join(other.dir, '.devcontainer/devcontainer.json'), 'utf8')))
        .toEqual({ postStartCommand: `npx --yes go-hotswap@${MAJOR} watch --detach` });
    } finally {
      await other.remove();
    }
    const outside = await runCli(['init', '--repo', '/tmp'], { cwd: '/tmp' });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is not inside a git repository');
  });
});

/** The fixture is module github.com/ollama/ollama; a plain Go repo is the same code under another module path. */
const OLLAMA_MODULE = 'github.com/ollama/ollama';
const GO_FILES = ['go.mod', 'main.go', 'cmd/cmd.go', 'server/routes.go', 'version/version.go'];
const CONTAINER = 'hs-test-init';

describe('hotswap init on ollama', () => {
  let ollama: FixtureRepo;
  let plain: FixtureRepo;
  let port: number;
  const config = (r: FixtureRepo) => JSON.parse(r.read('hotswap.config.json'));

  beforeAll(async () => {
    [ollama, plain] = await Promise.all([makeFixtureRepo(), makeFixtureRepo()]);
    for (const file of GO_FILES) plain.write(file, plain.read(file).replaceAll(OLLAMA_MODULE, 'example.com/mini'));
    for (const r of [ollama, plain]) { // as ollama's did in 2026-02
      r.write('Dockerfile', 'FROM golang AS build\nRUN --mount=type=cache,target=/root/.cache/go-build \\\n    go build -tags mlx -trimpath -o /bin/ollama .\n');
    }
    await Promise.all([plain.commit('another module'), ollama.commit('a Dockerfile building with -tags mlx')]);
    port = await freePort();
    await startContainer({ name: CONTAINER, port });
  });
  afterAll(async () => {
    await removeContainer(CONTAINER);
    await Promise.all([ollama.remove(), plain.remove()]);
  });

  it('writes ollama\'s image inputs, its Dockerfile\'s build tags, and the image and docker run settings of the existing container', async () => {
    const r = await runCli(['init', '--container', CONTAINER], { cwd: ollama.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`image ${RUNTIME_IMAGE}`);
    expect(config(ollama).target).toEqual({
      container: CONTAINER, image: RUNTIME_IMAGE,
      create: { network: 'host', ports: [], env: { OLLAMA_HOST: `127.0.0.1:${port}` }, volumes: [], gpus: null, command: null },
    });
    expect(config(ollama).plan.imageInputs).toEqual(OLLAMA_IMAGE_INPUTS.map((i) => i.glob));
    expect(config(ollama).build).toMatchObject({ tags: ['mlx'] });
    expect(config(ollama).build).not.toHaveProperty('builderImage'); // the default follows go.mod's go line
  });

  it('so that swap recreates the container as it was once it is removed', async () => {
    const written = config(ollama);
    const url = `http://127.0.0.1:${port}/`;
    // The test's runtime image has no libc (CGO_ENABLED=0), and its server listens on the test's port.
    const health = { url, versionUrl: `${url}api/version` };
    ollama.write('hotswap.config.json', JSON.stringify({
      ...written, build: { ...written.build, env: { CGO_ENABLED: '0' } }, target: { ...written.target, health },
    }));
    await removeContainer(CONTAINER);
    const r = await runCli(['swap', '--json'], { cwd: ollama.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).outcome).toBe('swapped');
    const served = await fetch(`${url}api/version`).then((res) => res.json());
    expect(served.version).toMatch(/-hotswap\./);
    ollama.write('hotswap.config.json', JSON.stringify(written, null, 2));
  });

  it('and the plan then flags a change to llama-server, ggml-cuda and the presets as an image rebuild', async () => {
    const base = await ollama.commit('hotswap init');
    const changed = ['llama/server/CMakePresets.json', 'llama/compat/llama-ollama-compat.cpp',
      'ml/backend/ggml/ggml/src/ggml-cuda/vendors/hip.h', 'mlx/compat/0001-mlx-c.patch'];
    for (const file of changed) ollama.write(file, '// image only\n');
    await ollama.commit('image inputs only');
    const r = await runCli(['plan', '--from', base, '--to', 'HEAD', '--json'], { cwd: ollama.dir });
    expect(r.code, r.stderr).toBe(0);
    const { plan } = JSON.parse(r.stdout);
    expect(plan.rebuild).toBe(false);
    expect(plan.reason).toMatch(/^image rebuild needed/);
    expect(plan.files.map((f: { path: string; class: string }) => [f.path, f.class]).sort())
      .toEqual(changed.map((path) => [path, 'image']).sort());
  });

  it('writes none of this for another module, even with the container there', async () => {
    const r = await runCli(['init', '--container', CONTAINER], { cwd: plain.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(config(plain)).not.toHaveProperty('plan');
    expect(config(plain).build).toEqual({ versionVar: 'example.com/mini/version.Version' });
    expect(config(plain).target).toEqual({ container: CONTAINER });
  });

  it('refuses a bad container name with exit 2', async () => {
    const r = await runCli(['init', '--container', 'a b'], { cwd: plain.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hotswap: --container "a b": must be a Docker container name/);
  });

  it('without Docker, or with one that never answers, still writes the image inputs, and says why there is no target.image', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => { held.push(socket); }); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port: silentPort } = silent.address() as net.AddressInfo;
    const other = await makeFixtureRepo();
    try {
      for (const [host, why] of [[`unix://${other.dir}/no-docker.sock`, /not reachable/], [`tcp://127.0.0.1:${silentPort}`, /did not answer/]] as const) {
        rmSync(join(other.dir, 'hotswap.config.json'), { force: true });
        const r = await runCli(['init'], { cwd: other.dir, env: { DOCKER_HOST: host }, timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/^hotswap: target\.image not recorded: /m);
        expect(r.stderr).toMatch(why);
        expect(JSON.parse(other.read('hotswap.config.json'))).toMatchObject({ target: { container: 'ollama-gpu' }, plan: {} });
        expect(JSON.parse(other.read('hotswap.config.json')).target).not.toHaveProperty('image');
      }
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
      await other.remove();
    }
  });
});
