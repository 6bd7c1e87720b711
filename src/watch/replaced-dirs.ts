/**
 * chokidar 5 loses a directory that is deleted and recreated faster than it notices (a branch switch, an
 * `rm -rf x && cp -r`): its inotify watch stays on the deleted inode, and the parent's rescan sees the same
 * name and assumes nothing happened, so edits in the new directory are never reported. Measured here: with
 * rm + mkdir back to back, 10 of 10 later edits were lost.
 *
 * The deleted directory's own watch reports a `rename` of its own name (inotify IN_DELETE_SELF /
 * IN_MOVE_SELF); inode numbers cannot tell old from new, since the file system reuses them at once. When the
 * path is a directory again a moment later and chokidar did not notice the removal, it is watched afresh and
 * reported as changed. Edits made in that moment may go unreported, but the report of the directory comes
 * after them, and the planner asks git, so the run that follows includes them.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';

/** git deletes and recreates a directory within milliseconds; this lets the recreation land first. */
const SETTLE_MS = 100;

const isDirectory = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false; // gone for good: chokidar reports the unlinkDir itself
  }
};

export function rewatchReplacedDirs(fsw: FSWatcher, onRewatched: (dir: string) => void): { stop(): void } {
  const pending = new Set<string>();
  /** Removals chokidar noticed itself since the last flush (a slower delete): it also sees the recreation,
   * and a rewatch on top would swallow the events of its rescan. */
  const seenByChokidar = new Set<string>();
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    timer = null;
    // Parents first: re-adding a parent rescans it before its children are re-added.
    const dirs = [...pending].filter((d) => !seenByChokidar.has(d)).sort((a, b) => a.length - b.length);
    pending.clear();
    seenByChokidar.clear();
    for (const dir of dirs.filter(isDirectory)) {
      fsw.unwatch(dir); // drops the watch on the deleted inode
      fsw.add(dir);
      onRewatched(dir);
    }
  };

  fsw.on('raw', (event, filename, details) => {
    const watched = (details as { watchedPath?: unknown }).watchedPath;
    // Also true for a child named like its directory (server/server): a needless rescan, nothing worse.
    if (event !== 'rename' || typeof watched !== 'string' || filename !== path.basename(watched)) return;
    pending.add(watched);
    timer ??= setTimeout(flush, SETTLE_MS);
  });
  fsw.on('unlinkDir', (dir) => {
    if (timer) seenByChokidar.add(dir);
  });

  return {
    stop() {
      if (timer) clearTimeout(timer);
      pending.clear();
      seenByChokidar.clear();
    },
  };
}
