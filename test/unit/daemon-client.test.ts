import { PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { daemonAllowed, onMessages } from '../../src/daemon/socket-protocol.js';
import { forwardingProgress, teeProgress, type Progress } from '../../src/ui/progress.js';

describe('daemonAllowed', () => {
  it('lets the daemon answer the flags it can resolve as swap would', () => {
    expect(daemonAllowed({ restart: true, verify: true, local: true, daemon: true, json: true, ifChanged: true }, {})).toBe(true);
    expect(daemonAllowed({ container: 'ollama-dev', builder: 'container', rev: undefined }, { HOTSWAP_NO_DAEMON: '0' })).toBe(true);
  });

  it('runs in-process with --no-daemon, HOTSWAP_NO_DAEMON, or a flag it does not forward', () => {
    expect(daemonAllowed({ daemon: false }, {})).toBe(false);
    expect(daemonAllowed({}, { HOTSWAP_NO_DAEMON: '1' })).toBe(false);
    expect(daemonAllowed({ rev: 'HEAD~1' }, {})).toBe(false);
  });
});

describe('the socket protocol', () => {
  it('hands over whole lines, however the bytes arrive', async () => {
    const stream = new PassThrough();
    const heard: unknown[] = [];
    onMessages(stream as unknown as Socket, (m) => heard.push(m));
    stream.write('{"type":"accepted","qu');
    stream.write('iet":false}\n{"type":"done","code":1,"reports":[]}\n{"type"');
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([{ type: 'accepted', quiet: false }, { type: 'done', code: 1, reports: [] }]);
  });

  it('ends the conversation at a line that is not JSON', async () => {
    const stream = new PassThrough();
    const heard: unknown[] = [];
    onMessages(stream as unknown as Socket, (m) => heard.push(m));
    stream.write('not json\n{"type":"done"}\n');
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([]);
    expect(stream.destroyed).toBe(true);
  });
});

describe('teeProgress', () => {
  it('gives every call, with its arguments, to both, the first first', () => {
    const calls: string[] = [];
    const recorder = (who: string): Progress => forwardingProgress((call, args) => calls.push(`${who} ${call} ${JSON.stringify(args)}`));
    const both = teeProgress(recorder('a'), recorder('b'));
    both.phaseEnded('build', 12, 'failed');
    both.info('hello');
    expect(calls).toEqual(['a phaseEnded ["build",12,"failed"]', 'b phaseEnded ["build",12,"failed"]', 'a info ["hello"]', 'b info ["hello"]']);
  });
});
