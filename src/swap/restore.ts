/**
 * Putting a backup back. A running container restores by copy + atomic rename (exec); a stopped or
 * crash-looping one (the new binary crashed it) is stopped and restored through the archive API, since
 * exec needs a running container.
 */
import type { ContainerClient } from '../target/client.js';
import { HASH_FILE, RESTORE, execFailure, parseSha256, swapPaths } from './scripts.js';

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
      throw execFailure(`restoring ${backup}`, container.name, result, 'rollback');
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
    throw execFailure(`hashing ${path}`, container.name, result, 'verify');
  }
  return sha;
}

/**
 * Why the container does not hold the build with this sha256 (a swap killed after going live, a manual
 * `docker cp`), or null when it does. One exec.
 */
export async function buildDrift(container: ContainerClient, binaryPath: string, sha256: string): Promise<string | null> {
  const held = await hashInContainer(container, binaryPath).catch(() => null);
  return held === sha256 ? null : `the container does not hold the last build (sha256 ${held?.slice(0, 12) ?? 'unknown'}…, built ${sha256.slice(0, 12)}…)`;
}
