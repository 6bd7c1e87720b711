/**
 * The artifact builder: `docker build` of `build.dockerfile` (a dev Dockerfile whose image holds the
 * binary at `build.artifactPath`), then the binary is copied out of the image. The version stamp goes in
 * as `--build-arg HOTSWAP_LDFLAGS`; a Dockerfile without that ARG yields an unstamped artifact.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { operationError, usageError } from '../errors.js';
import { ImageBuildError, type BuilderEngine } from '../docker/builder-client.js';
import type { Artifact, Builder, BuildRequest } from './builder.js';
import { ARTIFACT_REPOSITORY, artifactTag, declaresLdflagsArg } from './artifact-tag.js';
import { ldflagsWithVersion } from './go-build.js';
import { builtFile } from './hash.js';
import { packTree } from './tar-pack.js';

/** Generous: a cold multi-stage build compiles the standard library; a hung one must still end. */
const BUILD_TIMEOUT_MS = 20 * 60_000;
/** Where a Dockerfile from outside the context is placed inside it. */
const OUTSIDE_DOCKERFILE = '.hotswap.Dockerfile';

/**
 * .dockerignore rules through the `ignore` package (gitignore semantics). Docker anchors every pattern
 * at the context root, so a leading '/' is added; `**` works the same in both.
 */
async function dockerIgnore(root: string): Promise<Ignore> {
  const rules = ignore();
  const text = await readFile(join(root, '.dockerignore'), 'utf8').catch(() => '');
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\.?\//, '');
    rules.add(`${negated ? '!' : ''}/${pattern}`);
  }
  // hotswap's own state (binaries, logs) is never build input.
  return rules.add('/.hotswap/');
}

/** Context-relative paths of every file to send, walking directories the rules do not exclude. */
async function contextFiles(root: string, rules: Ignore, keep: ReadonlySet<string>, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = relative(root, join(dir, entry.name)).split(sep).join('/');
    if (entry.isDirectory()) {
      if (!rules.ignores(`${rel}/`)) out.push(...await contextFiles(root, rules, keep, join(dir, entry.name)));
    } else if (keep.has(rel) || !rules.ignores(rel)) {
      out.push(rel);
    }
  }
  return out;
}


async function readDockerfile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw usageError(`cannot read the Dockerfile ${path}`, { hint: 'set build.dockerfile to the dev Dockerfile', cause: e, phase: 'build' });
  }
}

/** The last lines of the build log: where a failing RUN step printed its error. */
const tail = (log: string, lines = 40) => log.trimEnd().split('\n').slice(-lines).join('\n');

async function runImageBuild(engine: BuilderEngine, request: BuildRequest, text: string, stamped: boolean) {
  const { repo, build, version, progress, log } = request;
  // A revision's tree is built with the work tree's Dockerfile (it may have none): sent as from outside.
  const root = request.source ?? repo;
  const inside = root === repo && !relative(root, build.dockerfile).startsWith('..');
  const dockerfile = inside ? relative(root, build.dockerfile).split(sep).join('/') : OUTSIDE_DOCKERFILE;
  const files = await contextFiles(root, await dockerIgnore(root), new Set([dockerfile, '.dockerignore']));
  const context = packTree(root, files, inside ? null : { name: OUTSIDE_DOCKERFILE, content: text });
  const buildargs: Record<string, string> = stamped ? { HOTSWAP_LDFLAGS: ldflagsWithVersion(build, version) } : {};
  const tag = artifactTag(version);
  log.info({ dockerfile, target: build.target, buildargs, tag }, 'docker build');
  try {
    const result = await engine.buildImage(context, {
      dockerfile, target: build.target, buildargs, tag, labels: { 'hotswap.artifact': '1' }, timeoutMs: BUILD_TIMEOUT_MS,
    }, (chunk) => {
      log.debug({ build: chunk.trimEnd() }, 'docker build output');
      if (/^Step \d+\/\d+/.test(chunk)) progress.info(chunk.trim());
    });
    return { ...result, tag };
  } catch (e) {
    if (!(e instanceof ImageBuildError)) throw e;
    throw operationError(`docker build of ${dockerfile} failed: ${e.message.trim()}`, {
      phase: 'build', details: tail(e.log), hint: 'fix the failing step; the container was not touched', cause: e,
    });
  }
}

async function buildArtifact(request: BuildRequest, reason: string, engine: BuilderEngine): Promise<Artifact> {
  const { repo, build, progress } = request;
  const text = await readDockerfile(build.dockerfile);
  const stamped = declaresLdflagsArg(text);
  if (!stamped) {
    progress.warn(`${relative(repo, build.dockerfile)} declares no ARG HOTSWAP_LDFLAGS: the binary is not stamped and the versionUrl check is skipped`);
  }
  const { imageId, tag } = await runImageBuild(engine, request, text, stamped);
  await mkdir(dirname(build.output), { recursive: true, mode: 0o700 });
  await engine.extractFromImage(imageId, build.artifactPath, build.output);
  // Old dev images would pile up, one per built tree; a failure to prune is only worth a warning.
  await engine.pruneTags(ARTIFACT_REPOSITORY, tag).catch((e: Error) => progress.warn(`could not prune old ${ARTIFACT_REPOSITORY} tags: ${e.message}`));
  return { ...await builtFile(build.output), builder: { mode: 'artifact', reason }, stamped };
}

/** `docker build` of the dev Dockerfile, the binary copied out of the image. */
export const artifactBuilder = (engine: () => BuilderEngine, reason = 'builder artifact requested'): Builder => ({
  build: async (request) => buildArtifact(request, reason, engine()),
});
