/** What git's plumbing prints, as data. Pure: text in, plain records out (`git.ts` runs the commands). */
import type { ChangedPath, TreeEntry } from './repo.js';

/** `git diff --name-status --no-renames -z`: status and path, NUL after each. */
export function parseNameStatus(out: string): ChangedPath[] {
  const fields = out.split('\0').filter(Boolean);
  const changes: ChangedPath[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) changes.push({ status: fields[i]!, path: fields[i + 1]! });
  return changes;
}

/** `git ls-tree -r -z`: the blobs of a tree, symlinks and submodules left out. */
export function parseLsTree(out: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of out.split('\0')) {
    const tab = record.indexOf('\t');
    const [mode, type, blob] = record.slice(0, tab).split(' ');
    // 120000 is a symlink: go build follows it, but its target is another entry (or outside the repo).
    if (type === 'blob' && mode !== '120000' && blob) entries.push({ path: record.slice(tab + 1), blob });
  }
  return entries;
}
