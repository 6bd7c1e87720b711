/** The BuildContext of a configured build: platform, cgo, tags and the Go release that will build it. */
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { hostTools } from '../toolchain/host-tools.js';
import { cgoEnabled, whyLocalGoCannotAnswer } from '../toolchain/go-version.js';
import { goListFiles } from './go/golist.js';
import { goMinorOf } from './go/modules.js';
import type { PlannerOptions } from './planner.js';
import { stateDir } from '../state/store.js';
import type { BuildContext } from './go/context.js';

/**
 * go1.N tags hold up to the newest release that may build it: the builder image's (golang:1.24-…) or
 * go.mod's go line, whichever is newer.
 */
async function goMinorFor(config: ResolvedConfig, goMod: string | undefined): Promise<number> {
  const fromImage = /golang:1\.(\d+)/.exec(config.build.builderImage);
  const text = goMod ?? await readFile(join(config.repo, 'go.mod'), 'utf8').catch(() => '');
  return Math.max(fromImage ? Number(fromImage[1]) : 0, goMinorOf(text));
}

/** `goMod`: the text of the planned tree's go.mod when that is not the work tree's (`plan --to`). */
export async function buildContextFor(config: ResolvedConfig, platform: { goos: string; goarch: string }, goMod?: string): Promise<BuildContext> {
  const cgo = cgoEnabled(config.build.env, process.env);
  return { goos: platform.goos, goarch: platform.goarch, cgo, tags: config.build.tags, goMinor: await goMinorFor(config, goMod) };
}

/**
 * `go list` on the work tree when the local toolchain can answer for this repo (asked once); when it
 * cannot, `warn` hears why, once, since plans then rest on the parser alone.
 */
function goListWhenAvailable(repo: string, warn?: (message: string) => void): PlannerOptions['goList'] {
  let available: Promise<string | null> | null = null;
  return async (main, context) => {
    available ??= hostTools(repo).then(async (tools) => {
      const why = whyLocalGoCannotAnswer(tools);
      if (why === null) return realpath(repo);
      warn?.(`go list not used: ${why}; planning with hotswap's own Go parser`);
      return null;
    });
    const dir = await available;
    return dir ? goListFiles(dir, main, context) : null;
  };
}

/** The planner's options from the config: image globs, its header cache in `.hotswap/`, `go list`. */
export const plannerOptions = (config: ResolvedConfig, warn?: (message: string) => void): PlannerOptions => ({
  imageInputs: config.plan.imageInputs,
  cacheDir: stateDir(config.repo),
  goList: goListWhenAvailable(config.repo, warn),
  warn,
});
