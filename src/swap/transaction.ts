/**
 * One swap: install (install.ts: backup, upload, atomic rename), verify the hash on disk, restart, check
 * what serves; on failure (with rollbackOnFail) put the old binary back. At every instant the binary path
 * holds a whole binary (ARCHITECTURE.md, Invariants).
 */
import { HotswapError, messageOf, operationError } from '../errors.js';
import type { TargetConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { PhaseRunner } from '../phase.js';
import type { ContainerClient } from '../docker/client.js';
import { pruneBackups, type Backup } from './backups.js';
import { stoppedFromOutside } from './either-way.js';
import { waitHealthy } from './health.js';
import { install, type Installed, type InstallRequest } from './install.js';
import { restartContainer } from './restart.js';
import { hashInContainer, removeLeftovers, restoreBinary } from './restore.js';

export { prepareInstall } from './install.js';

export interface SwapRequest extends InstallRequest {
  readonly version: string | null;
  readonly phase: PhaseRunner;
  readonly log: Logger;
}

export interface SwapResult {
  readonly outcome: 'swapped' | 'rolled-back';
  /** The backup holding what the path held before (null when it held nothing). */
  readonly backup: string | null;
  /** The binary's hash before the swap (null when the path held none). */
  readonly previousSha256: string | null;
  readonly warnings: string[];
  /** Set when rolled back: why the new binary was refused. */
  readonly failure?: HotswapError;
}

/** Verifies on disk, restarts, checks health. Throws on the first failure. */
async function goLive(req: SwapRequest, installed: Installed, warnings: string[]): Promise<void> {
  const { container, target, artifact, phase } = req;
  const installedSha = installed.installed;
  if (target.verify) {
    await phase('verify', async () => {
      const expected = await artifact.sha256;
      if (installedSha !== expected) {
        throw operationError(`sha256 mismatch in ${container.name}: expected ${expected.slice(0, 12)}…, found ${installedSha?.slice(0, 12) ?? 'none'}…`, {
          phase: 'verify', hint: 'the copy was altered or truncated (disk full in the container?)',
        });
      }
    });
  }
  if (!target.restart) {
    warnings.push('not restarted (--no-restart): the running process still serves the old code');
    return;
  }
  const startedAt = await phase('restart', () => restartContainer(container, target.stopTimeoutS, installed.ranIn));
  if (target.verify) {
    warnings.push(...await phase('health', () => waitHealthy(container, target.health, { version: req.version, startedAt })));
  }
}

/**
 * Restores a backup, restarts, checks health, and proves the path holds the backup's bytes again.
 * Returns that hash. A swap's rollback and `hotswap rollback` both come here.
 */
export async function restoreBackup(container: ContainerClient, target: TargetConfig, backup: Backup): Promise<string> {
  await restoreBinary(container, target, backup);
  const startedAt = await restartContainer(container, target.stopTimeoutS);
  await waitHealthy(container, target.health, { version: null, startedAt });
  await removeLeftovers(container, target);
  const onDisk = await hashInContainer(container, target.binaryPath);
  if (onDisk !== backup.sha256) {
    throw operationError(`after the rollback ${target.binaryPath} has sha256 ${onDisk.slice(0, 12)}…, not the backup's ${backup.sha256.slice(0, 12)}…`, { phase: 'rollback' });
  }
  return onDisk;
}

/** The new binary failed going live: put the backup back (or say how), and report what runs. */
async function rollBack(req: SwapRequest, backup: Backup | null, error: unknown): Promise<string> {
  const { container, target, phase, progress } = req;
  if (await stoppedFromOutside(container)) {
    throw withHint(error, 'the container was stopped under the swap, which says nothing of the new binary: it stays in place; start the container or swap again');
  }
  if (!target.rollbackOnFail || !backup) {
    const how = backup ? `\`hotswap rollback\` restores ${backup.path}` : `${target.binaryPath} held no binary before, so there is no backup`;
    throw withHint(error, `the new binary stays in place; ${how}`);
  }
  progress.warn(`rolling back to ${backup.path}: ${messageOf(error)}`);
  try {
    return await phase('rollback', () => restoreBackup(container, target, backup));
  } catch (rollbackError) {
    throw operationError(`${messageOf(error)}; the rollback failed too: ${messageOf(rollbackError)}`, {
      phase: 'rollback', cause: rollbackError, hint: `run \`hotswap rollback --to ${backup.path}\``,
      details: error instanceof HotswapError ? error.details : undefined,
    });
  }
}

export async function swapBinary(req: SwapRequest): Promise<SwapResult> {
  const { container, target, phase } = req;
  const warnings: string[] = [];
  const installed = await phase('copy', () => install(req));
  const { backup, viaArchive, followed, via, hostHash, byHost } = installed;
  req.log.info({ installedBy: byHost ? 'host' : viaArchive ? 'archive' : 'exec' }, byHost ? 'installed by the host itself (no exec)' : 'installed');
  if (req.target.verify) {
    const how = via === 'host write, read back' ? 'upload written from the host and read back'
      : followed ? 'upload hashed in the container as it was written' : 'upload hashed in the container after it was written';
    req.log.info({ followed: !!followed, via: via ?? 'archive' }, how);
  }
  if (hostHash) req.log.info({ hostHash }, 'the artifact\'s sha256 was awaited once the upload was in');
  const result = { backup: backup?.path ?? null, previousSha256: backup?.sha256 ?? null, warnings };
  const tidy = () => (viaArchive ? removeLeftovers(container, target) : Promise.resolve());
  try {
    await goLive(req, installed, warnings);
  } catch (error) {
    const previous = await rollBack(req, backup, error); // its restore removes the leftovers
    return { ...result, outcome: 'rolled-back', previousSha256: previous, failure: asHotswapError(error) };
  }
  await tidy();
  if (!target.keepBackup && target.keepBackups === 0 && backup) {
    await pruneBackups(container, target, 0).catch((e) => warnings.push(`pruning backups: ${messageOf(e)}`));
  }
  return { ...result, outcome: 'swapped' };
}

const asHotswapError = (e: unknown) => (e instanceof HotswapError ? e : operationError(messageOf(e), { cause: e }));

function withHint(e: unknown, hint: string): HotswapError {
  const error = asHotswapError(e);
  const combined = error.hint ? `${error.hint}; ${hint}` : hint;
  return new HotswapError(error.message, error.exitCode, { hint: combined, phase: error.phase, details: error.details, cause: e });
}
