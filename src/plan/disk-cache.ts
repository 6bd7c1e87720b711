/**
 * The planner's caches kept in `.hotswap/` between processes, so a one-shot `hotswap plan` redoes only what
 * changed since the last one: parsed headers by blob id, `go list` answers by inputs key. Both keys name
 * contents, so an entry never goes stale; files are only bounded. A damaged file is an empty cache.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Bump when what is cached changes shape or meaning (parser rules): old files are then ignored. */
const VERSION = 2;

export async function loadCache<T>(file: string): Promise<Map<string, T>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { version?: number; entries?: Record<string, T> };
    return parsed.version === VERSION && parsed.entries ? new Map(Object.entries(parsed.entries)) : new Map();
  } catch {
    return new Map();
  }
}

/** Writes the newest `max` entries (a Map keeps insertion order), atomically. */
export async function saveCache<T>(file: string, entries: ReadonlyMap<string, T>, max: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, JSON.stringify({ version: VERSION, entries: Object.fromEntries([...entries].slice(-max)) }));
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true }); // half a cache is no cache
    throw e;
  }
}

/** A map kept in `file` between processes (null: in memory only): loaded once when first needed, saved when changed. */
export interface PersistedMap<T> {
  load(): Promise<void>;
  has(key: string): boolean;
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  /** Writes the newest `max` entries if any changed; never fails (a cache only costs a redo). */
  save(): Promise<void>;
}

export function persistedMap<T>(file: string | null, max: number): PersistedMap<T> {
  const entries = new Map<string, T>();
  let loaded: Promise<void> | null = null;
  let unsaved = false;
  return {
    load: () => (loaded ??= file ? loadCache<T>(file).then((saved) => {
      for (const [key, value] of saved) if (!entries.has(key)) entries.set(key, value);
    }) : Promise.resolve()),
    has: (key) => entries.has(key),
    get: (key) => entries.get(key),
    set(key, value) {
      entries.set(key, value);
      unsaved = true;
    },
    async save() {
      if (!file || !unsaved) return;
      unsaved = false;
      // A full disk or a read-only .hotswap only costs the next run a re-parse.
      await saveCache(file, entries, max).catch(() => undefined);
    },
  };
}
