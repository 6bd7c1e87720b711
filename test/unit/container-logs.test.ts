import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ContainerClient } from '../../src/docker/client.js';
import { followAcrossRestarts } from '../../src/daemon/container-logs.js';

describe('followAcrossRestarts', () => {
  it('waits for a stopped container without piling up abort listeners, and ends on abort', async () => {
    const stop = new AbortController();
    let polls = 0;
    let most = 0;
    const stopped = {
      inspect: async () => {
        polls++;
        most = Math.max(most, getEventListeners(stop.signal, 'abort').length);
        if (polls === 50) stop.abort();
        return { running: false } as never;
      },
    } as unknown as ContainerClient;
    await followAcrossRestarts(stopped, () => undefined, stop.signal, { pollMs: 1 });
    expect(polls).toBe(50);
    expect(most).toBeLessThanOrEqual(1); // one per wait, dropped when it ends: 49 waits, not 49 listeners
  });
});
