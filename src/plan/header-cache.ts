/**
 * Parsed Go headers by blob id, kept in `.hotswap/` so a one-shot `hotswap plan` parses only what changed
 * since the last one. Blob ids name contents, so an entry never goes stale; the file is only bounded.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GoFileHeader } from './go/header.js';

/** Bumped when GoFileHeader or the parser's rules change: old entries are then ignored. */
const VERSION = 1;
const MAX_ENTRIES = 50_000;

export async function loadHeaderCache(file: string): Promise<Map<string, GoFileHeader>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { version?: number; headers?: Record<string, GoFileHeader> };
    return parsed.version === VERSION && parsed.headers ? new Map(Object.entries(parsed.headers)) : new Map();
  } catch {
    return new Map(); // absent or damaged: parse again
  }
}

export async function saveHeaderCache(file: string, headers: ReadonlyMap<string, GoFileHeader>): Promise<void> {
  const newest = [...headers].slice(-MAX_ENTRIES);
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify({ version: VERSION, headers: Object.fromEntries(newest) }));
  await rename(temp, file);
}
