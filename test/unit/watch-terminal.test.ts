/** The watch terminal's pure parts: the run line, colours, keys, log lines, pausing, stale images, temp files. */
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/daemon/container-logs.js';
import { PauseGate } from '../../src/daemon/terminal-session.js';
import { newReport, type Report } from '../../src/report.js';
import { nextStaleImage, rebuildCommand } from '../../src/state/stale-image.js';
import { colorEnabled, paint } from '../../src/ui/colors.js';
import { keyActions } from '../../src/ui/keys.js';
import { CANCELLED, changedSummary, clock, runLine } from '../../src/ui/run-line.js';
import { createWatchTerminal } from '../../src/ui/watch-terminal.js';
import { isEphemeral } from '../../src/watch/ephemeral.js';

const plain = paint(false);
const at = new Date(2026, 10, 30, 9, 5, 7);
const report = (fields: Partial<Report>): Report => ({ ...newReport('watch', 'ollama-gpu'), ...fields });

describe('run line', () => {
  it('says time, outcome, the first changed file and how many more, version and total on one line', () => {
    const line = runLine(report({ outcome: 'swapped', version: '0.0.0-dev.abc', totalMs: 1840 }), ['server/routes.go', 'a.go', 'b.go'], at, plain);
    expect(line).toBe('09:05:07 · ✓ swapped into ollama-gpu · server/routes.go and 2 more · 0.0.0-dev.abc · 1.84 s');
    expect(line).not.toContain('\n');
  });

  it('names a single file alone and leaves the files out when none changed (start-up, retry, r)', () => {
    expect(changedSummary(['main.go'])).toBe('main.go');
    expect(changedSummary([])).toBe('');
    const skipped = report({ outcome: 'skipped', totalMs: 12, plan: { rebuild: false, reason: 'no binary input changed', files: [], tree: 't', base: 'b' } });
    expect(runLine(skipped, [], at, plain)).toBe('09:05:07 · skipped: no binary input changed · 12 ms');
  });

  it('keeps the stale image, with the command that rebuilds it, in the line', () => {
    const line = runLine(report({ outcome: 'skipped', totalMs: 5, staleImage: { files: ['CMakeLists.txt'], rebuild: 'docker build -t img .' } }), [], at, plain);
    expect(line).toContain('! the image is stale (CMakeLists.txt; docker build -t img .)');
  });

  it('says cancelled, not failed, for a run stopped by Ctrl-C', () => {
    const line = runLine(report({ outcome: 'failed', totalMs: 300, error: { message: CANCELLED, phase: 'build' } }), [], at, plain);
    expect(line).toContain('⊘ cancelled: the container still runs the old binary');
    expect(line).not.toContain('failed');
  });

  it('pads the clock', () => expect(clock(new Date(2026, 0, 1, 0, 0, 9))).toBe('00:00:09'));
});

describe('colour decision', () => {
  it('colours only a TTY, and never with NO_COLOR set', () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true); // no-color.org: present and not empty
  });

  it('paints with SGR codes when on, and not at all when off', () => {
    expect(paint(true).green('ok')).toBe('\x1b[32mok\x1b[39m');
    expect(paint(false).green('ok')).toBe('ok');
  });
});

describe('keys', () => {
  it('maps r, p, l, q and Ctrl-C; ignores the rest', () => {
    expect(keyActions('r')).toEqual(['swap']);
    expect(keyActions('pLq\x03x')).toEqual(['pause', 'logs', 'quit', 'quit']);
    expect(keyActions('\x1b[A')).toEqual([]);
  });
});

describe('container log lines', () => {
  it('holds a partial line until its end', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('[GIN-debug] GET /api\r\n[GIN')).toEqual(['[GIN-debug] GET /api']);
    expect(splitter.push('-debug] POST /x\n')).toEqual(['[GIN-debug] POST /x']);
  });
});

describe('pause', () => {
  it('holds changes while paused and hands them on as one batch when resumed', () => {
    const added: string[][] = [];
    const gate = new PauseGate((paths) => added.push([...paths]));
    gate.offer(['a.go']);
    expect(gate.toggle()).toBe(true);
    gate.offer(['b.go']);
    gate.offer(['c.go']);
    expect(added).toEqual([['a.go']]);
    expect(gate.toggle()).toBe(false);
    expect(added).toEqual([['a.go'], ['b.go', 'c.go']]);
  });
});

