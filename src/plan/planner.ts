/**
 * The planner: which build inputs changed between two trees, for one binary. It reads trees from git
 * objects only (any revision, no checkout) and keeps its caches across calls: a file is parsed once per
 * content (blob id, also kept in `.hotswap/go-headers.json` for one-shot commands) and a tree's graph
 * once per tree, main package and build context. So a plan after an edit re-reads only the edited files.
 */
import { createHash } from 'node:crypto';
import type { Plan } from '../report.js';
import { classifyChange, imageMatcher } from './classify.js';
import type { GitRepo, TreeEntry } from './git.js';
import type { BuildContext } from './go/context.js';
import { buildGraph, type BuildGraph, type GraphSource } from './go/graph.js';
import { parseGoHeader, parseIncludes, type GoFileHeader } from './go/header.js';
import { makePlan } from './plan.js';
import { join } from 'node:path';
import { loadCache, saveCache } from './disk-cache.js';

/** One binary to plan for: its main package and what it is built for. */
export interface PlanTarget {
  /** Package directory relative to the repo, like '.' or './cmd/ollama'. */
  readonly main: string;
  readonly context: BuildContext;
}

export interface PlannerOptions {
  /** Extra globs (relative to the repo) of files that go into the image, not the binary. */
  readonly imageInputs: readonly string[];
  /** Where to keep parsed headers and `go list` answers between processes; null keeps them in memory. */
  readonly cacheDir?: string | null;
  /**
   * The toolchain's answer for the work tree (`go list`), or null when the local Go cannot answer. Its
   * files join the parser's: either one alone could miss an input, and a wrong skip is the worst error.
   */
  readonly goList?: ((main: string, context: BuildContext) => Promise<ReadonlyMap<string, string> | null>) | null;
  /** Told when `go list` fails; the parser's graph is then used alone. */
  readonly warn?: (message: string) => void;
}

export interface PlanOptions {
  /** `to` is a snapshot of the work tree, so `go list` on the work tree describes it. */
  readonly workTree?: boolean;
  /** Said with the plan (Plan.comparedWith) when `from` is not the last build. */
  readonly comparedWith?: string;
}

/** The files of one tree that go into one binary, each with why (repo-relative paths). */
export interface BuildInputs {
  readonly files: ReadonlyMap<string, string>;
  /** Directories whose C headers may be included (#cgo -I), repo-relative. */
  readonly includeDirs: readonly string[];
}

export interface Planner {
  /** `from` null: nothing built yet. */
  plan(from: string | null, to: string, target: PlanTarget, options?: PlanOptions): Promise<Plan>;
  /** The inputs of one tree: what the tests compare with `go list` (plans use the same graphs). */
  inputs(tree: string, target: PlanTarget): Promise<BuildInputs>;
}

interface TreeSource extends GraphSource {
  readonly blobOf: ReadonlyMap<string, string>;
}

interface TreeGraph {
  readonly graph: BuildGraph;
  /** Changes only when what feeds the graph changes (see inputsKeyOf). */
  readonly inputsKey: string;
}

const DEFINITION_FILES = ['go.mod', 'go.work', 'vendor/modules.txt'];
const HEADERS_FILE = 'go-headers.json';
const GO_LIST_FILE = 'go-list.json';
const MAX_HEADERS = 50_000;
const MAX_GO_LISTS = 8;
/** Graphs kept in memory: the last built tree and a few snapshots per target are all a daemon needs. */
const MAX_GRAPHS = 16;

const contextKey = (target: PlanTarget) => {
  const { goos, goarch, cgo, tags, goMinor } = target.context;
  return `${target.main}|${goos}/${goarch}|cgo=${cgo}|${[...tags].sort().join(',')}|go1.${goMinor}`;
};

