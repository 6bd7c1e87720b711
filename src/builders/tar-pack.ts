/**
 * The one tar packer: files of a tree streamed into a tar as they are read (never the whole tree in memory),
 * symlinks kept as links, modes as on disk; what is neither a file nor a link is left out. An error ends the
 * stream with that error. Used for the artifact build's context and the builder container's sync.
 */
import { createReadStream } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

export interface ExtraEntry { readonly name: string; readonly content: string }

export function packTree(root: string, files: readonly string[], extra: ExtraEntry | null = null): Readable {
  const pack = tar.pack();
  void (async () => {
    for (const rel of files) {
      const abs = join(root, rel);
      const info = await lstat(abs);
      if (info.isSymbolicLink()) pack.entry({ name: rel, type: 'symlink', linkname: await readlink(abs), mtime: info.mtime });
      else if (info.isFile()) await pipeline(createReadStream(abs), pack.entry({ name: rel, size: info.size, mode: info.mode & 0o7777, mtime: info.mtime }));
    }
    if (extra) pack.entry({ name: extra.name, mode: 0o644 }, extra.content);
    pack.finalize();
  })().catch((e: Error) => pack.destroy(e));
  return pack as unknown as Readable;
}
