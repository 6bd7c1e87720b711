import { describe, expect, it } from 'vitest';
import type { ContainerClient, PreparedExec } from '../../src/docker/client.js';
import { followerIfReady, hasherName, hasherUploads, prepareFollow, RECEIVE_MAX_BYTES, uploadWayFor, wordPrinted } from '../../src/swap/follow.js';
import { hasherSource } from '../../src/toolchain/hasher-build.js';

/** A container whose hotswap-hasher exec ends at once (`missing`) or waits to be asked; it records uploads. */
function containerWith({ missing }: { missing: boolean }) {
  const uploads: string[] = [];
  let ended: (line: string | null) => void = () => undefined;
  const firstLine = new Promise<string | null>((resolve) => (ended = resolve));
  if (missing) ended(null);
  const exec: PreparedExec = {
    write: () => ended('ready'),
    firstLineSeen: () => firstLine,
    run: async () => ({ exitCode: 0, stdout: `ready\n${'a'.repeat(64)} 7 5\n`, stderr: '' }),
    cancel: () => ended(null),
  };
  const container = {
    prepareExec: async () => exec,
    putFile: async (dir: string, name: string) => void uploads.push(`${dir}/${name}`),
  } as unknown as ContainerClient;
  return { container, uploads };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const TOOL = `/usr/bin/${hasherName(hasherSource()!.version)}`;

describe('uploadWayFor', () => {
  it('sends a small binary through the tool\'s stdin, and lets the archive upload bring a big one', () => {
    expect(uploadWayFor(5_700_000)).toBe('receive');
    expect(uploadWayFor(RECEIVE_MAX_BYTES)).toBe('receive');
    expect(uploadWayFor(RECEIVE_MAX_BYTES + 1)).toBe('follow');
    expect(uploadWayFor(46_000_000)).toBe('follow');
  });
});

describe('wordPrinted', () => {
  const word = `${'a'.repeat(64)} 7 5`;
  it('holds once the tool printed its word whole after `ready`: its last act, so it succeeded', () => {
    expect(wordPrinted(`ready\n${word}\n`)).toBe(true);
  });
  it('does not hold before that, for a word cut short, or for anything else', () => {
    for (const stdout of ['', 'ready\n', `ready\n${word}`, `ready\n${'a'.repeat(63)} 7 5\n`, `${word}\n`, 'ready\nhotswap-hasher: bad\n']) {
      expect(wordPrinted(stdout), stdout).toBe(false);
    }
  });
});

describe('prepareFollow', () => {
  it('is not used before it is ready: a swap never waits for the tool to be built', async () => {
    let built: (path: string) => void = () => undefined;
    const { container } = containerWith({ missing: false });
    const follower = prepareFollow(container, '/usr/bin/ollama', new Promise((resolve) => (built = resolve)), null);
    await tick();
    expect(followerIfReady(follower)).toBeNull();
    built('/host/tool');
    await follower;
    const ready = followerIfReady(follower)!;
    expect(await ready.begin(5, 'follow')).toBe(true);
    expect(await ready.finish()).toBe(`follow ${'a'.repeat(64)} 7 5`);
  });

  it('uploads the tool when its exec ends before it is asked anything, and a one-shot can wait for that', async () => {
    const { container, uploads } = containerWith({ missing: true });
    await prepareFollow(container, '/usr/bin/ollama', Promise.resolve('/host/tool'), null);
    await hasherUploads();
    expect(uploads).toEqual([TOOL]);
  });

  it('does not upload it when it was cancelled (a failed build) or used', async () => {
    for (const use of ['cancel', 'begin'] as const) {
      const { container, uploads } = containerWith({ missing: false });
      const follower = (await prepareFollow(container, '/usr/bin/ollama', Promise.resolve('/host/tool'), null))!;
      if (use === 'cancel') follower.cancel();
      else await follower.begin(5, 'follow');
      await hasherUploads();
      expect(uploads, use).toEqual([]);
    }
  });

  it('is null without a tool for the platform (no Go on the host)', async () => {
    const { container } = containerWith({ missing: false });
    const follower = prepareFollow(container, '/usr/bin/ollama', Promise.resolve(null), null);
    expect(await follower).toBeNull();
    expect(followerIfReady(follower)).toBeNull();
  });
});
