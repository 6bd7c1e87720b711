/**
 * The binary a container held before a bisect, kept on the host (`.hotswap/bisect-original`) and swapped back
 * at the end, whatever the end: like any swap (whole file, hash verified, restart, health).
 */
import { writeFile } from 'node:fs/promises';
import type { Artifact } from '../builders/builder.js';
import type { ResolvedConfig } from '../config/types.js';
import type { ContainerClient } from '../docker/client.js';
import { withContainerLock } from '../lock/container-lock.js';
import type { Logger } from '../log.js';
import { phaseRunner } from '../phase.js';
import { newReport } from '../report.js';
import { ensureStateDir, statePath } from '../state/store.js';
import { hashInContainer } from '../swap/restore.js';
import { swapBinary } from '../swap/transaction.js';
import type { Progress } from '../ui/progress.js';

/** Copies the container's binary out; null when the path holds none (nothing to put back). */
export async function saveOriginal(container: ContainerClient, config: ResolvedConfig): Promise<Artifact | null> {
  const file = await container.readFile(config.target.binaryPath);
  if (!file) return null;
  await ensureStateDir(config.repo);
  const path = statePath(config.repo, 'bisect-original');
  await writeFile(path, file.content, { mode: 0o700 });
  return { path, size: file.content.length, sha256: Promise.resolve(file.sha256), builder: { mode: 'original', reason: 'the binary before the bisect' } };
}

export interface PutBack {
  readonly container: ContainerClient;
  readonly config: ResolvedConfig;
  readonly original: Artifact;
  readonly progress: Progress;
  readonly log: Logger;
}

/** Swaps the original back unless the container holds it already; throws when it could not. */
export async function putBackOriginal({ container, config, original, progress, log }: PutBack): Promise<void> {
  const { target } = config;
  if (await hashInContainer(container, target.binaryPath).catch(() => null) === await original.sha256) return;
  const report = newReport('manual', target.container);
  const phase = phaseRunner(report, progress);
  const lock = { container: target.container, repo: config.repo, timeoutMs: target.lockTimeoutMs, progress };
  // No version to expect: the original may carry any stamp.
  const result = await withContainerLock(lock, () => swapBinary({ container, target, artifact: original, version: null, phase, progress, log }));
  if (result.failure) throw result.failure;
}
