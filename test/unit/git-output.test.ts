import { describe, expect, it } from 'vitest';
import { parseLsTree, parseNameStatus } from '../../src/git/output.js';

const BLOB = 'a'.repeat(40);

describe('parseNameStatus', () => {
  it('pairs each status with its path, paths with spaces and tabs kept whole', () => {
    expect(parseNameStatus('M\0main.go\0A\0docs/a b.md\0D\0x\ty.go\0')).toEqual([
      { status: 'M', path: 'main.go' }, { status: 'A', path: 'docs/a b.md' }, { status: 'D', path: 'x\ty.go' },
    ]);
  });

  it('is empty for no output', () => {
    expect(parseNameStatus('')).toEqual([]);
  });
});

describe('parseLsTree', () => {
  it('keeps blobs and leaves out symlinks and submodules', () => {
    const out = [
      `100644 blob ${BLOB}\tmain.go`, `100755 blob ${BLOB}\tscripts/run me.sh`,
      `120000 blob ${BLOB}\tlink.go`, `160000 commit ${BLOB}\tvendor/sub`, '',
    ].join('\0');
    expect(parseLsTree(out)).toEqual([{ path: 'main.go', blob: BLOB }, { path: 'scripts/run me.sh', blob: BLOB }]);
  });
});
