// vitest globalSetup of the e2e project: fail fast with a clear message when the environment is missing,
// take the engine for this run, clear leftovers of earlier runs, and make sure the test images exist (built
// once, reused while the fixture is unchanged).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from './paths.js';
import { docker, ensureBuilderImage, ensureRuntimeImage, removeLabelled } from './docker.js';
import { holderOf, release, tryTake } from '../../src/lock/lock-file.js';

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
  const releaseEngine = await takeEngine();
  await removeLabelled();
  await Promise.all([ensureRuntimeImage(), ensureBuilderImage()]);
  // Leave nothing running after the suite (containers bind host ports); HOTSWAP_TEST_KEEP=1 keeps them to debug.
  return async () => {
    if (process.env.HOTSWAP_TEST_KEEP !== '1') await removeLabelled();
    await releaseEngine();
  };
}

/**
 * One e2e run per engine: the suites use fixed container names and the set-up removes every test
 * container, so a second run on the same engine would break the first. The lock is the product's own
 * (src/lock/lock-file.ts): taken atomically, a dead run's lock taken over. Returns the release.
 */
async function takeEngine(): Promise<() => Promise<void>> {
  const engine = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const file = path.join(os.tmpdir(), `hotswap-e2e-${createHash('sha256').update(engine).digest('hex').slice(0, 12)}.lock`);
  const result = await tryTake(file, holderOf(process.cwd()));
  if (!result.taken) {
    throw new Error(`another e2e run (pid ${result.holder.pid}) is using the engine ${engine}: wait for it, or point DOCKER_HOST at another engine`);
  }
  return () => release(file);
}
