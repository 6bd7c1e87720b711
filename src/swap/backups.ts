/** Backups in the container: listing, choosing which to prune (pure), removing. */
import type { ContainerClient } from '../target/client.js';
import { execFailure, LIST_BACKUPS, swapPaths } from './scripts.js';

export interface Backup {
  readonly path: string;
  readonly size: number;
  readonly modified: string;
}

export function parseBackupList(stdout: string): Backup[] {
  return stdout.split('\n').filter(Boolean).flatMap((line) => {
    const match = /^(\d+) (\d+) (.+)$/.exec(line.trim());
    if (!match) return [];
    return [{ size: Number(match[1]), modified: new Date(Number(match[2]) * 1000).toISOString(), path: match[3]! }];
  }).sort((a, b) => a.path.localeCompare(b.path));
}

/** The backups to delete so that the newest `keep` remain (names sort by time). */
export const backupsToPrune = (backups: readonly Backup[], keep: number): Backup[] =>
  backups.slice(0, Math.max(0, backups.length - keep));

export async function listBackups(container: ContainerClient, binaryPath: string): Promise<Backup[]> {
  const { backupPrefix } = swapPaths(binaryPath, new Date());
  const result = await container.exec(['sh', '-c', LIST_BACKUPS, 'sh', backupPrefix]);
  if (result.exitCode !== 0) throw execFailure('listing backups', container.name, result);
  return parseBackupList(result.stdout);
}

export async function pruneBackups(container: ContainerClient, binaryPath: string, keep: number): Promise<Backup[]> {
  const doomed = backupsToPrune(await listBackups(container, binaryPath), keep);
  if (doomed.length === 0) return [];
  const result = await container.exec(['rm', '-f', '--', ...doomed.map((b) => b.path)]);
  if (result.exitCode !== 0) throw execFailure('pruning backups', container.name, result);
  return doomed;
}
