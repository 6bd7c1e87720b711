import { describe, expect, it } from 'vitest';
import { newReport, type Report } from '../../src/report.js';
import { createTerminalProgress, summaryLine } from '../../src/ui/terminal.js';

function fakeStream(isTTY: boolean) {
  let text = '';
  const stream = { isTTY, write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const swapped: Report = { ...newReport('watch', 'ollama-gpu'), outcome: 'swapped', version: '0.0.0-hotswap.1a2b3c4d', totalMs: 2850 };
const failed: Report = {
  ...newReport('watch', 'ollama-gpu'), outcome: 'failed', totalMs: 400,
  error: { message: 'go build failed (exit 1)', phase: 'build', hint: 'fix the compile error', details: 'server/routes.go:3:1: syntax error' },
};

describe('terminal progress', () => {
  it('redraws one live line per phase on a TTY, then a summary line', () => {
    const { stream, text } = fakeStream(true);
    const progress = createTerminalProgress({ stream, quiet: false });
    progress.phaseStarted('build');
    progress.phaseEnded('build', 2310);
    progress.finished(swapped);
    expect(text()).toContain('\r\x1b[2K  … build');
    expect(text()).toContain('\r\x1b[2K  ✓ build 2.31 s\n');
    expect(text()).toContain('✓ swapped 0.0.0-hotswap.1a2b3c4d into ollama-gpu in 2.85 s');
  });

  it('writes plain lines without escape codes when not a TTY', () => {
    const { stream, text } = fakeStream(false);
    const progress = createTerminalProgress({ stream, quiet: false });
    progress.phaseStarted('build');
    progress.phaseEnded('build', 120);
    expect(text()).toBe('  ✓ build 120 ms\n');
  });

  it('prints compiler errors verbatim, one hotswap: line and its hint: line, even with --quiet', () => {
    const { stream, text } = fakeStream(false);
    const progress = createTerminalProgress({ stream, quiet: true });
    progress.phaseEnded('build', 120, 'failed');
    progress.finished(failed);
    expect(text()).toBe('server/routes.go:3:1: syntax error\nhotswap: failed (build): go build failed (exit 1) (400 ms)\nhint: fix the compile error\n');
  });

  it("prints a dry run's plan as hotswap plan does: the verdict, what it compared with, then file by file", () => {
    const { stream, text } = fakeStream(false);
    const progress = createTerminalProgress({ stream, quiet: false });
    const plan = {
      rebuild: false, reason: 'no binary input changed (1 file ignored)', tree: 'b'.repeat(40), base: 'a'.repeat(40),
      comparedWith: 'HEAD; nothing built yet', files: [{ path: 'docs/api.md', class: 'ignored' as const, why: 'documentation' }],
    };
    progress.finished({ ...newReport('watch', 'ollama-gpu'), outcome: 'planned', plan });
    expect(text()).toBe([
      '· planned: no rebuild: no binary input changed (1 file ignored) (compared with HEAD; nothing built yet)',
      '    ignored docs/api.md  (documentation)',
      '',
    ].join('\n'));
  });

  it('prints nothing for a success with --quiet', () => {
    const { stream, text } = fakeStream(true);
    const progress = createTerminalProgress({ stream, quiet: true });
    progress.phaseStarted('build');
    progress.phaseEnded('build', 10);
    progress.finished(swapped);
    expect(text()).toBe('');
  });

  it('does not repeat compiler errors that a container build already streamed', () => {
    const { stream, text } = fakeStream(false);
    const progress = createTerminalProgress({ stream, quiet: false });
    progress.output('server/routes.go:3:1: syntax error\n');
    progress.finished(failed);
    expect(text().match(/syntax error/g)).toHaveLength(1);
  });
});

describe('summaryLine', () => {
  it('tells a rollback asked for (`hotswap rollback`) from a swap rolled back after a failure', () => {
    const asked: Report = { ...newReport('manual', 'ollama-gpu'), outcome: 'rolled-back', totalMs: 1650, backup: '/tmp/ollama.backup_20261201_083705_769_e99b' };
    expect(summaryLine(asked)).toBe('✓ rolled back ollama-gpu to /tmp/ollama.backup_20261201_083705_769_e99b (1.65 s)');
    const afterFailure: Report = { ...asked, error: { message: 'ollama-gpu exited with code 1 after the swap', phase: 'health' } };
    expect(summaryLine(afterFailure)).toBe('✗ rolled back ollama-gpu after health: ollama-gpu exited with code 1 after the swap (1.65 s)');
  });
});
