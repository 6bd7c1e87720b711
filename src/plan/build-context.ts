/** The BuildContext of a configured build: platform, cgo, tags and the Go release that will build it. */
import type { ResolvedConfig } from '../config/types.js';
import type { BuildContext } from './go/context.js';

export async function buildContextFor(config: ResolvedConfig, platform: { goos: string; goarch: string }): Promise<BuildContext> {
  const cgo = (config.build.env.CGO_ENABLED ?? process.env.CGO_ENABLED ?? '1') !== '0';
  return { goos: platform.goos, goarch: platform.goarch, cgo, tags: config.build.tags, goMinor: 24 };
}
