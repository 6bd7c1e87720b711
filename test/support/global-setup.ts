// vitest globalSetup: fail fast with a clear message when the environment is missing, clear leftovers
// of earlier runs, and make sure the runtime image exists (built once, reused while the fixture is unchanged).
import fs from 'node:fs';
import { CLI } from './paths.js';
import { docker, ensureBuilderImage, ensureRuntimeImage, removeLabelled } from './docker.js';

export default async function setup(): Promise<() => Promise<void>> {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'], 20_000).catch((e: Error) => ({
    code: -1,
    stdout: '',
    stderr: e.message,
  }));
  if (info.code !== 0) {
    throw new Error(`Docker is not reachable (${info.stderr.trim().split('\n')[0]}). Run: bash scripts/env.sh`);
  }
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing. Run: npm run build`);
  await removeLabelled();
  await Promise.all([ensureRuntimeImage(), ensureBuilderImage()]);
  // Leave nothing running after the suite (containers bind host ports); HOTSWAP_TEST_KEEP=1 keeps them to debug.
  return async () => {
    if (process.env.HOTSWAP_TEST_KEEP !== '1') await removeLabelled();
  };
}
