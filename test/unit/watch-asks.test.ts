// chokidar's three asks per path answered from one decision of the ignore rules (answerOnce in watcher.ts).
import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IgnoreRules } from '../../src/watch/ignore.js';
import { answerOnce } from '../../src/watch/watcher.js';

/** Rules that ignore `*.log` and count what they are asked. */
function countingRules() {
  const asked: string[] = [];
  const rules: IgnoreRules = {
    isIgnored: (rel, isDir) => { asked.push(`${rel}:${isDir ? 'dir' : 'file'}`); return rel.endsWith('.log'); },
    isSurelyIgnored: (rel) => { asked.push(`${rel}:?`); return false; },
    invalidate: () => false,
    release: () => {},
  };
  return { rules, asked };
}
const stats = (dir: boolean) => ({ isDirectory: () => dir }) as Stats;
const relative = (p: string) => p.slice('/repo/'.length);

describe('answerOnce', () => {
  it("asks the rules once for chokidar's three asks about a kept path (listing, before and after its lstat)", () => {
    const { rules, asked } = countingRules();
    const { ignored } = answerOnce(rules, relative);
    expect([ignored('/repo/a.go', stats(false)), ignored('/repo/a.go'), ignored('/repo/a.go', stats(false))]).toEqual([false, false, false]);
    expect(asked).toEqual(['a.go:file']);
    // The third ask ended the path's scan: the next one (a later rescan) asks the rules again.
    ignored('/repo/a.go', stats(false));
    expect(asked).toEqual(['a.go:file', 'a.go:file']);
  });

  it('asks again when the path changed kind between the asks, and never keeps an ignored path', () => {
    const { rules, asked } = countingRules();
    const { ignored } = answerOnce(rules, relative);
    ignored('/repo/x', stats(false));
    expect(ignored('/repo/x', stats(true))).toBe(false);
    expect(ignored('/repo/app.log', stats(false))).toBe(true);
    expect(ignored('/repo/app.log', stats(false))).toBe(true);
    expect(asked).toEqual(['x:file', 'x:dir', 'app.log:file', 'app.log:file']);
  });

  it('asks the stat-less question of a path it does not know, and forgets what it kept when the rules change', () => {
    const { rules, asked } = countingRules();
    const asks = answerOnce(rules, relative);
    asks.ignored('/repo/b.go');
    asks.ignored('/repo/c.go', stats(false));
    asks.forget();
    asks.ignored('/repo/c.go');
    expect(asked).toEqual(['b.go:?', 'c.go:file', 'c.go:?']);
  });
});
