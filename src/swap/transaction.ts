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
import { backUpViaArchive, backupFailed, backupOf, pruneBackups, type Backup } from './backups.js';
import { diedUnder, runsSteadily, stoppedFromOutside } from './either-way.js';
import { waitHealthy } from './health.js';
import { restartContainer } from './restart.js';
import { hashInContainer, removeLeftovers, restoreBinary } from './restore.js';
import { BACKUP_FAILED, CANCELLED, execFailure, INSTALL, INSTALL_ON_GO, installInput, parseInstallOutput, swapPaths } from './scripts.js';

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
  /** The backup holding what the path held before (null when it held nothing). */
  readonly backup: string | null;
  /** The binary's hash before the swap (null when the path held none). */
  readonly previousSha256: string | null;
  readonly warnings: string[];
  /** Set when rolled back: why the new binary was refused. */
  readonly failure?: HotswapError;
}

interface Installed {
  readonly backup: Backup | null;
  /** The sha256 now at the binary path (null when verify is off). */
  readonly installed: string | null;
  /** Written through the archive API: its temp names (and any an earlier, cut-off exec left) are removed once it runs. */
  readonly viaArchive: boolean;
}



/**
 * Starts INSTALL in the container now, waiting for its arguments (it hashes the live binary meanwhile): call
 * it before the build. If the container stopped or restarted since, the process is gone: `run` then sends
 * nothing and answers CANCELLED, and a plain exec takes over.
 */
export async function prepareInstall(container: ContainerClient, binaryPath: string): Promise<PreparedExec | null> {
  try {
    const before = await container.inspect();
    const exec = await container.prepareExec(['sh', '-c', INSTALL_ON_GO, 'sh', binaryPath]);
    return {
      run: async (input) => {
        if (before && !diedUnder(before, await container.inspect())) return exec.run(input);
        exec.cancel();
        return { exitCode: CANCELLED, stdout: '', stderr: '' };
      },
      cancel: () => exec.cancel(),
    };
  } catch {
    return null;
  }
}

/**
 * Did the prepared exec run INSTALL? Not when it was cancelled, lost, or killed before its first word (the
 * container was stopped or restarted during the build): then a plain exec runs it.
 */
const ranScript = (r: ExecResult | null): r is ExecResult =>
  !!r && r.exitCode !== CANCELLED && r.exitCode !== -1 && !((r.exitCode === 137 || r.exitCode === 143) && r.stdout === '');

/** The prepared exec if it is still there (the container may have restarted since), else a plain one. */
async function runInstall(req: SwapRequest, args: readonly string[]): Promise<ExecResult> {
  const prepared = await req.prepared;
  const result = prepared ? await prepared.run(installInput(args)).catch(() => null) : null;
  if (ranScript(result)) return result;
  return req.container.exec(['sh', '-c', INSTALL, 'sh', ...args]);
}

/** INSTALL's exit as an error, or its outcome. */
function installOutcome(req: SwapRequest, result: ExecResult): Installed {
  const { container, target, artifact } = req;
  const { backup, installed, mismatch, backupNeeds } = parseInstallOutput(result.stdout);
  if (mismatch !== null) {
    throw operationError(`sha256 mismatch in ${container.name}: expected ${artifact.sha256.slice(0, 12)}…, found ${mismatch.slice(0, 12) || 'none'}…`, {
      phase: 'verify', hint: 'the copy was altered or truncated (disk full in the container?); the binary was not replaced',
    });
  }
  if (result.exitCode === BACKUP_FAILED) throw backupFailed(container.name, target, backupNeeds, result.stderr);
  if (result.exitCode !== 0) throw execFailure(`installing the new binary at ${target.binaryPath}`, container.name, result, 'copy');
  return { backup: backup === null ? null : backupOf(backup, 0, new Date())[0] ?? null, installed, viaArchive: false };
}

/**
 * A running container: upload beside the target (one archive, from memory), then INSTALL: verify the
 * upload's hash, back up, rename. An upload left by a failure is removed.
 */
async function installRunning(req: SwapRequest): Promise<Installed> {
  const { container, target, artifact } = req;
  const paths = swapPaths(target.binaryPath, new Date(), target.backupDir);
  // Pruning keeps this swap's own backup until the swap is decided: a rollback needs it.
  const keep = target.keepBackup ? '' : String(Math.max(1, target.keepBackups));
  const args = [target.binaryPath, paths.backupStem, paths.temp, target.verify ? artifact.sha256 : '', paths.backupPrefix, keep, paths.backupTemp];
  try {
    await container.putFile(paths.dir, paths.tempName, await readFile(artifact.path), 0o755);
    return installOutcome(req, await runInstall(req, args));
  } catch (error) {
    await removeLeftovers(container, target);
    throw error;
  }
}

/**
 * A stopped, exited or crash-looping container, where exec cannot run: stopped for good (its restart policy
 * cannot race the writes), backed up and written through the archive API. Pruning waits for a running one.
 */
async function installStopped(req: SwapRequest): Promise<Installed> {
  const { container, target, artifact } = req;
  const paths = swapPaths(target.binaryPath, new Date(), target.backupDir);
  await container.stop(0);
  const live = await container.readFile(target.binaryPath);
  const backup = live ? await backUpViaArchive(container, target, live) : null;
  await container.putFile(paths.dir, paths.tempName, await readFile(artifact.path), 0o755, paths.base);
  const installed = target.verify ? (await container.readFile(target.binaryPath))?.sha256 ?? null : null;
  return { backup, installed, viaArchive: true };
}

/** By exec while the container runs steadily, else (or when it stops under the exec) through the archive API. */
async function install(req: SwapRequest): Promise<Installed> {
  const { container, progress } = req;
  let state = await container.inspect();
  if (runsSteadily(state)) {
    const before = state!;
    try {
      return await installRunning(req);
    } catch (error) {
      state = await container.inspect();
      if (!diedUnder(before, state)) throw error;
    }
  }
  void req.prepared?.then((exec) => exec?.cancel());
  progress.warn(`${container.name} is ${state?.status ?? 'missing'}${state?.restarting ? ' (restart loop)' : ''}: installing through the archive API`);
  return installStopped(req);
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
  const { backup, installed, viaArchive } = await phase('copy', () => install(req));
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
