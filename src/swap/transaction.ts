/**
 * One swap: backup, upload beside the target, atomic rename, verify the hash on disk, restart, check what
 * serves; on failure (with rollbackOnFail) put the old binary back. At every instant the binary path
 * holds a whole binary (DESIGN §3).
 */
import { readFile } from 'node:fs/promises';
import { HotswapError, messageOf, operationError } from '../errors.js';
import type { TargetConfig } from '../config/types.js';
import type { Artifact } from '../build/builder.js';
import type { Logger } from '../log.js';
import type { PhaseRunner } from '../phase.js';
import type { ContainerClient, ExecResult, PreparedExec } from '../target/client.js';
import type { Progress } from '../ui/progress.js';
import { pruneBackups } from './backups.js';
import { waitHealthy } from './health.js';
import { restartContainer } from './restart.js';
import { hashInContainer, restoreBinary } from './restore.js';
import { CANCELLED, execFailure, INSTALL, INSTALL_ON_GO, installInput, parseInstallOutput, swapPaths } from './scripts.js';

export interface SwapRequest {
  readonly container: ContainerClient;
  /** INSTALL started during the build (prepareInstall); null or a failed one falls back to a plain exec. */
  readonly prepared?: Promise<PreparedExec | null>;
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

/** Starts INSTALL in the container now, waiting for its arguments: call it before the build. */
export function prepareInstall(container: ContainerClient): Promise<PreparedExec | null> {
  return container.prepareExec(['sh', '-c', INSTALL_ON_GO]).catch(() => null);
}

/** The prepared exec if it is still there (the container may have restarted since), else a plain one. */
async function runInstall(req: SwapRequest, args: readonly string[]): Promise<ExecResult> {
  const prepared = await req.prepared;
  const result = prepared ? await prepared.run(installInput(args)).catch(() => null) : null;
  if (result && result.exitCode !== CANCELLED && result.exitCode !== -1) return result;
  return req.container.exec(['sh', '-c', INSTALL, 'sh', ...args]);
}

/**
 * Upload beside the target (one archive, from memory), then INSTALL: verify the upload's hash, back up,
 * rename. The old file's hash is taken after going live (`previousHash`), off the swap's critical path.
 */
async function install(req: SwapRequest, backup: string): Promise<{ backedUp: boolean; installed: string | null }> {
  const { container, target, artifact } = req;
  const paths = swapPaths(target.binaryPath, new Date());
  await container.putFile(paths.dir, paths.tempName, await readFile(artifact.path), 0o755);
  // Pruning keeps this swap's own backup (at least 1) until the swap is decided: a rollback needs it.
  const keep = target.keepBackup ? '' : String(Math.max(1, target.keepBackups));
  const args = [target.binaryPath, backup, paths.temp, target.verify ? artifact.sha256 : '', paths.backupPrefix, keep];
  const result = await runInstall(req, args);
  const { backedUp, installed, mismatch } = parseInstallOutput(result.stdout);
  if (mismatch !== null) {
    throw operationError(`sha256 mismatch in ${container.name}: expected ${artifact.sha256.slice(0, 12)}…, found ${mismatch.slice(0, 12) || 'none'}…`, {
      phase: 'verify', hint: 'the copy was altered or truncated (disk full in the container?); the binary was not replaced',
    });
  }
  if (result.exitCode !== 0) throw execFailure(`installing the new binary at ${target.binaryPath}`, container.name, result, 'copy');
  return { backedUp, installed };
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

/**
 * Restores a backup, restarts, checks health, and proves the path holds the backup's bytes again.
 * Returns that hash. A swap's rollback and `hotswap rollback` both come here.
 */
export async function restoreBackup(container: ContainerClient, target: TargetConfig, backup: string): Promise<string> {
  const restored = await restoreBinary(container, target.binaryPath, backup);
  const startedAt = await restartContainer(container, target.stopTimeoutS);
  await waitHealthy(container, target.health, { version: null, startedAt });
  const [onDisk, old] = await Promise.all([
    restored ?? hashInContainer(container, target.binaryPath), hashInContainer(container, backup),
  ]);
  if (onDisk !== old) {
    throw operationError(`after the rollback ${target.binaryPath} has sha256 ${onDisk.slice(0, 12)}…, not the backup's ${old.slice(0, 12)}…`, { phase: 'rollback' });
  }
  return old;
}

export async function swapBinary(req: SwapRequest): Promise<SwapResult> {
  const { container, target, phase, progress } = req;
  const backup = swapPaths(target.binaryPath, new Date()).backup;
  const warnings: string[] = [];
  await ensureRunning(container, progress);
  const { backedUp, installed } = await phase('copy', () => install(req, backup));
  try {
    await goLive(req, installed, warnings);
  } catch (error) {
    if (!target.rollbackOnFail) throw withHint(error, `the new binary stays in place; \`hotswap rollback\` restores ${backup}`);
    progress.warn(`rolling back to ${backup}: ${messageOf(error)}`);
    let previous: string;
    try {
      previous = await phase('rollback', () => restoreBackup(container, target, backup));
    } catch (rollbackError) {
      throw operationError(`${messageOf(error)}; the rollback failed too: ${messageOf(rollbackError)}`, {
        phase: 'rollback', cause: rollbackError, hint: `run \`hotswap rollback --to ${backup}\``,
        details: error instanceof HotswapError ? error.details : undefined,
      });
    }
    return { outcome: 'rolled-back', backup, previousSha256: previous, warnings, failure: asHotswapError(error) };
  }
  // The backup holds the old bytes: hashing it once live costs the swap nothing.
  const previous = backedUp ? await hashInContainer(container, backup).catch(() => null) : null;
  if (!target.keepBackup && target.keepBackups === 0 && backedUp) {
    await pruneBackups(container, target.binaryPath, 0).catch((e) => warnings.push(`pruning backups: ${messageOf(e)}`));
  }
  return { outcome: 'swapped', backup, previousSha256: previous, warnings };
}

const asHotswapError = (e: unknown) => (e instanceof HotswapError ? e : operationError(messageOf(e), { cause: e }));

function withHint(e: unknown, hint: string): HotswapError {
  const error = asHotswapError(e);
  const combined = error.hint ? `${error.hint}; ${hint}` : hint;
  return new HotswapError(error.message, error.exitCode, { hint: combined, phase: error.phase, details: error.details, cause: e });
}
