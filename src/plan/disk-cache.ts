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
