/**
 * Which repo paths the watcher drops: what git ignores (nested .gitignore files, .git/info/exclude), editor
 * temp files, hotswap's own state, and the `watch.ignore` globs. Git decides what a run builds anyway (the
 * planner snapshots the work tree); these rules only keep inotify watches and pointless runs down, so a
 * path wrongly kept costs one empty plan, never a wrong build.
 *
 * Each directory's .gitignore is read the first time a path below it is asked about and cached; the watcher
 * calls `invalidate` for every changed path, so an edited .gitignore takes effect on the next event.
 * .git/info/exclude is read with the root's rules; the watcher never sees .git, so edits to it need a restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isEphemeral } from './ephemeral.js';

/** Never watched: git's own store, hotswap's state and builds, and JavaScript dependencies. */
const ALWAYS = new Set(['.git', '.hotswap', 'node_modules']);

export interface IgnoreRules {
  /** `relPath` is repo-relative POSIX; `isDir` undefined means "not known yet" (ignored only if it would be either way). */
  isIgnored(relPath: string, isDir?: boolean): boolean;
  /**
   * The checks that need neither the path's kind nor its own git rules: hotswap's names, editor temp files,
   * the globs, an ignored ancestor directory. False means "not decided": isIgnored decides with the kind.
   */
  isSurelyIgnored(relPath: string): boolean;
  /** Drops the cached rules when `relPath` is a .gitignore; returns whether it was one. */
  invalidate(relPath: string): boolean;
  /** Drops every cached rule and verdict (read again when next asked): what a start-up scan of a big tree left. */
  release(): void;
}

const parentOf = (rel: string): string => path.posix.dirname(rel);
const isOutside = (rel: string): boolean => rel === '..' || rel.startsWith('../') || rel.startsWith('/');
/** `.` or `..` segments, or a doubled slash: what path.posix.normalize would change. */
const UNNORMAL = /\/\/|(^|\/)\.\.?(\/|$)/;
/** chokidar's paths are normal already: most asks need no path.posix.normalize. */
const normalized = (rel: string): string => (UNNORMAL.test(rel) ? path.posix.normalize(rel) : rel);

function readRules(file: string): string | null {
  // Most directories have no .gitignore: asking first is far cheaper than building an ENOENT error.
  if (!existsSync(file)) return null;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // unreadable: no rules from this file, as git does
  }
}

type Layers = Map<string, Ignore | null>;

/**
 * The rules a directory contributes, read once into `layers`; the root also carries .git/info/exclude
 * (lower precedence).
 */
function layerOf(repo: string, layers: Layers, dir: string): Ignore | null {
  if (layers.has(dir)) return layers.get(dir) ?? null;
  const own = readRules(path.join(repo, dir, '.gitignore'));
  const exclude = dir === '.' ? readRules(path.join(repo, '.git', 'info', 'exclude')) : null;
  // git compares case-sensitively on Linux (core.ignorecase=false); `ignore` defaults to the opposite.
  const rules = own === null && exclude === null ? null
    : ignore({ ignorecase: false }).add(exclude ?? '').add(own ?? '');
  layers.set(dir, rules);
  return rules;
}

/** The directories whose rules apply below one directory, root first, each with its rules. */
type Chain = readonly (readonly [dir: string, rules: Ignore])[];

/**
 * Each directory's chain, kept so a path's verdict does not walk up its ancestors again (most share their
 * parent's), over the layers read once each.
 */
function layerChains(repo: string) {
  const layers: Layers = new Map();
  const chains = new Map<string, Chain>();
  function chainOf(dir: string): Chain {
    const known = chains.get(dir);
    if (known) return known;
    const above = dir === '.' ? [] : chainOf(parentOf(dir));
    const rules = layerOf(repo, layers, dir);
    const chain = rules ? [...above, [dir, rules] as const] : above;
    chains.set(dir, chain);
    return chain;
  }
  return {
    chainOf,
    /** Reads `dir`'s rules again when next asked. */
    drop(dir: string): void {
      layers.delete(dir);
      chains.clear();
    },
    clear(): void {
      layers.clear();
      chains.clear();
    },
  };
}

/** git's verdict on one path of a known kind, given that no ancestor is ignored: the deepest matching rule wins. */
function gitIgnored(rel: string, isDir: boolean, chain: Chain): boolean {
  let ignored = false;
  for (const [dir, rules] of chain) {
    const local = dir === '.' ? rel : rel.slice(dir.length + 1);
    const result = rules.test(isDir ? `${local}/` : local);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

/**
 * The rules with the `watch.ignore` globs compiled; picomatch is loaded only when there are some (the default
 * has none, and its import is a fixed start-up cost the watcher would pay for nothing).
 */
export async function loadIgnoreRules(repo: string, globs: readonly string[] = []): Promise<IgnoreRules> {
  if (!globs.length) return createIgnoreRules(repo);
  const { default: picomatch } = await import('picomatch');
  // Globs are written relative to the repo, so `./docs/**` means `docs/**`.
  return createIgnoreRules(repo, picomatch(globs.map((g) => g.replace(/^\.\//, '')), { dot: true }));
}

/** `matchesGlob`: the compiled `watch.ignore` globs (loadIgnoreRules), on repo-relative paths. */
export function createIgnoreRules(repo: string, matchesGlob: (rel: string) => boolean = () => false): IgnoreRules {
  const chains = layerChains(repo);
  const dirDecisions = new Map<string, boolean>();
  /** Ignored as the kind asked about; when it is not known, as both, so only a sure answer drops the path. */
  const verdict = (rel: string, isDir: boolean | undefined): boolean => {
    const chain = chains.chainOf(parentOf(rel));
    return isDir === undefined ? gitIgnored(rel, false, chain) && gitIgnored(rel, true, chain) : gitIgnored(rel, isDir, chain);
  };

  const byName = (rel: string): boolean => {
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    return ALWAYS.has(base) || isEphemeral(base) || matchesGlob(rel);
  };

  /** Ancestors first: git never looks inside an ignored directory, and no rule below can bring a file back. */
  function dirIgnored(dir: string): boolean {
    if (dir === '.') return false;
    const known = dirDecisions.get(dir);
    if (known !== undefined) return known;
    const ignored = dirIgnored(parentOf(dir)) || byName(dir) || verdict(dir, true);
    dirDecisions.set(dir, ignored);
    return ignored;
  }

  /** Decides `rel` (normalized) when something other than its own git rules does; null when they must. */
  function settled(rel: string): boolean | null {
    if (rel === '.' || rel === '') return false;
    // Outside the repo git has no say; editor temp files are still noise.
    if (isOutside(rel)) return isEphemeral(path.posix.basename(rel));
    return dirIgnored(parentOf(rel)) || byName(rel) ? true : null;
  }

  return {
    isIgnored(relPath, isDir) {
      const rel = normalized(relPath);
      return settled(rel) ?? verdict(rel, isDir);
    },
    isSurelyIgnored: (relPath) => settled(normalized(relPath)) ?? false,
    invalidate(relPath) {
      const rel = normalized(relPath);
      const isRulesFile = path.posix.basename(rel) === '.gitignore' || rel === '.git/info/exclude';
      if (!isRulesFile) return false;
      chains.drop(rel === '.git/info/exclude' ? '.' : parentOf(rel));
      dirDecisions.clear();
      return true;
    },
    release() {
      chains.clear();
      dirDecisions.clear();
    },
  };
}
