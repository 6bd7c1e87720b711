/**
 * Sync mode of the builder container: the source is copied in (no bind mount, e.g. a remote engine).
 * The first sync sends the whole tree; later ones only what changed since, and remove what was deleted.
 * What the container holds is remembered on the host per builder container id.
 */
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listWorkTreeFiles } from '../git/repo.js';
import { ensureStateDir, statePath } from '../state/store.js';

/** path → "size:mtimeMs:mode", enough to notice an edit without hashing every file. */
export type Manifest = Record<string, string>;

export interface SyncDelta {
  readonly put: readonly string[];
  readonly remove: readonly string[];
}

/** Pure: what to send and what to delete, given what the container holds (null: nothing yet). */
export function syncDelta(held: Manifest | null, now: Manifest): SyncDelta {
  const before = held ?? {};
  const put = Object.keys(now).filter((p) => before[p] !== now[p]).sort();
  const remove = Object.keys(before).filter((p) => !(p in now)).sort();
  return { put, remove };
}

/** hotswap's own state never goes in: it holds binaries and changes on every run. */
const isOwnState = (path: string) => path === '.hotswap' || path.startsWith('.hotswap/');

export async function scanWorkTree(repo: string): Promise<Manifest> {
  const manifest: Manifest = {};
  for (const path of await listWorkTreeFiles(repo)) {
    if (isOwnState(path)) continue;
    const info = await lstat(join(repo, path)).catch(() => null);
    if (info && (info.isFile() || info.isSymbolicLink())) manifest[path] = `${info.size}:${info.mtimeMs}:${info.mode}`;
  }
  return manifest;
}

interface Saved { readonly containerId: string; readonly files: Manifest }

const manifestFile = (repo: string, builder: string) => statePath(repo, `sync-${builder}.json`);

/** What the builder holds, or null when it is another container (recreated) or nothing was synced. */
export async function readHeld(repo: string, builder: string, containerId: string): Promise<Manifest | null> {
  const text = await readFile(manifestFile(repo, builder), 'utf8').catch(() => null);
  if (!text) return null;
  const saved = JSON.parse(text) as Saved;
  return saved.containerId === containerId ? saved.files : null;
}

export async function saveHeld(repo: string, builder: string, containerId: string, files: Manifest): Promise<void> {
  await ensureStateDir(repo);
  const saved: Saved = { containerId, files };
  await writeFile(manifestFile(repo, builder), JSON.stringify(saved), { mode: 0o600 });
}


/** Paths in argv-sized chunks, so a large deletion never exceeds the exec argument limit. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
