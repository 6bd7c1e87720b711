/**
 * Does the work tree still hold, at `paths`, what a snapshot's tree holds there? Each file is read and hashed
 * as git hashes a blob; a path absent from both is held too. Anything else (a directory, a symlink, a file git
 * would filter, a read error) answers no, and the caller snapshots again: a no is always safe.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TreeEntry } from '../git/repo.js';

/** git's object id of a blob with these bytes (SHA-1 repositories). */
const blobId = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

/** The bytes at `path`, null when nothing is there; throws for anything but a file or nothing. */
async function contentAt(dir: string, path: string): Promise<Buffer | null> {
  return readFile(join(dir, path)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  });
}

export async function stillHolds(dir: string, entries: readonly TreeEntry[], paths: readonly string[]): Promise<boolean> {
  const blobs = new Map(entries.map((e) => [e.path, e.blob]));
  try {
    const held = await Promise.all(paths.map(async (path) => {
      const bytes = await contentAt(dir, path);
      return bytes === null ? !blobs.has(path) : blobs.get(path) === blobId(bytes);
    }));
    return held.every(Boolean);
  } catch {
    return false;
  }
}
