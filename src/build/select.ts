/** Which builder runs, and why (the reason is logged and reported). */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { delimiter, isAbsolute, join } from 'node:path';
import { HotswapError } from '../errors.js';
import type { BuilderEngine } from '../target/builder-client.js';
import { connectBuilderEngine } from '../target/builder-engine.js';
import { buildArtifact } from './artifact.js';
import type { Artifact, BuildRequest } from './builder.js';
import { cgoEnabled, chooseBuilder, parseGoModVersion, parseGoVersion, toolchainFailure, type HostTools } from './choose.js';
import { buildInContainer } from './container.js';
import { buildLocal } from './local.js';

async function onPath(program: string): Promise<boolean> {
  const candidates = isAbsolute(program) ? [program] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, program));
  for (const file of candidates) {
    if (await access(file, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/** The local Go's version, asked once per process (a daemon builds many times). */
let localGoVersion: Promise<string | null> | null = null;
const goVersion = () => (localGoVersion ??= promisify(execFile)('go', ['version'])
  .then(({ stdout }) => parseGoVersion(stdout), () => null));

async function hostTools(repo: string): Promise<HostTools> {
  // $CC may carry flags ("gcc -m64"); its first word is the program.
  const cc = process.env.CC?.trim().split(/\s+/)[0];
  const compilers = cc ? [cc] : ['gcc', 'cc'];
  const [found, go, gomod] = await Promise.all([
    Promise.all(compilers.map(onPath)), onPath('go'), readFile(join(repo, 'go.mod'), 'utf8').catch(() => ''),
  ]);
  return {
    go, goVersion: go ? await goVersion() : null, goModVersion: parseGoModVersion(gomod),
    cc: found.some(Boolean), ccName: compilers.join('/'),
  };
}

/** auto: local when the host can build, else the builder container; a toolchain failure falls back too. */
async function buildAuto(request: BuildRequest, engine: () => BuilderEngine): Promise<Artifact> {
  const choice = chooseBuilder(await hostTools(request.config.repo), cgoEnabled(request.config.build.env, process.env));
  if (choice.builder === 'container') {
    request.progress.info(choice.reason);
    return buildInContainer(request, choice.reason, engine());
  }
  try {
    return await buildLocal(request, choice.reason);
  } catch (e) {
    // Only the toolchain's failures: a compile error in the user's code would fail the same way in the container.
    const why = e instanceof HotswapError ? toolchainFailure(`${e.message}\n${e.details ?? ''}`) : null;
    if (!why) throw e;
    const reason = `auto: the local build failed because ${why}; using the builder container`;
    request.progress.warn(reason);
    return buildInContainer(request, reason, engine());
  }
}

export async function build(request: BuildRequest, engine: () => BuilderEngine = connectBuilderEngine): Promise<Artifact> {
  const mode = request.config.build.mode;
  switch (mode) {
    case 'auto':
      return buildAuto(request, engine);
    case 'local':
      return buildLocal(request, 'builder local requested');
    case 'container':
      return buildInContainer(request, 'builder container requested', engine());
    case 'artifact':
      return buildArtifact(request, 'builder artifact requested', engine());
  }
}
