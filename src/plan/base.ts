/** What a preview (`plan`, `watch --dry-run`) compares the work tree with. */
import type { GitRepo } from '../git/repo.js';

export interface PlanBase {
  /** A tree id, or null: nothing to compare with, so a rebuild. */
  readonly tree: string | null;
  /** What `tree` is when it is not the last build (Plan.comparedWith). */
  readonly comparedWith?: string;
}

const FIRST_LOOK = 'HEAD; nothing built yet';

/**
 * The last build; with nothing built yet, HEAD's tree, so a first look still says what the edits touch,
 * file by file. A real run with nothing built keeps base null and rebuilds: nobody knows what the
 * container holds. A repo without commits has no HEAD: null then too.
 */
export async function previewBase(git: GitRepo, lastBuilt: string | null): Promise<PlanBase> {
  if (lastBuilt !== null) return { tree: lastBuilt };
  const head = await git.treeOf('HEAD').catch(() => null);
  return head === null ? { tree: null } : { tree: head, comparedWith: FIRST_LOOK };
}
