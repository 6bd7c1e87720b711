import { describe, expect, it } from 'vitest';
import { binaryKey, nextStep, verdictOf, type Candidate, type Verdict } from '../../src/revisions/bisect.js';

/** Commits c1…cN; `binary` lists the ones that change the binary (the others are docs-only). */
function history(n: number, binary: (i: number) => boolean): { commits: Candidate[]; goodKey: string } {
  let key = 0;
  const commits = Array.from({ length: n }, (_, i) => {
    if (binary(i + 1)) key++;
    return { commit: `c${i + 1}`, key: `k${key}` };
  });
  return { commits, goodKey: 'k0' };
}

/** Bisects with a test that says bad from commit `culprit` on; returns the answer and the commits tested. */
function bisect(commits: Candidate[], goodKey: string, culprit: number, skip: (c: string) => boolean = () => false) {
  const verdicts = new Map<string, Verdict>([[goodKey, 'good'], [commits.at(-1)!.key, 'bad']]);
  const tested: string[] = [];
  for (;;) {
    const next = nextStep(commits, verdicts);
    if (next.kind !== 'test') return { next, tested };
    tested.push(next.commit);
    const index = commits.findIndex((c) => c.commit === next.commit);
    verdicts.set(commits[index]!.key, skip(next.commit) ? 'skip' : index + 1 >= culprit ? 'bad' : 'good');
  }
}

describe('nextStep', () => {
  it('finds the culprit among 32 commits, 16 docs-only, in at most 4 tests (16 binaries)', () => {
    const { commits, goodKey } = history(32, (i) => i % 2 === 1);
    for (let culprit = 1; culprit <= 32; culprit += 2) {
      const { next, tested } = bisect(commits, goodKey, culprit);
      expect(next).toEqual({ kind: 'found', firstBad: `c${culprit}` });
      expect(tested.length).toBeLessThanOrEqual(4);
      expect(new Set(tested.map((c) => commits.find((x) => x.commit === c)!.key)).size).toBe(tested.length);
    }
  });

  it('tests only commits that change the binary: a docs-only commit takes its run\'s verdict', () => {
    const { commits, goodKey } = history(12, (i) => [3, 9].includes(i));
    const { next, tested } = bisect(commits, goodKey, 9);
    expect(next).toEqual({ kind: 'found', firstBad: 'c9' });
    expect(tested).toEqual(['c3']);
  });

  it('a commit with the good commit\'s key (a revert) is good without a test', () => {
    const commits = [{ commit: 'c1', key: 'k1' }, { commit: 'c2', key: 'k0' }, { commit: 'c3', key: 'k2' }];
    const { next, tested } = bisect(commits, 'k0', 3);
    expect(next).toEqual({ kind: 'found', firstBad: 'c3' });
    expect(tested).toEqual([]);
  });

  it('gives the commits it cannot tell apart when only skipped runs are left', () => {
    const { commits, goodKey } = history(6, () => true);
    const { next } = bisect(commits, goodKey, 4, (c) => c === 'c3' || c === 'c4');
    expect(next).toEqual({ kind: 'ambiguous', couldBe: ['c3', 'c4', 'c5'] });
  });

  it('the bad commit itself when nothing lies between', () => {
    expect(nextStep([{ commit: 'c1', key: 'k1' }], new Map([['k0', 'good'], ['k1', 'bad']]))).toEqual({ kind: 'found', firstBad: 'c1' });
  });
});

describe('verdictOf', () => {
  it('reads exit codes as git bisect run does; over 127 or a signal stops', () => {
    expect([0, 1, 2, 124, 125, 126, 127, 128, 255, null].map(verdictOf))
      .toEqual(['good', 'bad', 'bad', 'bad', 'skip', 'bad', 'bad', null, null, null]);
  });
});

describe('binaryKey', () => {
  it('depends on the input files and their blobs only', () => {
    const blobs = new Map([['a.go', '1'], ['b.go', '2'], ['docs/x.md', '3']]);
    const key = binaryKey(['b.go', 'a.go'], blobs);
    expect(binaryKey(['a.go', 'b.go'], new Map([...blobs, ['docs/x.md', '4']]))).toBe(key);
    expect(binaryKey(['a.go', 'b.go'], new Map([...blobs, ['a.go', '9']]))).not.toBe(key);
    expect(binaryKey(['a.go'], blobs)).not.toBe(key);
  });
});
