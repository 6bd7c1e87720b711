/**
 * Build-input graphs of trees, one per tree, main package and build context, read from git objects only.
 * A tree id names its contents, so a graph never goes stale; only the last few are kept (a daemon needs
 * the last built tree and a few snapshots per target). A graph that failed is forgotten, to be tried again.
 */
import { createHash } from 'node:crypto';
import type { GitRepo } from '../git/repo.js';
import type { BuildContext } from './go/context.js';
import { buildGraph, type BuildGraph, type GraphSource } from './go/graph.js';
import type { HeaderCache } from './header-cache.js';

/** One binary to plan for: its main package and what it is built for. */
export interface PlannedBinary {
  /** Package directory relative to the repo, like '.' or './cmd/ollama'. */
  readonly main: string;
  readonly context: BuildContext;
}

export interface TreeGraph {
  readonly graph: BuildGraph;
  /** Changes only when what feeds the graph changes (see inputsKeyOf). */
  readonly inputsKey: string;
}

interface TreeSource extends GraphSource {
  readonly blobOf: ReadonlyMap<string, string>;
}

const DEFINITION_FILES = ['go.mod', 'go.work', 'vendor/modules.txt'];
const MAX_GRAPHS = 16;

export const contextKey = (target: PlannedBinary) => {
  const { goos, goarch, cgo, tags, goMinor } = target.context;
  return `${target.main}|${goos}/${goarch}|cgo=${cgo}|${[...tags].sort().join(',')}|go1.${goMinor}`;
};

/** Keeps at most `max` results of `make` by key (oldest dropped first); a failed one is dropped at once. */
export function boundedMemo<T>(max: number): (key: string, make: () => Promise<T>) => Promise<T> {
  const kept = new Map<string, Promise<T>>();
  return (key, make) => {
    let value = kept.get(key);
    if (!value) {
      value = make();
      value.catch(() => kept.delete(key));
      kept.set(key, value);
      if (kept.size > max) kept.delete(kept.keys().next().value!);
    }
    return value;
  };
}

/** A tree as the graph walk reads it: paths from `git ls-tree`, contents through the header cache. */
async function sourceOf(git: Pick<GitRepo, 'listTree'>, blobs: HeaderCache, tree: string): Promise<TreeSource> {
  const entries = await git.listTree(tree);
  const blobOf = new Map(entries.map((e) => [e.path, e.blob]));
  const byPath = async <T>(paths: readonly string[], read: (ids: string[]) => Promise<ReadonlyMap<string, T>>) => {
    const found = await read(paths.map((p) => blobOf.get(p)!));
    return new Map(paths.map((p) => [p, found.get(blobOf.get(p)!)!]));
  };
  await blobs.texts(DEFINITION_FILES.map((p) => blobOf.get(p)).filter((b): b is string => !!b));
  return {
    blobOf,
    paths: entries.map((e) => e.path),
    headers: (paths) => byPath(paths, (ids) => blobs.headers(ids)),
    includes: async (paths) => new Map([...(await byPath(paths, (ids) => blobs.includes(ids)))].map(([p, names]) => [p, names ?? []])),
    async text(path) {
      const blob = blobOf.get(path);
      return blob ? ((await blobs.texts([blob])).get(blob) ?? null) : null;
    },
  };
}

/**
 * What decides the graph, and nothing else: the closure's Go headers (imports, constraints, embeds, cgo
 * directives), the module files and the context. An edit inside a function body leaves it unchanged.
 */
function inputsKeyOf(graph: BuildGraph, source: TreeSource, blobs: HeaderCache, target: PlannedBinary): string {
  const hash = createHash('sha1').update(contextKey(target));
  const goFiles = [...graph.files.keys(), ...graph.excluded.keys()].filter((p) => p.endsWith('.go')).sort();
  for (const path of goFiles) hash.update(`\0${path}\0${JSON.stringify(blobs.known(source.blobOf.get(path)!) ?? null)}`);
  for (const path of DEFINITION_FILES) hash.update(`\0${path}\0${source.blobOf.get(path) ?? ''}`);
  return hash.digest('hex');
}

export type GraphCache = (tree: string, target: PlannedBinary) => Promise<TreeGraph>;

export function createGraphCache(git: Pick<GitRepo, 'listTree'>, blobs: HeaderCache, max = MAX_GRAPHS): GraphCache {
  const memo = boundedMemo<TreeGraph>(max);
  return (tree, target) => memo(`${tree}|${contextKey(target)}`, async () => {
    const source = await sourceOf(git, blobs, tree);
    const graph = await buildGraph(source, target.main, target.context);
    return { graph, inputsKey: inputsKeyOf(graph, source, blobs, target) };
  });
}
