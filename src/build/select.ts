/** Which builder runs, and why (the reason is logged and reported). */
import { environmentError } from '../errors.js';
import type { Artifact, BuildRequest } from './builder.js';
import { buildLocal } from './local.js';

export async function build(request: BuildRequest): Promise<Artifact> {
  const mode = request.config.build.mode;
  switch (mode) {
    case 'auto':
      return buildLocal(request, 'auto: the local Go toolchain');
    case 'local':
      return buildLocal(request, 'builder local requested');
    case 'container':
    case 'artifact':
      throw environmentError(`the ${mode} builder is not available in this version`, {
        hint: 'use --builder local (the default, auto, uses the local Go toolchain)', phase: 'build',
      });
  }
}
