/** The builders by mode, and `auto`: which one runs, and why (the reason is logged and reported). */
import { environmentError, HotswapError } from '../errors.js';
import type { BuilderEngine } from '../docker/builder-client.js';
import { artifactBuilder } from './artifact.js';
import type { Builder, Builders } from './builder.js';
import { cgoEnabled, type HostTools } from '../toolchain/go-version.js';
import { chooseBuilder } from './choose.js';
import { because, withFallback } from './local-first.js';
import { hostTools } from '../toolchain/host-tools.js';
import { containerBuilder } from './container.js';
import { localBuilder } from './local.js';

/** The builder container was the only way left and cannot run: say both halves (exit 3). */
function noBuilder(e: unknown, reason: string): unknown {
  if (!(e instanceof HotswapError) || e.exitCode !== 3) return e;
  const why = reason.replace(/^auto: /, '').replace(/, using the builder container$/, '');
  return environmentError(`no builder can build this repo: ${why}, and ${e.message}`, { hint: e.hint, phase: 'build', cause: e });
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
