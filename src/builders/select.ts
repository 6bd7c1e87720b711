/** The builders by mode, and `auto`: which one runs, and why (the reason is logged and reported). */
import { environmentError, HotswapError } from '../errors.js';
import type { BuilderEngine } from '../docker/builder-client.js';
import { artifactBuilder } from './artifact.js';
import type { Artifact, Builder, Builders, BuildRequest } from './builder.js';
import { cgoEnabled, type HostTools } from '../toolchain/go-version.js';
import { chooseBuilder, toolchainFailure } from './choose.js';
import { hostTools } from '../toolchain/host-tools.js';
import { containerBuilder } from './container.js';
import { localBuilder } from './local.js';

/** The artifact as built, with the reason `auto` chose its builder. */
const because = (artifact: Artifact, reason: string): Artifact => ({ ...artifact, builder: { mode: artifact.builder.mode, reason } });

/** The builder container was the only way left and cannot run: say both halves (exit 3). */
function noBuilder(e: unknown, reason: string): unknown {
  if (!(e instanceof HotswapError) || e.exitCode !== 3) return e;
  const why = reason.replace(/^auto: /, '').replace(/, using the builder container$/, '');
  return environmentError(`no builder can build this repo: ${why}, and ${e.message}`, { hint: e.hint, phase: 'build', cause: e });
}

/** Only the toolchain's failures fall back: a compile error in the user's code would fail the same way in the container. */
async function withFallback(local: Builder, container: Builder, request: BuildRequest, reason: string): Promise<Artifact> {
  try {
    return because(await local.build(request), reason);
  } catch (e) {
    const why = e instanceof HotswapError ? toolchainFailure(`${e.message}\n${e.details ?? ''}`) : null;
    if (!why) throw e;
    const fallback = `auto: the local build failed because ${why}; using the builder container`;
    request.progress.warn(fallback);
    return because(await container.build(request), fallback);
  }
}

/** auto: local when the host can build, else the builder container; a toolchain failure falls back too. */
export function autoBuilder(local: Builder, container: Builder, tools: (repo: string) => Promise<HostTools> = hostTools): Builder {
  return {
    async build(request) {
      const choice = chooseBuilder(await tools(request.repo), cgoEnabled(request.build.env, process.env));
      if (choice.builder === 'local') return withFallback(local, container, request, choice.reason);
      request.progress.info(choice.reason);
      const artifact = await container.build(request).catch((e: unknown) => {
        throw noBuilder(e, choice.reason);
      });
      return because(artifact, choice.reason);
    },
  };
}

/** The real builders; `engine` (connectBuilderEngine) is called only when a build needs Docker. */
export function defaultBuilders(engine: () => BuilderEngine): Builders {
  const local = localBuilder();
  const container = containerBuilder(engine);
  return { local, container, artifact: artifactBuilder(engine), auto: autoBuilder(local, container) };
}
