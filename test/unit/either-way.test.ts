/**
 * eitherWay's choice after a failed exec: the step's own failure, or the process dying under it (then the
 * archive way). The engine can answer "running, same process" for a moment after an exec into a crashing
 * process failed; a crash loop's next answer says restarting.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerClient, ContainerState } from '../../src/docker/client.js';
import { eitherWay } from '../../src/swap/either-way.js';

const state = (over: Partial<ContainerState> = {}): ContainerState => ({
  id: 'c1', name: 'c', status: 'running', running: true, restarting: false, startedAt: '2026-12-01T00:00:00Z', exitCode: 0, imageId: 'i', pid: 0, ...over,
});

/** A container whose inspect answers `states` in turn, then the last one for ever. */
function answering(states: ContainerState[]): ContainerClient & { looks: number } {
  const fake = {
    looks: 0,
    async inspect() {
      return states[Math.min(fake.looks++, states.length - 1)];
    },
  };
  return fake as unknown as ContainerClient & { looks: number };
}

const failingExec = () => Promise.reject(new Error('exec failed: exit 126'));

describe('eitherWay after a failed exec', () => {
  it('takes the archive way when the engine says the process died only a moment after the exec failed', async () => {
    const steady = state();
    const container = answering([steady, steady, state({ status: 'restarting', running: true, restarting: true })]);
    await expect(eitherWay(container, failingExec, async () => 'archive')).resolves.toBe('archive');
  });

  it('takes the archive way when the container runs another process by then', async () => {
    const container = answering([state(), state({ startedAt: '2026-12-01T00:00:01Z' })]);
    await expect(eitherWay(container, failingExec, async () => 'archive')).resolves.toBe('archive');
  });

  it('calls the failure the step\'s own when the same process still runs after a few looks', async () => {
    const container = answering([state()]);
    await expect(eitherWay(container, failingExec, async () => 'archive')).rejects.toThrow('exit 126');
    expect(container.looks).toBeGreaterThan(2);
  });

  it('goes the archive way at once for a stopped container, and the exec way when it works', async () => {
    await expect(eitherWay(answering([state({ running: false, status: 'exited' })]), failingExec, async () => 'archive')).resolves.toBe('archive');
    await expect(eitherWay(answering([state()]), async () => 'exec', async () => 'archive')).resolves.toBe('exec');
  });
});
