/**
 * Putting a backup back, and hashing files in the container, whatever state it is in (either-way.ts). A
 * running container restores by copy, check and atomic rename (exec); a stopped or crash-looping one is
 * stopped for good (that holds a restart policy back, so its loop cannot race the write) and restored
 * through the archive API. Either way the backup's bytes are checked against the sha256 its name records.
 */
import { operationError } from '../errors.js';
import type { TargetConfig } from '../config/types.js';
import type { ContainerClient } from '../docker/client.js';
import type { Backup } from './backups.js';
import { eitherWay } from './either-way.js';
import { BACKUP_FAILED, HASH_FILE, RESTORE, execFailure, parseSha256, swapPaths } from './scripts.js';

const damaged = (container: ContainerClient, backup: Backup, found: string | null) =>
  operationError(`backup ${backup.path} in ${container.name} is damaged: sha256 ${found?.slice(0, 12) ?? 'unreadable'}…, recorded ${backup.sha256.slice(0, 12)}…`, {
    phase: 'rollback', hint: 'restore another one (`hotswap backups` lists them); the binary was not replaced',
  });

/** Writes the backup's bytes at the binary path. The caller (re)starts the container. */
export async function restoreBinary(container: ContainerClient, target: Pick<TargetConfig, 'binaryPath'>, backup: Backup): Promise<void> {
  const paths = swapPaths(target.binaryPath, new Date());
  await eitherWay(container, async () => {
    const result = await container.exec(['sh', '-c', RESTORE, 'sh', target.binaryPath, backup.path, paths.temp, backup.sha256]);
    if (result.exitCode === BACKUP_FAILED) throw damaged(container, backup, /^corrupt (\S*)$/m.exec(result.stdout)?.[1] ?? null);
    if (result.exitCode !== 0) throw execFailure(`restoring ${backup.path}`, container.name, result, 'rollback');
  }, async () => {
    await container.stop(0);
    const file = await container.readFile(backup.path);
    if (file?.sha256 !== backup.sha256) throw damaged(container, backup, file?.sha256 ?? null);
    await container.putFile(paths.dir, paths.tempName, file.content, 0o755, paths.base);
  });
}

/**
 * Removes what archive writes leave beside their targets (the upload's and the backup's temp names, also
 * left by an exec cut off earlier). Best effort: it needs a running container, so it runs after the start.
 */
export async function removeLeftovers(container: ContainerClient, target: Pick<TargetConfig, 'binaryPath' | 'backupDir'>): Promise<void> {
  const paths = swapPaths(target.binaryPath, new Date(), target.backupDir);
  await container.exec(['rm', '-f', '--', paths.temp, paths.backupTemp]).catch(() => undefined);
}

/** A file's sha256: by the image's own sha256sum while it runs, else read through the archive API. */
export function hashInContainer(container: ContainerClient, path: string): Promise<string> {
  return eitherWay(container, async () => {
    const result = await container.exec(['sh', '-c', HASH_FILE, 'sh', path]);
    const sha = parseSha256(result.stdout);
    if (result.exitCode !== 0 || !sha) throw execFailure(`hashing ${path}`, container.name, result, 'verify');
    return sha;
  }, async () => {
    const file = await container.readFile(path);
    if (!file) throw operationError(`hashing ${path} in ${container.name}: no such file`, { phase: 'verify' });
    return file.sha256;
  });
}

/**
 * Why the container does not hold the build with this sha256 (a swap killed after going live, a manual
 * `docker cp`), or null when it does.
 */
export async function buildDrift(container: ContainerClient, binaryPath: string, sha256: string): Promise<string | null> {
  const held = await hashInContainer(container, binaryPath).catch(() => null);
  return held === sha256 ? null : `the container does not hold the last build (sha256 ${held?.slice(0, 12) ?? 'unknown'}…, built ${sha256.slice(0, 12)}…)`;
}