describe('stale image', () => {
  it('accumulates files while the container runs the same image, and ends when it runs another', () => {
    const first = nextStaleImage(undefined, ['CMakeLists.txt'], 'sha256:a');
    expect(first).toEqual({ files: ['CMakeLists.txt'], imageId: 'sha256:a' });
    expect(nextStaleImage(first, [], 'sha256:a')).toEqual(first); // a later run without image changes keeps it
    expect(nextStaleImage(first, ['Dockerfile'], 'sha256:a')?.files).toEqual(['CMakeLists.txt', 'Dockerfile']);
    expect(nextStaleImage(first, [], 'sha256:b')).toBeUndefined(); // the image was rebuilt
    expect(nextStaleImage(undefined, [], 'sha256:a')).toBeUndefined();
  });

  it('says how to rebuild: the docker command when the image is known', () => {
    expect(rebuildCommand('ollama/ollama:dev')).toBe('docker build -t ollama/ollama:dev .');
    expect(rebuildCommand(null)).toBe('rebuild the image');
  });
});

describe('editor temp files', () => {
  it.each(['sedJb8Xfr', 'sed0aB9zQ', '4913', '.routes.go.swp', '.routes.go.swx', 'routes.go~', 'routes.go___jb_tmp___',
    'routes.go___jb_old___', '.#routes.go', '#routes.go#', 'routes.go.tmp', 'routes.go.tmp.4242', 'routes.go.tmp.4242.1700000000',
    '.goutputstream-AB12CD'])('%s is a temp file', (name) => expect(isEphemeral(name)).toBe(true));

  it.each(['routes.go', 'sed.go', 'sedan_test.go', 'template.go', 'tmp.go', 'CMakeLists.txt', '4914'])('%s is a real file', (name) =>
    expect(isEphemeral(name)).toBe(false));
});

describe('watch terminal', () => {
  const sink = () => {
    let text = '';
    return { stream: { isTTY: false, write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WriteStream, text: () => text };
  };

  it('prints one line for a swapped run, phases only with --verbose, and the report as NDJSON', () => {
    const err = sink();
    const out = sink();
    const terminal = createWatchTerminal({ stream: err.stream, quiet: false, verbose: false, ndjson: out.stream, env: {} });
    terminal.runStarting(['server/routes.go']);
    terminal.phaseStarted('build');
    terminal.phaseEnded('build', 840);
    const swapped = report({ outcome: 'swapped', version: 'v1', totalMs: 900 });
    terminal.finished(swapped);
    expect(err.text()).toMatch(/^\d\d:\d\d:\d\d · ✓ swapped into ollama-gpu · server\/routes\.go · v1 · 900 ms\n$/);
    expect(out.text().split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([swapped]);
  });

  it('with --verbose shows every phase and the compiler output as they come', () => {
    const err = sink();
    const terminal = createWatchTerminal({ stream: err.stream, quiet: false, verbose: true, ndjson: null, env: {} });
    terminal.runStarting([]);
    terminal.phaseEnded('plan', 12);
    terminal.output('# github.com/ollama/ollama\n');
    terminal.phaseEnded('build', 840);
    terminal.finished(report({ outcome: 'swapped', version: 'v2', totalMs: 900 }));
    expect(err.text().split('\n').filter(Boolean)).toEqual([
      '  ✓ plan 12 ms', '# github.com/ollama/ollama', '  ✓ build 840 ms',
      expect.stringMatching(/^\d\d:\d\d:\d\d · ✓ swapped into ollama-gpu · v2 · 900 ms$/),
    ]);
  });

  it('shows the phases, the compiler output and the error line when a run fails', () => {
    const err = sink();
    const terminal = createWatchTerminal({ stream: err.stream, quiet: false, verbose: false, ndjson: null, env: {} });
    terminal.runStarting(['server/routes.go']);
    terminal.phaseEnded('plan', 12);
    terminal.phaseEnded('build', 700, 'failed');
    terminal.finished(report({
      outcome: 'failed', totalMs: 720,
      error: { message: 'go build failed (exit 1)', phase: 'build', hint: 'fix the compile error', details: 'server/routes.go:3:1: syntax error' },
    }));
    expect(err.text().split('\n').filter(Boolean)).toEqual([
      '  plan 12 ms · ✗ build 700 ms',
      'server/routes.go:3:1: syntax error',
      expect.stringMatching(/^\d\d:\d\d:\d\d · ✗ failed in build · server\/routes\.go · 720 ms$/),
      'hotswap: failed (build): go build failed (exit 1) (720 ms)',
      'hint: fix the compile error',
    ]);
  });

  it('prefixes nothing itself, and drops container lines while logs are off', () => {
    const err = sink();
    const terminal = createWatchTerminal({ stream: err.stream, quiet: false, verbose: false, ndjson: null, env: {} });
    terminal.containerLine('ollama-gpu | one');
    expect(terminal.toggleLogs()).toBe(false);
    terminal.containerLine('ollama-gpu | two');
    expect(terminal.toggleLogs()).toBe(true);
    terminal.containerLine('ollama-gpu | three');
    expect(err.text()).toBe('ollama-gpu | one\nollama-gpu | three\n');
  });
});
