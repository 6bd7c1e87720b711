/**
 * The build-input graph of one binary, computed from a tree the way `go build` would read it: walk the
 * import closure of the main package inside this repo, and for each package take its buildable Go files,
 * their embeds, its C and assembly sources, and the directories its cgo flags include. File reading is
 * injected, so one walk serves git trees of any revision; everything else here is pure.
 */
import picomatch from 'picomatch';
import { constraintHolds, fileNameMatches } from './constraints.js';
import type { BuildContext } from './context.js';
import type { GoFileHeader } from './header.js';
import { packageDirOf, readModuleLayout, type ModuleLayout, type ReadText } from './modules.js';

export interface GraphSource {
  /** Every file of the tree, relative to its root. */
  readonly paths: readonly string[];
  /** Headers of the given .go files (all in one call, so a git-backed source reads one batch). */
  headers(paths: readonly string[]): Promise<ReadonlyMap<string, GoFileHeader>>;
  /** What each of the given files #includes, as written (parseIncludes; all in one call). */
  includes(paths: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  readonly text: ReadText;
}

export interface BuildGraph {
  /** Every file that goes into the binary → why. */
  readonly files: ReadonlyMap<string, string>;
  /** Packages of the closure in this repo (directory, '' for the root) → why they are in it. */
  readonly packages: ReadonlyMap<string, string>;
  /** Go files of those packages left out of this build → why (constraints, platform, cgo). */
  readonly excluded: ReadonlyMap<string, string>;
  /** Directories named by `#cgo … -I`: any header below them may be included. */
  readonly includeDirs: readonly string[];
}

/** Files go build hands to the C, C++, Objective-C or Fortran compiler, SWIG or the assembler, and the headers they include. */
const C_SOURCE = /\.(c|cc|cpp|cxx|h|hh|hpp|hxx|inc|def|ipp|tcc|s|S|sx|m|mm|f|F|for|f90|swig|swigcxx)$/;
const SYSO = /\.syso$/;
const CGO_ONLY = /\.(c|cc|cpp|cxx|m|mm|f|F|for|f90)$/;

export const packageLabel = (dir: string) => (dir === '' ? '.' : `./${dir}`);
export const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const under = (dir: string, path: string) => dir === '' || path.startsWith(`${dir}/`);
const relativeTo = (dir: string, path: string) => (dir === '' ? path : path.slice(dir.length + 1));

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** Directory → files directly in it. */
function indexByDirectory(paths: readonly string[]): Map<string, string[]> {
  const byDir = new Map<string, string[]>();
  for (const path of paths) {
    const dir = parentOf(path);
    const files = byDir.get(dir);
    if (files) files.push(path);
    else byDir.set(dir, [path]);
  }
  return byDir;
}

/** "imported by ./server via ./cmd/ollama": the chain back to the main package, nearest first. */
function importedBy(chain: readonly string[]): string {
  if (chain.length === 0) return 'the main package';
  const [parent, ...rest] = [...chain].reverse().map(packageLabel);
  return `imported by ${parent}${rest.length ? ` via ${rest.join(' via ')}` : ''}`;
}

/**
 * `//go:embed` semantics: the pattern is a path.Match glob over the package directory's files and
 * directories; a matched directory brings every file below it except names starting with . or _ (unless
 * the pattern starts with `all:`), and nothing from a nested module.
 */
export function embeddedFiles(pattern: string, packageDir: string, paths: readonly string[]): string[] {
  const all = pattern.startsWith('all:');
  const glob = all ? pattern.slice(4) : pattern;
  const isMatch = picomatch(glob, { dot: true, nobrace: true, noextglob: true, nonegate: true, noglobstar: true });
  const candidates = paths.filter((p) => under(packageDir, p) && p !== packageDir).map((p) => relativeTo(packageDir, p));
  const nestedModules = candidates.filter((p) => baseOf(p) === 'go.mod').map(parentOf).filter((d) => d !== '');
  const inNestedModule = (rel: string) => nestedModules.some((m) => rel.startsWith(`${m}/`));
  const files = new Set(candidates);
  const matches = new Set<string>();
  for (const rel of candidates) {
    // A file and every directory above it (within the package) can be what the pattern names.
    for (let at = rel; at !== ''; at = parentOf(at)) if (isMatch(at)) matches.add(at);
  }
  const result = new Set<string>();
  for (const match of matches) {
    if (files.has(match)) {
      if (!inNestedModule(match)) result.add(match);
      continue;
    }
    for (const rel of candidates) {
      if (!rel.startsWith(`${match}/`) || inNestedModule(rel)) continue;
      const inside = rel.slice(match.length + 1).split('/');
      if (!all && inside.some((part) => part.startsWith('.') || part.startsWith('_'))) continue;
      result.add(rel);
    }
  }
  const prefix = packageDir === '' ? '' : `${packageDir}/`;
  return [...result].map((rel) => prefix + rel);
}

/** Why a Go file of a closure package is left out of this build, or null when it is built. */
function exclusionOf(path: string, header: GoFileHeader | undefined, context: BuildContext): string | null {
  const name = baseOf(path);
  if (name.startsWith('_') || name.startsWith('.')) return 'go build ignores names starting with _ or .';
  if (!fileNameMatches(name, context)) return `built only for another platform than ${context.goos}/${context.goarch}`;
  if (!header) return null;
  if (!constraintHolds(header.constraint, context)) return `excluded by //go:build ${header.constraint}`;
  if (header.imports.includes('C') && !context.cgo) return 'uses cgo, and cgo is off';
  return null;
}

interface Walked {
  readonly files: Map<string, string>;
  readonly excluded: Map<string, string>;
  /** Package directories of the closure. */
  readonly packageDirs: readonly string[];
  readonly includeDirs: ReadonlySet<string>;
  /** Go files of the build that import "C": their preambles #include. */
  readonly cgoFiles: readonly string[];
}

const addOnce = (files: Map<string, string>, path: string, why: string) => {
  if (!files.has(path)) files.set(path, why);
};

/**
 * The files go build reads besides Go files: each package's C, assembly and .syso files, and what is below
 * its cgo include directories. go/build's file-name rule holds for them too (x_darwin.h, y_windows.c).
 */
async function addNonGoFiles(walked: Walked, source: GraphSource, byDir: ReadonlyMap<string, string[]>, context: BuildContext): Promise<void> {
  const otherPlatform = new Map<string, string>();
  const take = (path: string, why: string) => {
    if (fileNameMatches(baseOf(path), context)) addOnce(walked.files, path, why);
    else otherPlatform.set(path, why);
  };
  const cgoDirs = new Set(walked.cgoFiles.map(parentOf));
  for (const dir of walked.packageDirs) {
    for (const path of byDir.get(dir) ?? []) {
      // C, C++ and Objective-C are compiled only through cgo; assembly and headers count either way.
      if ((SYSO.test(path) || C_SOURCE.test(path)) && (cgoDirs.has(dir) || !CGO_ONLY.test(path))) take(path, `C or assembly source of ${packageLabel(dir)}`);
    }
  }
  for (const dir of walked.includeDirs) {
    for (const path of source.paths) {
      if (under(dir, path) && C_SOURCE.test(path)) take(path, `C header or source below ${packageLabel(dir)}, which cgo code may #include`);
    }
  }
  const includers = [...walked.cgoFiles, ...[...walked.files.keys()].filter((p) => C_SOURCE.test(p))];
  await addIncluded(source, includers, otherPlatform, walked.files);
  const elsewhere = `built only for another platform than ${context.goos}/${context.goarch}`;
  for (const path of otherPlatform.keys()) if (!walked.files.has(path)) walked.excluded.set(path, elsewhere);
}

/**
 * A file named for another platform still counts when a file of this build #includes it, directly or
 * through another such file. Matched by file name, not resolved by include path: that can only count one
 * file too many, never miss one.
 */
async function addIncluded(source: GraphSource, includers: readonly string[], otherPlatform: Map<string, string>, files: Map<string, string>): Promise<void> {
  let scan = includers;
  while (scan.length > 0 && otherPlatform.size > 0) {
    const named = new Set([...(await source.includes(scan)).values()].flat().map(baseOf));
    scan = [...otherPlatform.keys()].filter((path) => named.has(baseOf(path)));
    for (const path of scan) {
      addOnce(files, path, `${otherPlatform.get(path)!}; #included by this build although named for another platform`);
      otherPlatform.delete(path);
    }
  }
}

/** The walk's state: what is found so far, and what it needs to know of the tree. */
export interface Walk {
  readonly files: Map<string, string>;
  readonly excluded: Map<string, string>;
  /** Package directory → the chain of importers back to the main package. */
  readonly chains: Map<string, readonly string[]>;
  readonly includeDirs: Set<string>;
  readonly cgoFiles: string[];
  readonly layout: ModuleLayout;
  readonly paths: readonly string[];
  readonly byDir: ReadonlyMap<string, string[]>;
  readonly context: BuildContext;
}

const goFilesIn = (byDir: ReadonlyMap<string, string[]>, dir: string) =>
  (byDir.get(dir) ?? []).filter((p) => p.endsWith('.go') && !p.endsWith('_test.go'));

/**
 * One package of the closure: its Go files go into `files` or `excluded`, with their embeds and cgo
 * directories. Returns the repo packages it imports that the walk has not met yet (now chained to it).
 */
export function visitPackage(walk: Walk, dir: string, headers: ReadonlyMap<string, GoFileHeader>): string[] {
  const chain = walk.chains.get(dir)!;
  const label = packageLabel(dir);
  const why = chain.length ? importedBy(chain) : `in the main package ${label}`;
  const next: string[] = [];
  for (const path of goFilesIn(walk.byDir, dir)) {
    const header = headers.get(path);
    const exclusion = exclusionOf(path, header, walk.context);
    if (exclusion) {
      walk.excluded.set(path, exclusion);
      continue;
    }
    addOnce(walk.files, path, why);
    if (header) next.push(...visitHeader(walk, dir, label, path, header));
  }
  return next;
}

/** What one built Go file adds: cgo include directories, embedded files, and packages not met yet. */
function visitHeader(walk: Walk, dir: string, label: string, path: string, header: GoFileHeader): string[] {
  // cgo code may #include files from below its own directory, as ggml's wrappers do.
  if (header.imports.includes('C')) {
    walk.cgoFiles.push(path);
    walk.includeDirs.add(dir);
  }
  for (const pattern of header.embeds) {
    for (const file of embeddedFiles(pattern, dir, walk.paths)) addOnce(walk.files, file, `embedded by ${label} (//go:embed ${pattern})`);
  }
  for (const include of header.cgoIncludeDirs) walk.includeDirs.add(normalize(dir ? `${dir}/${include}` : include));
  const next: string[] = [];
  for (const imported of header.imports) {
    const target = imported === 'C' ? null : packageDirOf(imported, walk.layout);
    if (target === null || walk.chains.has(target) || !walk.byDir.has(target)) continue;
    walk.chains.set(target, [...walk.chains.get(dir)!, dir]);
    next.push(target);
  }
  return next;
}

export async function buildGraph(source: GraphSource, main: string, context: BuildContext): Promise<BuildGraph> {
  const layout = await readModuleLayout(source.text);
  const byDir = indexByDirectory(source.paths);
  const start = normalize(main);
  const walk: Walk = {
    files: new Map(), excluded: new Map(), chains: new Map([[start, []]]), includeDirs: new Set(), cgoFiles: [],
    layout, paths: source.paths, byDir, context,
  };
  for (const path of layout.definitionFiles) if (byDir.get(parentOf(path))?.includes(path)) addOnce(walk.files, path, 'module definition');
  for (let frontier = [start]; frontier.length > 0; ) {
    const goFiles = frontier.flatMap((dir) => goFilesIn(byDir, dir)).filter((p) => fileNameMatches(baseOf(p), context));
    const headers = await source.headers(goFiles);
    frontier = frontier.flatMap((dir) => visitPackage(walk, dir, headers));
  }
  await addNonGoFiles({ ...walk, packageDirs: [...walk.chains.keys()] }, source, byDir, context);
  const packages = new Map([...walk.chains].map(([dir, chain]) => [dir, importedBy(chain)]));
  return { files: walk.files, packages, excluded: walk.excluded, includeDirs: [...walk.includeDirs] };
}
