/**
 * Backups in the container: listing only whole ones, choosing which to prune (pure), removing. A backup's
 * name records its sha256 (scripts.ts swapPaths), so a cut-short one is known and never listed.
 */
import type { TargetConfig } from '../config/types.js';
import { posix } from 'node:path';
import { isDiskFull, messageOf, operationError } from '../errors.js';
import type { ArchivedFile, ContainerClient } from '../docker/client.js';
import { eitherWay } from './either-way.js';
import { execFailure, LIST_BACKUPS, parseBackupName, swapPaths } from './scripts.js';

export interface Backup {
  readonly path: string;
  readonly size: number;
  readonly modified: string;
  readonly sha256: string;
  /** The first backup taken in this container: the image's own binary, never pruned. */
  readonly original: boolean;
}

type BackupTarget = Pick<TargetConfig, 'binaryPath' | 'backupDir'>;

/** A path with its size and mtime, as a Backup when its name is a backup's (else nothing). */
export function backupOf(path: string, size: number, modified: Date): Backup[] {
  const named = parseBackupName(path);
  return named ? [{ path, size, modified: modified.toISOString(), ...named }] : [];
}

const byTime = (a: Backup, b: Backup) => a.path.localeCompare(b.path);

/** LIST_BACKUPS's output: one `size mtime path` line per whole backup, oldest first. */
export function parseBackupList(stdout: string): Backup[] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^(\d+) (\d+) (.+)$/.exec(line.trim());
    return match ? backupOf(match[3]!, Number(match[1]), new Date(Number(match[2]) * 1000)) : [];
  }).sort(byTime);
}

/** The backups to delete so that the newest `keep` remain besides the original (names sort by time). */
export function backupsToPrune(backups: readonly Backup[], keep: number): Backup[] {
  const prunable = backups.filter((b) => !b.original);
  return prunable.slice(0, Math.max(0, prunable.length - keep));
}

/**
 * The whole backups, oldest first. A running container hashes them with its own sha256sum; a stopped or
 * crash-looping one is read through the archive API and hashed here. Either way a backup whose bytes do not
 * match its name is left out.
 */
export function listBackups(container: ContainerClient, target: BackupTarget): Promise<Backup[]> {
  const { backupPrefix, backupDir } = swapPaths(target.binaryPath, new Date(), target.backupDir);
  return eitherWay(container, async () => {
    const result = await container.exec(['sh', '-c', LIST_BACKUPS, 'sh', backupPrefix]);
    if (result.exitCode !== 0) throw execFailure('listing backups', container.name, result);
    return parseBackupList(result.stdout);
  }, async () => {
    const files = await container.listFiles(backupDir, posix.basename(backupPrefix));
    return files.flatMap((f) => backupOf(f.path, f.size, f.modified).filter((b) => b.sha256 === f.sha256)).sort(byTime);
  });
}

/** Removes all but the newest `keep` backups and the original. Needs a running container (rm). */
export async function pruneBackups(container: ContainerClient, target: BackupTarget, keep: number): Promise<Backup[]> {
  const doomed = backupsToPrune(await listBackups(container, target), keep);
  if (doomed.length === 0) return [];
  const result = await container.exec(['rm', '-f', '--', ...doomed.map((b) => b.path)]);
  if (result.exitCode !== 0) throw execFailure('pruning backups', container.name, result);
  return doomed;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * A backup that could not be made whole (it was removed, the binary left alone): one line naming the
 * directory, the room a backup needs and the fix.
 */
export function backupFailed(container: string, target: BackupTarget, needs: number, cause: string) {
  const why = isDiskFull(cause) ? `no room in ${target.backupDir}` : cause.trim() || 'the copy did not match';
  return operationError(`backing up ${target.binaryPath} in ${container}: ${why} (a backup needs ${Number.isFinite(needs) ? mb(needs) : 'the binary\'s size'})`, {
    phase: 'backup',
    hint: `free space in ${target.backupDir} in the container, or set target.backupDir to a directory with room; the binary was not replaced`,
  });
}

/**
 * The archive way of INSTALL's backup step, for a stopped container: the live file's bytes are kept as a new
 * backup unless one already holds them (the first one a container gets is its original). Written under the
 * temp name, then hard-linked to its name in the same archive: a write cut short never gets the name, and
 * the temp name is removed once the container runs (removeLeftovers).
 */
export async function backUpViaArchive(container: ContainerClient, target: BackupTarget, live: ArchivedFile): Promise<Backup> {
  const kept = await listBackups(container, target);
  const same = kept.find((b) => b.sha256 === live.sha256);
  if (same) return same;
  const paths = swapPaths(target.binaryPath, new Date(), target.backupDir);
  const path = `${paths.backupStem}_${live.sha256}${kept.length ? '' : '.original'}`;
  await container.putFile(paths.backupDir, posix.basename(paths.backupTemp), live.content, live.mode, posix.basename(path))
    .catch((e: unknown) => {
      throw backupFailed(container.name, target, live.size, messageOf(e));
    });
  return backupOf(path, live.size, new Date())[0]!;
}
