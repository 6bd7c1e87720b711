/**
 * Putting a backup back. A running container restores by copy + atomic rename (exec); a stopped or
 * crash-looping one (the new binary crashed it) is stopped and restored through the archive API, since
 * exec needs a running container.
 */
import { operationError } from '../errors.js';
import type { ContainerClient } from '../target/client.js';
import { HASH_FILE, RESTORE, parseSha256, swapPaths } from './scripts.js';

export async function restoreBinary(container: ContainerClient, binaryPath: string, backup: string): Promise<string | null> {
  const paths = swapPaths(binaryPath, new Date());
  const state = await container.inspect();
  if (state?.running && !state.restarting) {
    const result = await container.exec(['sh', '-c', RESTORE, 'sh', binaryPath, backup, paths.temp]).catch(() => null);
    if (result?.exitCode === 0) return parseSha256(result.stdout);
    // Still running: the restore itself failed. Otherwise the container died under the exec (a crash loop
    // "runs" for milliseconds between restarts) and the archive path below applies.
    const now = await container.inspect();
    if (result && now?.running && !now.restarting) {
      throw operationError(`restoring ${backup} in ${container.name}: ${result.stderr.trim() || `exit ${result.exitCode}`}`, { phase: 'rollback' });
    }
  }
  // Stopped or crash-looping: stop it for good (that also holds a restart policy back), then write the file
  // in place, which nothing runs now. The caller starts it; the hash is checked after the start.
  await container.stop(0);
  await container.copyWithin(backup, paths.dir, paths.base);
  return null;
}

export async function hashInContainer(container: ContainerClient, path: string): Promise<string> {
  const result = await container.exec(['sh', '-c', HASH_FILE, 'sh', path]);
  const sha = parseSha256(result.stdout);
  if (result.exitCode !== 0 || !sha) {
    throw operationError(`hashing ${path} in ${container.name}: ${result.stderr.trim() || `exit ${result.exitCode}`}`, {
      phase: 'verify', hint: result.exitCode === 127 ? 'the image has no sha256sum; use an image with coreutils or busybox' : undefined,
    });
  }
  return sha;
}
