/**
 * The one record every run produces: it feeds the terminal, the log, the state file, the
 * notification, `status` and the benchmarks.
 */
import type { Phase } from './phase.js';

export type Outcome = 'swapped' | 'skipped' | 'failed' | 'rolled-back' | 'planned';
export type Trigger = 'manual' | 'watch';
export type FileClass = 'binary' | 'image' | 'ignored';

export interface PlannedFile {
  readonly path: string;
  readonly class: FileClass;
  readonly why?: string;
}

export interface Plan {
  readonly rebuild: boolean;
  readonly reason: string;
  readonly files: readonly PlannedFile[];
  /** The snapshot's tree id and the last built one it was compared with. */
  readonly tree: string;
  readonly base: string | null;
  /** What `base` is when it is not the last build: the --from revision, or HEAD when nothing was built yet. */
  readonly comparedWith?: string;
}

export interface Report {
  outcome: Outcome;
  trigger: Trigger;
  container: string;
  plan: Plan | null;
  builder?: { mode: string; reason: string };
  /** The build was started before the run (watch's speculative build at a batch's first edit, a one-shot's head start) and reused. */
  speculative?: boolean;
  sha256: string | null;
  version: string | null;
  /** The revision built instead of the work tree (`swap --rev`, a bisect step), as `rev (commit)`. */
  revision?: string;
  phases: Partial<Record<Phase, number>>;
  totalMs: number;
  startedAt: string;
  backup?: string;
  /** What the container held before this run's swap. */
  previousSha256?: string | null;
  warnings: string[];
  /** Image inputs changed since the container's image was noticed stale, and the command that rebuilds it. */
  staleImage?: { files: string[]; rebuild: string };
  error?: { message: string; hint?: string; phase?: Phase; details?: string };
}

export const newReport = (trigger: Trigger, container: string): Report => ({
  outcome: 'failed', trigger, container, plan: null, sha256: null, version: null, phases: {}, totalMs: 0,
  startedAt: new Date().toISOString(), warnings: [],
});
