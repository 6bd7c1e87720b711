/**
 * The Watcher stage: file events → repo-relative POSIX paths. It holds no timers of its own (the daemon
 * debounces) and makes no decisions beyond "is this path noise" (ignore.ts): the planner asks git what
 * really changed, so an event here is only a hint that it is worth asking.
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { HotswapError } from '../errors.js';
import type { Logger } from '../log.js';
import { watchError } from './errors.js';
import { loadIgnoreRules, type IgnoreRules } from './ignore.js';
import { rewatchReplacedDirs } from './replaced-dirs.js';

/** Polling interval when `watch.poll` is on: a save shows up within about this long. */
const POLL_INTERVAL_MS = 300;

const EVENTS = new Set(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);

export interface WatcherOptions {
  /** Absolute repo root; emitted paths are relative to it. */
  readonly repo: string;
  /** Absolute paths to watch (WatchConfig.paths). */
  readonly paths: readonly string[];
  /** `watch.ignore` globs, relative to the repo. */
  readonly ignore: readonly string[];
  readonly poll: boolean;
  readonly log: Logger;
  readonly onChange: (paths: string[]) => void;
  readonly onError: (error: HotswapError) => void;
}

export interface Watcher {
  readonly rules: IgnoreRules;
  close(): Promise<void>;
}

const toPosix = (p: string): string => (path.sep === '/' ? p : p.split(path.sep).join('/'));

export async function startWatcher(options: WatcherOptions): Promise<Watcher> {
  const { repo, log } = options;
  const rules = await loadIgnoreRules(repo, options.ignore);
  const prefix = repo.endsWith(path.sep) ? repo : `${repo}${path.sep}`;
  // chokidar hands back the absolute paths it was given: slicing the prefix off is the common, cheap case.
  const relative = (p: string) => toPosix(p.startsWith(prefix) ? p.slice(prefix.length) : path.relative(repo, path.resolve(repo, p)));

  const asks = answerOnce(rules, relative);
  const fsw = watch([...options.paths], {
    ignored: asks.ignored,
    ignoreInitial: true,
    // A symlink in the repo is a file to git; following it could watch trees outside the repo, or loop.
    followSymlinks: false,
    usePolling: options.poll,
    interval: POLL_INTERVAL_MS,
    binaryInterval: POLL_INTERVAL_MS,
    // The daemon's debounce already waits for a quiet period; awaitWriteFinish would add a second delay.
    awaitWriteFinish: false,
  });

  const report = (event: string, p: string) => {
    const rel = relative(p);
    // A .gitignore edit changes what is noise from the next event on; the edit itself is reported.
    if (rules.invalidate(rel)) {
      asks.forget();
      log.debug({ path: rel }, 'ignore rules reloaded');
    }
    // Checked again with the kind known: chokidar's stat-less check lets undecided paths through, and
    // directories watched before a .gitignore excluded them still report.
    if (rules.isIgnored(rel, event.endsWith('Dir'))) return;
    log.debug({ event, path: rel }, 'file event');
    options.onChange([rel]);
  };
  fsw.on('all', (event, p) => {
    if (EVENTS.has(event)) report(event, p);
  });
  const replaced = options.poll ? null : rewatchReplacedDirs(fsw, (dir) => report('addDir', dir));
  fsw.on('error', (e) => {
    const error = watchError(e, repo);
    log.warn({ err: e }, error.message);
    options.onError(error);
  });

  await waitReady(fsw);
  // The scan asked about every path once; later events ask about a few. Its caches (every path's verdict, in
  // the `ignore` package too) would stay for the daemon's life.
  rules.release();
  asks.forget();
  // Polling: chokidar says ready before each fs.watchFile has taken its first stat, and a file written in
  // between is that baseline, so its edit goes unseen. Measured here: 2 of 20 edits lost without this wait.
  if (options.poll) await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  log.info({ paths: options.paths, poll: options.poll }, 'watching');
  return {
    rules,
    close: () => {
      replaced?.stop();
      return fsw.close();
    },
  };
}

/** Bounds the paths kept between asks: a rescan asks once about paths it already watches, and never again. */
const MAX_KEPT = 4096;

/**
 * chokidar's `ignored`. chokidar asks three times per path: from its directory listing and after its own lstat
 * (with stats both times), and once before that lstat without. The first answer stands for the next two: a
 * kept path is remembered, with its kind, until the ask after the lstat (asking the rules again cost them a
 * third more time at start-up). A stat-less ask of a path not remembered skips the path's git rules: the ask
 * after the lstat decides before anything is watched, and report() before anything is emitted.
 */
export function answerOnce(rules: IgnoreRules, relative: (p: string) => string) {
  const kept = new Map<string, boolean>(); // absolute path → is a directory
  return {
    ignored(p: string, stats?: Stats): boolean {
      const isDir = stats?.isDirectory();
      const known = kept.get(p);
      if (known !== undefined && (isDir === undefined || isDir === known)) {
        if (isDir !== undefined) kept.delete(p);
        return false;
      }
      if (isDir === undefined) return rules.isSurelyIgnored(relative(p));
      const ignored = rules.isIgnored(relative(p), isDir);
      if (!ignored) {
        if (kept.size >= MAX_KEPT) kept.clear();
        kept.set(p, isDir);
      }
      return ignored;
    },
    /** The rules changed: what was kept may be wrong now. */
    forget: () => kept.clear(),
  };
}

function waitReady(fsw: FSWatcher): Promise<void> {
  return new Promise((resolve) => fsw.once('ready', () => resolve()));
}
