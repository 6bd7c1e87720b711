/**
 * A CommonJS file compiled with V8's code cache: Node 20 keeps none for ES modules and has no
 * module.enableCompileCache (Node 22). The cache is made after the command ran, so the functions it compiled
 * lazily are in it too; it lives in the user's cache directory (never the package's: a global install is
 * read-only), one file per label (the command) and per version of the source, of Node and of the architecture.
 * A missing, unreadable or rejected cache is rebuilt; a cache that cannot be written is simply not kept:
 * nothing here fails a command. `NODE_DEBUG=hotswap` prints what happened to it on stderr.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { debuglog } from 'node:util';
import { Script } from 'node:vm';

const debug = debuglog('hotswap');
/** Caches kept per file, the newest written: every command's (~1 MB each) of two or three versions. */
const KEPT = 32;
// On line 1, so the file's line numbers (stack traces, its source map) stay right.
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';

/** `$XDG_CACHE_HOME/hotswap`, else `~/.cache/hotswap`; null when there is no home to put it in. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | null {
  try {
    return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hotswap');
  } catch {
    return null;
  }
}

export interface CachedModule {
  exports: Record<string, unknown>;
  /** Writes the cache when the one read was missing or rejected; call it once the work is done. */
  keep(): void;
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole (temp + rename): a process reading it never sees half a cache. */
function writeCache(file: string, data: Buffer, prefix: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, file);
    debug('code cache written: %s', file);
    prune(dirname(file), prefix);
  } catch (e) {
    debug('code cache not written: %s', (e as Error).message);
    try {
      rmSync(temp, { force: true });
    } catch {
      // no directory to have left it in
    }
  }
}

/** The newest KEPT caches of the file stay; another process pruning beside this one is no error. */
function prune(dir: string, prefix: string): void {
  const mine = readdirSync(dir).filter((name) => name.startsWith(prefix) && name.endsWith('.v8')).map((name) => join(dir, name));
  const newestFirst = mine.map((path) => ({ path, at: statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => b.at - a.at);
  for (const { path } of newestFirst.slice(KEPT)) rmSync(path, { force: true });
}

/** The file's text: an ASCII file is read as latin1, V8's one-byte string, without the UTF-8 decode (~5 ms for 1.5 MB). */
const textOf = (bytes: Buffer): string => bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');

/** `require(file)` through V8's code cache in `dir` (null: none). */
export function requireWithCodeCache(file: string, label: string, dir: string | null): CachedModule {
  const bytes = readFileSync(file);
  const source = textOf(bytes);
  const prefix = `${basename(file)}-`;
  // The bytes, not the text: hashing a string encodes it to UTF-8 again (~2 ms for 1.5 MB).
  const key = createHash('sha256').update(bytes).update(`${process.version} ${process.arch}`).digest('hex').slice(0, 16);
  const cacheFile = dir === null ? null : join(dir, `${prefix}${label}-${key}.v8`);
  const cachedData = cacheFile === null ? undefined : readCache(cacheFile);
  const script = new Script(`${WRAPPER}${source}\n})`, { filename: file, cachedData });
  const reused = cachedData !== undefined && !script.cachedDataRejected;
  debug('code cache %s: %s', reused ? 'reused' : cachedData ? 'rejected' : 'missing', cacheFile ?? 'no cache directory');
  const module = { exports: {} as Record<string, unknown>, filename: file, id: file };
  const init = script.runInThisContext() as (...args: unknown[]) => void;
  init.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    keep: () => {
      if (!reused && cacheFile !== null) writeCache(cacheFile, script.createCachedData(), prefix);
    },
  };
}
