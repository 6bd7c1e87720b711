/**
 * The builder container: `go build` inside a long-lived container (`sleep infinity`) with named cache
 * volumes, so builds are incremental. The source is bind-mounted at /src, or synced in (sync mode).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import type { BuildConfig } from '../config/types.js';
import { builderImageFor } from '../config/resolve.js';
import { environmentError, operationError, usageError } from '../errors.js';
import type { BuilderEngine } from '../docker/builder-client.js';
import type { Progress } from '../ui/progress.js';
import type { Artifact, Builder, BuildRequest } from './builder.js';
import { BUILDER_LABEL, builderAction, SOURCE_LABEL } from './builder-state.js';
import { useSync } from './choose.js';
import { engineEndpoint } from '../docker/engine-config.js';
import { goBuildSpec } from './go-build.js';
import { builtFile } from './hash.js';
import { chunks, readHeld, saveHeld, scanWorkTree, syncDelta } from './sync.js';
import { packTree } from './tar-pack.js';

const SRC = '/src';
/** Exported revisions copied into a builder that has no bind mount (sync mode). */
const TREES = '/hotswap-trees';
const OUT_DIR = '/tmp/hotswap-out';
const CACHE_ENV = { GOCACHE: '/hotswap/gocache', GOMODCACHE: '/hotswap/gomodcache' };

function builderSpec(build: BuildConfig, repo: string, sync: boolean) {
  const name = build.builderContainer;
  return {
    name, image: build.builderImage, env: CACHE_ENV, command: ['sleep', 'infinity'],
    labels: { [SOURCE_LABEL]: sync ? 'sync' : 'bind', [BUILDER_LABEL]: name },
    volumes: { [`${name}-gocache`]: CACHE_ENV.GOCACHE, [`${name}-gomodcache`]: CACHE_ENV.GOMODCACHE },
    // hostRepo: the repo's path as the engine sees it (a dev container talking to the host's dockerd).
    binds: sync ? {} : { [build.hostRepo ?? repo]: SRC },
  };
}

/** Creates, recreates (its image changed) or starts the builder; returns its container id. */
async function ensureBuilder(engine: BuilderEngine, build: BuildConfig, repo: string, sync: boolean, progress: Progress) {
  const name = build.builderContainer;
  const imageId = await engine.imageId(build.builderImage);
  if (!imageId) {
    throw environmentError(`builder image ${build.builderImage} (${build.builderImageWhy}) is not present on this Docker engine`, {
      hint: `docker pull ${build.builderImage}, or set build.builderImage to an image you have, or use --builder local`, phase: 'build',
    });
  }
  const action = builderAction(await engine.builderState(name), imageId, sync ? 'sync' : 'bind');
  if (action === 'foreign') {
    throw usageError(`container ${name} exists and is not hotswap's builder (it has no ${BUILDER_LABEL} label): hotswap will not remove or use it`, {
      hint: 'set build.builderContainer to another name, or rename that container', phase: 'build',
    });
  }
  if (action === 'recreate') {
    progress.info(`recreating builder ${name}: its image or source mode changed (cache volumes are kept)`);
    await engine.remove(name);
  }
  if (action === 'create' || action === 'recreate') {
    if (action === 'create') progress.info(`creating builder container ${name} from ${build.builderImage}`);
    await engine.createBuilder(builderSpec(build, repo, sync));
  }
  if (action !== 'ready') await engine.start(name);
  const state = await engine.builderState(name);
  if (!state?.running) throw operationError(`builder ${name} stopped right after it was started`, { phase: 'build' });
  return state.id;
}

/** Runs argv in the builder; a non-zero exit throws with its output. */
async function execOk(engine: BuilderEngine, name: string, argv: string[], what: string) {
  let output = '';
  const code = await engine.exec(name, { argv }, (t) => (output += t));
  if (code !== 0) throw operationError(`${what} in ${name} failed (exit ${code})`, { phase: 'build', details: output.trimEnd() });
}

