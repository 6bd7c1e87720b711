/**
 * `auto`'s build once it chose the host: local, with the builder container as the fallback when the local
 * toolchain (not the code) fails. Apart from select.ts so a one-shot's head start (pipeline/head-start.ts)
 * builds the same way without loading the container builder until it is needed.
 */
import { HotswapError } from '../errors.js';
import type { Artifact, Builder, BuildRequest } from './builder.js';
import { toolchainFailure } from './choose.js';

/** The artifact as built, with the reason `auto` chose its builder. */
export const because = (artifact: Artifact, reason: string): Artifact => ({ ...artifact, builder: { mode: artifact.builder.mode, reason } });

/** Only the toolchain's failures fall back: a compile error in the user's code would fail the same way in the container. */
export async function withFallback(local: Builder, container: Builder, request: BuildRequest, reason: string): Promise<Artifact> {
  try {
    return because(await local.build(request), reason);
  } catch (e) {
    const why = e instanceof HotswapError ? toolchainFailure(`${e.message}\n${e.details ?? ''}`) : null;
    if (!why || request.signal?.aborted) throw e;
    const fallback = `auto: the local build failed because ${why}; using the builder container`;
    request.progress.warn(fallback);
    return because(await container.build(request), fallback);
  }
}