export function createPlanner(git: GitRepo, options: PlannerOptions): Planner {
  const isImage = imageMatcher(options.imageInputs);
  const headers = new Map<string, GoFileHeader>();
  const texts = new Map<string, string>();
  /** A C file's or cgo preamble's #include names, by blob id. */
  const includesOf = new Map<string, readonly string[]>();
  const graphs = new Map<string, Promise<TreeGraph>>();
  const goListed = new Map<string, Promise<ReadonlyMap<string, string> | null>>();
  /** go list's files by inputs key, as loaded from and saved to the cache directory. */
  const listedFiles = new Map<string, Record<string, string>>();
  let cacheLoaded: Promise<void> | null = null;
  let unsaved = false;
  const cacheFile = (name: string) => (options.cacheDir ? join(options.cacheDir, name) : null);

  const loadDiskCache = () => (cacheLoaded ??= (async () => {
    const [headerFile, listFile] = [cacheFile(HEADERS_FILE), cacheFile(GO_LIST_FILE)];
    if (!headerFile || !listFile) return;
    const [loadedHeaders, loadedLists] = await Promise.all([loadCache<GoFileHeader>(headerFile), loadCache<Record<string, string>>(listFile)]);
    for (const [blob, header] of loadedHeaders) headers.set(blob, header);
    for (const [key, files] of loadedLists) listedFiles.set(key, files);
  })());

  async function readHeaders(blobs: readonly string[]): Promise<void> {
    const missing = [...new Set(blobs)].filter((blob) => !headers.has(blob));
    if (missing.length === 0) return;
    for (const [blob, content] of await git.readBlobs(missing)) headers.set(blob, parseGoHeader(content.toString('utf8')));
    unsaved = true;
  }

  /** Only read when a file named for another platform may be #included: rare, and kept in memory only. */
  async function readIncludes(blobs: readonly string[]): Promise<void> {
    const missing = [...new Set(blobs)].filter((blob) => !includesOf.has(blob));
    for (const [blob, content] of await git.readBlobs(missing)) includesOf.set(blob, parseIncludes(content.toString('utf8')));
  }

  async function sourceOf(tree: string): Promise<TreeSource> {
    const entries: TreeEntry[] = await git.listTree(tree);
    const blobOf = new Map(entries.map((e) => [e.path, e.blob]));
    const definitions = DEFINITION_FILES.map((p) => blobOf.get(p)).filter((b): b is string => !!b && !texts.has(b));
    for (const [blob, content] of await git.readBlobs(definitions)) texts.set(blob, content.toString('utf8'));
    return {
      blobOf,
      paths: entries.map((e) => e.path),
      async headers(paths) {
        await loadDiskCache();
        await readHeaders(paths.map((p) => blobOf.get(p)!));
        return new Map(paths.map((p) => [p, headers.get(blobOf.get(p)!)!]));
      },
      async includes(paths) {
        await readIncludes(paths.map((p) => blobOf.get(p)!));
        return new Map(paths.map((p) => [p, includesOf.get(blobOf.get(p)!) ?? []]));
      },
      async text(path) {
        const blob = blobOf.get(path);
        if (!blob) return null;
        if (!texts.has(blob)) for (const [id, content] of await git.readBlobs([blob])) texts.set(id, content.toString('utf8'));
        return texts.get(blob) ?? null;
      },
    };
  }

  function graphOf(tree: string, target: PlanTarget): Promise<TreeGraph> {
    const key = `${tree}|${contextKey(target)}`;
    let graph = graphs.get(key);
    if (!graph) {
      graph = sourceOf(tree).then(async (source) => {
        const built = await buildGraph(source, target.main, target.context);
        return { graph: built, inputsKey: inputsKeyOf(built, source, target) };
      });
      graph.catch(() => graphs.delete(key));
      graphs.set(key, graph);
      if (graphs.size > MAX_GRAPHS) graphs.delete(graphs.keys().next().value!);
    }
    return graph;
  }

  /**
   * What decides the graph, and nothing else: the closure's Go headers (imports, constraints, embeds, cgo
   * directives), the module files and the context. An edit inside a function body leaves it unchanged.
   */
  function inputsKeyOf(graph: BuildGraph, source: TreeSource, target: PlanTarget): string {
    const hash = createHash('sha1').update(contextKey(target));
    const goFiles = [...graph.files.keys(), ...graph.excluded.keys()].filter((p) => p.endsWith('.go')).sort();
    for (const path of goFiles) hash.update(`\0${path}\0${JSON.stringify(headers.get(source.blobOf.get(path)!) ?? null)}`);
    for (const path of DEFINITION_FILES) hash.update(`\0${path}\0${source.blobOf.get(path) ?? ''}`);
    return hash.digest('hex');
  }

  /** The work tree's graph with `go list`'s files joined in, asked once per inputs key. */
  async function withGoList(tree: TreeGraph, target: PlanTarget): Promise<BuildGraph> {
    if (!options.goList) return tree.graph;
    await loadDiskCache();
    const saved = listedFiles.get(tree.inputsKey);
    let listed = goListed.get(tree.inputsKey) ?? (saved ? Promise.resolve(new Map(Object.entries(saved))) : undefined);
    if (!listed) {
      const asked = options.goList(target.main, target.context).then((files) => {
        if (files) {
          listedFiles.set(tree.inputsKey, Object.fromEntries(files));
          unsaved = true;
        }
        return files;
      });
      listed = asked.catch((e: unknown) => {
        // Remembered as failed for this key: said once, asked again only when the graph's inputs change.
        options.warn?.(`go list failed, planning from the built-in parser alone: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      });
      goListed.set(tree.inputsKey, listed);
    }
    const files = await listed;
    if (!files) return tree.graph;
    const merged = new Map(tree.graph.files);
    for (const [path, why] of files) if (!merged.has(path)) merged.set(path, why);
    return { ...tree.graph, files: merged };
  }

  async function persist(): Promise<void> {
    const [headerFile, listFile] = [cacheFile(HEADERS_FILE), cacheFile(GO_LIST_FILE)];
    if (!headerFile || !listFile || !unsaved) return;
    unsaved = false;
    // A cache, never a failure: a full disk or a read-only .hotswap only costs the next run a re-parse.
    await Promise.all([saveCache(headerFile, headers, MAX_HEADERS), saveCache(listFile, listedFiles, MAX_GO_LISTS)]).catch(() => undefined);
  }

  return {
    async plan(from, to, target, planOptions = {}) {
      const { comparedWith } = planOptions;
      if (from === null) return makePlan(to, null, [], comparedWith);
      const changes = from === to ? [] : await git.diff(from, to);
      if (changes.length === 0) return makePlan(to, from, [], comparedWith);
      const [before, toGraph] = await Promise.all([graphOf(from, target), graphOf(to, target)]);
      const after = planOptions.workTree ? await withGoList(toGraph, target) : toGraph.graph;
      const sides = { before: before.graph, after, main: target.main };
      const files = changes.map(({ path }) => ({ path, ...classifyChange(path, sides, isImage) }));
      await persist();
      return makePlan(to, from, files, comparedWith);
    },
    async inputs(tree, target) {
      const { graph } = await graphOf(tree, target);
      await persist();
      return { files: graph.files, includeDirs: graph.includeDirs };
    },
  };
}