/** Sends what changed since the last sync into /src, and deletes what is gone. */
async function syncSource(engine: BuilderEngine, name: string, containerId: string, repo: string, progress: Progress) {
  const held = await readHeld(repo, name, containerId);
  const now = await scanWorkTree(repo);
  const delta = syncDelta(held, now);
  if (!held) await execOk(engine, name, ['mkdir', '-p', SRC], 'creating /src');
  for (const paths of chunks(delta.remove, 200)) {
    await execOk(engine, name, ['rm', '-f', '--', ...paths.map((p) => `${SRC}/${p}`)], 'removing deleted files');
  }
  if (delta.put.length) await engine.putArchive(name, SRC, packTree(repo, delta.put));
  await saveHeld(repo, name, containerId, now);
  progress.info(`synced ${delta.put.length} file(s) into ${name}${delta.remove.length ? `, removed ${delta.remove.length}` : ''}`);
}

/**
 * Where the builder sees an exported revision (`.hotswap/trees/<tree>`): below /src when the repo is bound
 * there; else copied whole, once per tree (a tree id names its contents), under TREES.
 */
async function revisionInBuilder(engine: BuilderEngine, name: string, repo: string, source: string, sync: boolean): Promise<string> {
  if (!sync) return posix.join(SRC, ...relative(repo, source).split(sep));
  const dir = `${TREES}/${basename(source)}`;
  if (await engine.exec(name, { argv: ['test', '-d', dir] }, () => undefined) === 0) return dir;
  const temp = `${dir}.tmp`;
  await execOk(engine, name, ['rm', '-rf', temp], `removing ${temp}`);
  await execOk(engine, name, ['mkdir', '-p', temp], `creating ${temp}`);
  const files = (await readdir(source, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink());
  await engine.putArchive(name, temp, packTree(source, files.map((e) => relative(source, join(e.parentPath, e.name)).split(sep).join('/'))));
  await execOk(engine, name, ['mv', temp, dir], `moving ${temp}`);
  return dir;
}

async function goBuild(engine: BuilderEngine, request: BuildRequest, out: string, workdir: string) {
  const { build, mainPackage, platform, version, progress, log } = request;
  const name = build.builderContainer;
  const spec = goBuildSpec(build, mainPackage, out, platform, version);
  log.info({ args: spec.args, envKeys: Object.keys(spec.env), builder: name }, 'go build in the builder container');
  let output = '';
  let shown = 0;
  // Whole lines only: exec output arrives in arbitrary chunks, and the terminal ends each output() with a newline.
  const code = await engine.exec(name, { argv: ['go', ...spec.args], env: { ...CACHE_ENV, ...spec.env }, workdir }, (text) => {
    output += text;
    const end = output.lastIndexOf('\n') + 1;
    if (end > shown) progress.output(output.slice(shown, end));
    shown = Math.max(shown, end);
  });
  if (shown < output.length) progress.output(output.slice(shown));
  if (code === 126 || code === 127) {
    throw environmentError(`the builder image ${build.builderImage} has no usable \`go\` (exit ${code})`, {
      phase: 'build', details: output.trimEnd(), hint: `set build.builderImage to a Go image such as ${builderImageFor(null).builderImage}`,
    });
  }
  if (code !== 0) {
    throw operationError(`go build in ${name} failed (exit ${code})`, {
      phase: 'build', details: output.trimEnd(), hint: 'fix the compile error; the container was not touched',
    });
  }
}

async function buildInContainer(request: BuildRequest, reason: string, engine: BuilderEngine): Promise<Artifact> {
  const { repo, build, progress } = request;
  const name = build.builderContainer;
  const sync = useSync(build.sync, engineEndpoint().host);
  const containerId = await ensureBuilder(engine, build, repo, sync, progress);
  if (sync && !request.source) await syncSource(engine, name, containerId, repo, progress);
  const workdir = request.source ? await revisionInBuilder(engine, name, repo, request.source, sync) : SRC;
  const out = `${OUT_DIR}/${basename(build.output)}`;
  await execOk(engine, name, ['mkdir', '-p', OUT_DIR], `creating ${OUT_DIR}`);
  await goBuild(engine, request, out, workdir);
  await mkdir(dirname(build.output), { recursive: true, mode: 0o700 });
  await engine.copyOut(name, out, build.output);
  return { ...await builtFile(build.output), builder: { mode: 'container', reason } };
}

/** `go build` in the builder container; `engine` connects when the first build needs it. */
export const containerBuilder = (engine: () => BuilderEngine, reason = 'builder container requested'): Builder => ({
  build: async (request) => buildInContainer(request, reason, engine()),
});
