/**
 * Plan-aware bisection, pure: which commit to test next, given each commit's binary key (equal keys build
 * equal binaries) and the verdicts so far, by key. A verdict holds for every commit with that key, so the
 * steps halve the binary-distinct runs of commits, not the commits: docs-only commits cost nothing.
 */
import { createHash } from 'node:crypto';

export type Verdict = 'good' | 'bad' | 'skip';

export interface Candidate {
  readonly commit: string;
  /** binaryKey of its tree: equal keys, equal binaries. */
  readonly key: string;
}

export type Next =
  | { readonly kind: 'test'; readonly commit: string }
  | { readonly kind: 'found'; readonly firstBad: string }
  /** Only skipped commits are left between the last good and the first bad one: any of these is it. */
  | { readonly kind: 'ambiguous'; readonly couldBe: readonly string[] };

/** The binary's inputs of a tree as one key: each input file's path with its blob id. */
export function binaryKey(inputs: Iterable<string>, blobOf: ReadonlyMap<string, string>): string {
  const hash = createHash('sha1');
  for (const path of [...inputs].sort()) hash.update(`${path}\0${blobOf.get(path) ?? '-'}\0`);
  return hash.digest('hex');
}

/** Consecutive commits with one key: one binary, one test. */
function runsOf(commits: readonly Candidate[]): Candidate[][] {
  const runs: Candidate[][] = [];
  for (const c of commits) {
    const last = runs.at(-1);
    if (last && last[0]!.key === c.key) last.push(c);
    else runs.push([c]);
  }
  return runs;
}

/**
 * `commits` oldest first, after the good commit up to the bad one (the last); `verdicts` by key, holding
 * the good commit's key as good and the bad one's as bad. The first bad commit follows the last good one
 * before it; among the untested runs between them the middle one is tested, so either answer halves them.
 */
export function nextStep(commits: readonly Candidate[], verdicts: ReadonlyMap<string, Verdict>): Next {
  const hi = commits.findIndex((c) => verdicts.get(c.key) === 'bad');
  if (hi < 0) throw new Error('nextStep: no bad commit among the commits');
  let lo = hi - 1;
  while (lo >= 0 && verdicts.get(commits[lo]!.key) !== 'good') lo--;
  const between = commits.slice(lo + 1, hi);
  const open = runsOf(between).filter((run) => !verdicts.has(run[0]!.key));
  if (open.length > 0) return { kind: 'test', commit: open[Math.floor((open.length - 1) / 2)]![0]!.commit };
  if (between.length === 0) return { kind: 'found', firstBad: commits[hi]!.commit };
  return { kind: 'ambiguous', couldBe: [...between, commits[hi]!].map((c) => c.commit) };
}

/** `git bisect run`'s reading of the command's exit code; null (over 127, or a signal) stops the bisect. */
export function verdictOf(exitCode: number | null): Verdict | null {
  if (exitCode === 0) return 'good';
  if (exitCode === 125) return 'skip';
  if (exitCode !== null && exitCode >= 1 && exitCode <= 127) return 'bad';
  return null;
}
