/**
 * What runs need besides the config, checked before Docker is contacted: the git repo, the planner and
 * each target's main package. No Docker or builder code is imported here, so `plan` stays light.
 */
import { resolveMainPackage, workTreeSources, type PackageSources } from '../builders/main-package.js';
import { configForTarget } from '../config/targets.js';
import type { ResolvedConfig } from '../config/types.js';
import { plannerOptions } from '../plan/build-context.js';
import { openRepo, type GitRepo } from '../git/repo.js';
import { parentOf } from '../plan/go/graph.js';
import { createPlanner, type Planner } from '../plan/planner.js';
import { Prebuilds } from './prebuild.js';
import { StandingExecs } from './standing.js';

export interface PipelineInputs {
  readonly git: GitRepo;
  readonly mainPackage: string;
  /** Kept across runs by the watch daemon: its caches make the next plan cheap. */
  readonly planner: Planner;
  /** Containers (by id) whose target.binaryPath was found fine: checked once each, not on every run. */
  readonly pathCheckedIn: Set<string>;
  /** Every target's builds, one at a time, and watch's speculative ones waiting for the run that wants exactly that build. */
  readonly prebuilds: Prebuilds;
  /** A daemon's: the install step's execs, started for the next run once a swap is done (standing.ts). */
  readonly standing?: StandingExecs;
}

/** One target ready to run: its view of the config and its checked inputs. */
export interface TargetRun {
  readonly name: string;
  readonly config: ResolvedConfig;
  readonly inputs: PipelineInputs;
}

export interface CheckedTargets {
  readonly runs: readonly [TargetRun, ...TargetRun[]];
  /** Stops their waiting builds and closes the git repo they share. */
  close(): Promise<void>;
}

export interface CheckOptions {
  /** Hears what the planner falls back from (`go list` failing or not usable). */
  readonly warn?: (message: string) => void;
  /** A revision whose tree holds the main packages (`plan --to`), so no checkout is needed; else the work tree. */
  readonly at?: string;
  /** A long-lived process (the daemon): keep each target's install execs standing between runs (standing.ts). */
  readonly standing?: boolean;
  /** The builds a one-shot's head start began (pipeline/head-start.ts), for the runs to take. */
  readonly head?: { readonly prebuilds: Prebuilds };
}

/** The non-test .go files of a directory of `rev`'s tree, read from git objects. */
async function treeSources(git: GitRepo, rev: string): Promise<PackageSources> {
  const entries = await git.listTree(await git.treeOf(rev));
  return {
    where: `in ${git.dir} at ${rev}`,
    async goSources(dir) {
      const wanted = dir.split('/').filter((part) => part !== '' && part !== '.').join('/');
      const blobs = entries.filter((e) => parentOf(e.path) === wanted && e.path.endsWith('.go') && !e.path.endsWith('_test.go')).map((e) => e.blob);
      return [...(await git.readBlobs(blobs)).values()].map((content) => content.toString('utf8'));
    },
  };
}

/**
 * Checks that need no Docker, so bad input exits 2 even when Docker is missing too (ARCHITECTURE.md, Invariants): the git
 * repo and each target's main package. One repo and one planner serve every target.
 */
export async function checkTargets(config: ResolvedConfig, options: CheckOptions = {}): Promise<CheckedTargets> {
  const git = await openRepo(config.repo);
  try {
    const planner = createPlanner(git, plannerOptions(config, options.warn));
    const prebuilds = options.head?.prebuilds ?? new Prebuilds();
    const sources = options.at ? await treeSources(git, options.at) : workTreeSources(config.repo);
    const runs = await Promise.all(config.targets.map(async (t): Promise<TargetRun> => {
      const view = configForTarget(config, t);
      const standing = options.standing ? { standing: new StandingExecs() } : {};
      return { name: t.name, config: view, inputs: { git, planner, mainPackage: await resolveMainPackage(sources, view.main), pathCheckedIn: new Set(), prebuilds, ...standing } };
    }));
    const close = () => {
      prebuilds.clear(); // no waiting build outlives the process that started it
      for (const run of runs) run.inputs.standing?.close();
      return git.close();
    };
    return { runs: runs as [TargetRun, ...TargetRun[]], close };
  } catch (e) {
    await git.close();
    throw e;
  }
}

