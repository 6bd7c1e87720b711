/**
 * What the planner reads from blobs, by blob id: Go headers (also kept on disk, so a one-shot command
 * re-parses only what changed), C `#include` names and module files' text (in memory). A blob id names
 * its contents, so an entry never goes stale; it lives as long as the planner.
 */
import { persistedMap } from './disk-cache.js';
import type { GitRepo } from '../git/repo.js';
import { parseGoHeader, parseIncludes, type GoFileHeader } from './go/header.js';

const MAX_HEADERS = 50_000;

export interface HeaderCache {
  /** Headers of Go blobs, each read and parsed once. */
  headers(blobs: readonly string[]): Promise<ReadonlyMap<string, GoFileHeader>>;
  /** A header read before, or undefined. */
  known(blob: string): GoFileHeader | undefined;
  /** #include names of C blobs (rarely needed: kept in memory only). */
  includes(blobs: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Text of blobs such as go.mod, each read once. */
  texts(blobs: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Writes new headers to the cache file; never fails. */
  save(): Promise<void>;
}

type Blobs = Pick<GitRepo, 'readBlobs'>;
interface Memory<T> {
  has(key: string): boolean;
  get(key: string): T | undefined;
  set(key: string, value: T): unknown;
}

/** Reads and parses the blobs not in `memory` yet (one batch), then answers from it. */
async function through<T>(git: Blobs, memory: Memory<T>, blobs: readonly string[], parse: (text: string) => T): Promise<Map<string, T>> {
  const missing = [...new Set(blobs)].filter((blob) => !memory.has(blob));
  if (missing.length > 0) for (const [blob, content] of await git.readBlobs(missing)) memory.set(blob, parse(content.toString('utf8')));
  return new Map(blobs.filter((b) => memory.has(b)).map((b) => [b, memory.get(b)!]));
}

/** `file` null: headers are kept in memory only. */
export function createHeaderCache(git: Blobs, file: string | null): HeaderCache {
  const headers = persistedMap<GoFileHeader>(file, MAX_HEADERS);
  const includes = new Map<string, readonly string[]>();
  const texts = new Map<string, string>();
  return {
    async headers(blobs) {
      await headers.load();
      return through(git, headers, blobs, parseGoHeader);
    },
    known: (blob) => headers.get(blob),
    includes: (blobs) => through(git, includes, blobs, parseIncludes),
    texts: (blobs) => through(git, texts, blobs, (text) => text),
    save: () => headers.save(),
  };
}
