/**
 * The planner: which build inputs changed between two trees, for one binary. It reads trees from git
 * objects only (any revision, no checkout) and keeps its caches across calls: a file is parsed once per
 * content (blob id, also kept in `.hotswap/go-headers.json` for one-shot commands) and a tree's graph
 * once per tree, main package and build context. So a plan after an edit re-reads only the edited files.
 */
import { join } from 'node:path';
import type { Plan } from '../report.js';
import { classifyChange, imageMatcher } from './classify.js';
import type { GitRepo } from '../git/repo.js';
import { createGoListCache, type GoList } from './go-list-cache.js';
import type { BuildGraph } from './go/graph.js';
import { createGraphCache, type PlannedBinary, type TreeGraph } from './graph-cache.js';
import { createHeaderCache } from './header-cache.js';
import { makePlan } from './plan.js';

export interface PlannerOptions {
  /** Extra globs (relative to the repo) of files that go into the image, not the binary. */
  readonly imageInputs: readonly string[];
  /** Where to keep parsed headers and `go list` answers between processes; null keeps them in memory. */
  readonly cacheDir?: string | null;
  /**
   * The toolchain's answer for the work tree (`go list`), or null when the local Go cannot answer. Its
   * files join the parser's: either one alone could miss an input, and a wrong skip is the worst error.
   */
  readonly goList?: GoList | null;
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
  plan(from: string | null, to: string, target: PlannedBinary, options?: PlanOptions): Promise<Plan>;
  /** The inputs of one tree: what the tests compare with `go list` (plans use the same graphs). */
  inputs(tree: string, target: PlannedBinary): Promise<BuildInputs>;
}

const HEADERS_FILE = 'go-headers.json';
const GO_LIST_FILE = 'go-list.json';

/** The graph with `go list`'s files joined in: either one alone could miss an input. */
function joined(graph: BuildGraph, listed: ReadonlyMap<string, string> | null): BuildGraph {
  if (!listed) return graph;
  const files = new Map(graph.files);
  for (const [path, why] of listed) if (!files.has(path)) files.set(path, why);
  return { ...graph, files };
}

export function createPlanner(git: GitRepo, options: PlannerOptions): Planner {
  const isImage = imageMatcher(options.imageInputs);
  const cacheFile = (name: string) => (options.cacheDir ? join(options.cacheDir, name) : null);
  const blobs = createHeaderCache(git, cacheFile(HEADERS_FILE));
  const goList = createGoListCache(options.goList ?? null, cacheFile(GO_LIST_FILE), options.warn);
  const graphOf = createGraphCache(git, blobs);
  const persist = async () => void (await Promise.all([blobs.save(), goList.save()]));

  /** The work tree's graph with `go list`'s files, asked once per inputs key. */
  async function afterOf(tree: TreeGraph, target: PlannedBinary, workTree: boolean): Promise<BuildGraph> {
    if (!workTree) return tree.graph;
    return joined(tree.graph, await goList.filesFor(tree.inputsKey, target.main, target.context));
  }

  return {
    async plan(from, to, target, { comparedWith, workTree = false } = {}) {
      if (from === null) return makePlan(to, null, [], comparedWith);
      const changes = from === to ? [] : await git.diff(from, to);
      if (changes.length === 0) return makePlan(to, from, [], comparedWith);
      const [before, toGraph] = await Promise.all([graphOf(from, target), graphOf(to, target)]);
      const sides = { before: before.graph, after: await afterOf(toGraph, target, workTree), main: target.main };
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
