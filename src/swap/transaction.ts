/**
 * One swap: backup, upload beside the target, atomic rename, verify the hash on disk, restart, check what
 * serves; on failure (with rollbackOnFail) put the old binary back. At every instant the binary path
 * holds a whole binary (DESIGN §3).
 */
import { createReadStream } from 'node:fs';
import { HotswapError, messageOf, operationError } from '../errors.js';
import type { TargetConfig } from '../config/types.js';
import type { Artifact } from '../build/builder.js';
import type { Logger } from '../log.js';
import type { PhaseRunner } from '../phase.js';
import type { ContainerClient } from '../target/client.js';
import type { Progress } from '../ui/progress.js';
import { pruneBackups } from './backups.js';
import { waitHealthy } from './health.js';
import { restartContainer } from './restart.js';
import { hashInContainer, restoreBinary } from './restore.js';
import { INSTALL, parseInstallOutput, swapPaths } from './scripts.js';

export interface SwapRequest {
  readonly container: ContainerClient;
  readonly target: TargetConfig;
  readonly artifact: Artifact;
  readonly version: string | null;
  readonly phase: PhaseRunner;
  readonly progress: Progress;
  readonly log: Logger;
}

export interface SwapResult {
  readonly outcome: 'swapped' | 'rolled-back';
  readonly backup: string;
  /** The binary's hash before the swap (null when the path held none). */
  readonly previousSha256: string | null;
  readonly warnings: string[];
  /** Set when rolled back: why the new binary was refused. */
  readonly failure?: HotswapError;
}

const execFailure = (action: string, name: string, r: { exitCode: number; stderr: string }) =>
  operationError(`${action} in ${name}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
    phase: 'copy',
    hint: r.exitCode === 127 ? 'the image has no sh, sha256sum or mv: hotswap needs a shell and coreutils or busybox' : undefined,
  });

/**
 * Upload beside the target, then one exec (one costs ~60 ms here): hash of the current binary (the report's
 * "before"), backup, rename, hash of what landed.
 */
async function install(req: SwapRequest, backup: string): Promise<{ previous: string | null; installed: string | null }> {
  const { container, target, artifact } = req;
  const paths = swapPaths(target.binaryPath, new Date());
  await container.putFile(paths.dir, paths.tempName, createReadStream(artifact.path), artifact.size, 0o755);
  const installed = await container.exec(['sh', '-c', INSTALL, 'sh', target.binaryPath, backup, paths.temp]);
  if (installed.exitCode !== 0) throw execFailure(`installing the new binary at ${target.binaryPath}`, container.name, installed);
  return parseInstallOutput(installed.stdout);
}

async function ensureRunning(container: ContainerClient, progress: Progress): Promise<void> {
  const state = await container.inspect();
  if (state?.running && !state.restarting) return;
  progress.warn(`${container.name} is ${state?.status ?? 'missing'}; starting it before the swap`);
  await container.start();
}

/** Verifies on disk, restarts, checks health. Throws on the first failure. */
async function goLive(req: SwapRequest, installedSha: string | null, warnings: string[]): Promise<void> {
  const { container, target, artifact, phase } = req;
  if (target.verify) {
    await phase('verify', async () => {
      if (installedSha !== artifact.sha256) {
        throw operationError(`sha256 mismatch in ${container.name}: expected ${artifact.sha256.slice(0, 12)}…, found ${installedSha?.slice(0, 12) ?? 'none'}…`, {
          phase: 'verify', hint: 'the copy was altered or truncated (disk full in the container?)',
        });
      }
    });
  }
  if (!target.restart) {
    warnings.push('not restarted (--no-restart): the running process still serves the old code');
    return;
  }
  const startedAt = await phase('restart', () => restartContainer(container, target.stopTimeoutS));
  if (target.verify) {
    warnings.push(...await phase('health', () => waitHealthy(container, target.health, { version: req.version, startedAt })));
  }
}

/** Restores the backup, restarts, checks health, and proves the path holds the backup's bytes again. */
async function rollBack(req: SwapRequest, backup: string, previous: string | null): Promise<void> {
  const { container, target, phase } = req;
  await phase('rollback', async () => {
    const restored = await restoreBinary(container, target.binaryPath, backup);
    const startedAt = await restartContainer(container, target.stopTimeoutS);
    await waitHealthy(container, target.health, { version: null, startedAt });
    const [onDisk, old] = await Promise.all([
      restored ?? hashInContainer(container, target.binaryPath), previous ?? hashInContainer(container, backup),
    ]);
    if (onDisk !== old) {
      throw operationError(`after the rollback ${target.binaryPath} has sha256 ${onDisk.slice(0, 12)}…, not the backup's ${old.slice(0, 12)}…`, { phase: 'rollback' });
    }
  });
}

export async function swapBinary(req: SwapRequest): Promise<SwapResult> {
  const { container, target, phase, progress } = req;
  const backup = swapPaths(target.binaryPath, new Date()).backup;
  const warnings: string[] = [];
  await ensureRunning(container, progress);
  const { previous, installed } = await phase('copy', () => install(req, backup));
  try {
    await goLive(req, installed, warnings);
  } catch (error) {
    if (!target.rollbackOnFail) throw withHint(error, `the new binary stays in place; \`hotswap rollback\` restores ${backup}`);
    progress.warn(`rolling back to ${backup}: ${messageOf(error)}`);
    try {
      await rollBack(req, backup, previous);
    } catch (rollbackError) {
      throw operationError(`${messageOf(error)}; the rollback failed too: ${messageOf(rollbackError)}`, {
        phase: 'rollback', cause: rollbackError, hint: `run \`hotswap rollback --to ${backup}\``,
        details: error instanceof HotswapError ? error.details : undefined,
      });
    }
    return { outcome: 'rolled-back', backup, previousSha256: previous, warnings, failure: asHotswapError(error) };
  }
  if (!target.keepBackup) {
    await pruneBackups(container, target.binaryPath, target.keepBackups).catch((e) => warnings.push(`pruning backups: ${messageOf(e)}`));
  }
  return { outcome: 'swapped', backup, previousSha256: previous, warnings };
}

const asHotswapError = (e: unknown) => (e instanceof HotswapError ? e : operationError(messageOf(e), { cause: e }));

function withHint(e: unknown, hint: string): HotswapError {
  const error = asHotswapError(e);
  const combined = error.hint ? `${error.hint}; ${hint}` : hint;
  return new HotswapError(error.message, error.exitCode, { hint: combined, phase: error.phase, details: error.details, cause: e });
}
