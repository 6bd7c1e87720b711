/**
 * watch's log follower (src/daemon/container-logs.ts) on a real container: a stop that lands while it asks
 * the engine whether the container runs still ends it. It did not: the follow then attached to the running
 * container's stream, which never ends by itself, and a watch given SIGTERM just after a swap's restart
 * never exited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followAcrossRestarts } from '../../src/daemon/container-logs.js';
import { connectDocker } from '../../src/docker/docker.js';
import { removeContainer, startContainer } from '../support/docker.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-container-logs';

beforeAll(async () => {
  await startContainer({ name: NAME, port: await freePort() });
});

afterAll(async () => {
  await removeContainer(NAME);
});

describe('followAcrossRestarts', () => {
  it('ends when the stop comes while it asks whether the container runs', async () => {
    const real = connectDocker().container(NAME);
    const stop = new AbortController();
    const lines: string[] = [];
    // The real engine's answer, with the stop landing while it is asked (as a SIGTERM did).
    const stoppedWhileAsked = Object.assign(Object.create(real) as typeof real, {
      inspect: async () => {
        const state = await real.inspect();
        stop.abort();
        return state;
      },
    });
    await followAcrossRestarts(stoppedWhileAsked, (text) => lines.push(text), stop.signal);
    expect(stop.signal.aborted).toBe(true);
  }, 10_000);
});
