/**
 * The planner: which build inputs changed between two trees, for one binary. It reads trees from git
 * objects only (any revision, no checkout) and keeps its caches across calls, so a watch daemon pays for
 * a file's parse once per content.
 */
import type { Plan } from '../report.js';
import type { BuildContext } from './go/context.js';
import type { GitRepo } from './git.js';
import { makePlan } from './plan.js';

/** One binary to plan for: its main package and what it is built for. */
export interface PlanTarget {
  /** Package directory relative to the repo, like '.' or './cmd/ollama'. */
  readonly main: string;
  readonly context: BuildContext;
}

export interface PlannerOptions {
  /** Extra globs (relative to the repo) of files that go into the image, not the binary. */
  readonly imageInputs: readonly string[];
}

/** The files of one tree that go into one binary, each with why (repo-relative paths). */
export interface BuildInputs {
  readonly files: ReadonlyMap<string, string>;
  /** Directories whose C headers may be included (#cgo -I), repo-relative. */
  readonly includeDirs: readonly string[];
}

export interface Planner {
  /** `from` null: nothing built yet. */
  plan(from: string | null, to: string, target: PlanTarget): Promise<Plan>;
  inputs(tree: string, target: PlanTarget): Promise<BuildInputs>;
}

export function createPlanner(git: GitRepo, _options: PlannerOptions): Planner {
  return {
    async plan(from, to, target) {
      const changes = from && from !== to ? await git.diff(from, to) : [];
      return makePlan(to, from, changes, target.context);
    },
    async inputs() {
      throw new Error('not implemented yet');
    },
  };
}
