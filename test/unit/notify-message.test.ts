import { describe, expect, it } from 'vitest';
import { notificationFor } from '../../src/notify/message.js';
import { newReport, type Plan, type Report } from '../../src/report.js';

const plan = (reason: string, rebuild = false): Plan => ({ rebuild, reason, files: [], tree: 't', base: 'b' });
const report = (fields: Partial<Report>): Report => ({ ...newReport('watch', 'ollama-gpu'), ...fields });

const COMPILER = `# github.com/ollama/ollama/server
server/routes.go:12:2: undefined: foo
server/routes.go:13:2: undefined: bar
server/routes.go:14:2: undefined: baz

server/routes.go:15:2: undefined: qux
server/routes.go:16:2: too many errors`;

describe('notificationFor', () => {
  it('announces a swap with the version and the total time', () => {
    const n = notificationFor(report({ outcome: 'swapped', version: '0.0.0-hotswap.1a2b3c4d', totalMs: 2850 }));
    expect(n).toEqual({ title: 'hotswap: swapped 0.0.0-hotswap.1a2b3c4d', message: 'live in 2.9 s (ollama-gpu)' });
  });

  it('falls back to the sha256 when the binary is unstamped', () => {
    const n = notificationFor(report({ outcome: 'swapped', sha256: 'abcdef0123456789ff', totalMs: 400 }));
    expect(n?.title).toBe('hotswap: swapped sha256 abcdef012345');
  });

  it('shows the first five compiler lines of a failed build', () => {
    const n = notificationFor(report({
      outcome: 'failed',
      error: { message: 'go build failed', phase: 'build', details: COMPILER },
    }));
    expect(n?.title).toBe('hotswap: build failed');
    expect(n?.message.split('\n')).toEqual([
      '# github.com/ollama/ollama/server',
      'server/routes.go:12:2: undefined: foo',
      'server/routes.go:13:2: undefined: bar',
      'server/routes.go:14:2: undefined: baz',
      'server/routes.go:15:2: undefined: qux',
      '…',
    ]);
  });

  it('shows the error message when there is no tool output', () => {
    const n = notificationFor(report({ outcome: 'failed', error: { message: 'Docker is not reachable', phase: 'docker' } }));
    expect(n).toEqual({ title: 'hotswap: docker failed', message: 'Docker is not reachable' });
    expect(notificationFor(report({ outcome: 'failed' }))?.title).toBe('hotswap: run failed');
  });

  it('clips a huge single line', () => {
    const n = notificationFor(report({ outcome: 'failed', error: { message: 'x'.repeat(5000) } }));
    expect(n?.message.length).toBeLessThanOrEqual(500);
  });

  it('gives the reason of a rollback', () => {
    const n = notificationFor(report({
      outcome: 'rolled-back',
      error: { message: 'health check failed: http://127.0.0.1:11434/ answered 500', phase: 'health' },
    }));
    expect(n?.title).toBe('hotswap: rolled back');
    expect(n?.message).toContain('health check failed: http://127.0.0.1:11434/ answered 500');
    expect(n?.message).toContain('previous binary is serving again');
  });

  it('says when only an image rebuild would help', () => {
    const n = notificationFor(report({ outcome: 'skipped', plan: plan('image rebuild needed: Dockerfile, CMakeLists.txt') }));
    expect(n).toEqual({
      title: 'hotswap: image rebuild needed',
      message: 'not swapped; rebuild the image for: Dockerfile, CMakeLists.txt',
    });
  });

  it('stays quiet for plain skips and plans', () => {
    expect(notificationFor(report({ outcome: 'skipped', plan: plan('no change since the last build') }))).toBeNull();
    expect(notificationFor(report({ outcome: 'skipped', plan: null }))).toBeNull();
    expect(notificationFor(report({ outcome: 'planned', plan: plan('2 binary inputs changed', true) }))).toBeNull();
  });
});
