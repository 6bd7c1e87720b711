/**
 * Putting a backup back. A running container restores by copy + atomic rename (exec); a stopped one
 * (the new binary crashed it) through the archive API, since exec needs a running container.
 */
import { operationError } from '../errors.js';
import type { ContainerClient } from '../target/client.js';
import { HASH_FILE, RESTORE, parseSha256, swapPaths } from './scripts.js';

export async function restoreBinary(container: ContainerClient, binaryPath: string, backup: string): Promise<string | null> {
  const paths = swapPaths(binaryPath, new Date());
  const state = await container.inspect();
  if (state?.running && !state.restarting) {
    const result = await container.exec(['sh', '-c', RESTORE, 'sh', binaryPath, backup, paths.temp]);
    if (result.exitCode !== 0) {
      throw operationError(`restoring ${backup} in ${container.name}: ${result.stderr.trim() || `exit ${result.exitCode}`}`, { phase: 'rollback' });
    }
    return parseSha256(result.stdout);
  }
  // Stopped: nothing runs the file, so writing it in place is safe; the hash is checked after the start.
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
