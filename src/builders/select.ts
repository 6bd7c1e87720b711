/** Which builder runs, and why (the reason is logged and reported). */
import { environmentError, HotswapError } from '../errors.js';
import type { BuilderEngine } from '../docker/builder-client.js';
import { connectBuilderEngine } from '../docker/builder-engine.js';
import { buildArtifact } from './artifact.js';
import type { Artifact, BuildRequest } from './builder.js';
import { cgoEnabled } from '../toolchain/go-version.js';
import { chooseBuilder, toolchainFailure } from './choose.js';
import { hostTools } from '../toolchain/host-tools.js';
import { buildInContainer } from './container.js';
import { buildLocal } from './local.js';

/** auto: local when the host can build, else the builder container; a toolchain failure falls back too. */
async function buildAuto(request: BuildRequest, engine: () => BuilderEngine): Promise<Artifact> {
  const choice = chooseBuilder(await hostTools(request.config.repo), cgoEnabled(request.config.build.env, process.env));
  if (choice.builder === 'container') {
    request.progress.info(choice.reason);
    return buildInContainer(request, choice.reason, engine()).catch((e: unknown) => {
      throw noBuilder(e, choice.reason);
    });
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

/** The builder container was the only way left and cannot run: say both halves (exit 3). */
function noBuilder(e: unknown, reason: string): unknown {
  if (!(e instanceof HotswapError) || e.exitCode !== 3) return e;
  const why = reason.replace(/^auto: /, '').replace(/, using the builder container$/, '');
  return environmentError(`no builder can build this repo: ${why}, and ${e.message}`, { hint: e.hint, phase: 'build', cause: e });
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
