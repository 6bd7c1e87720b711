import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContainerClient, ContainerState, Engine } from '../../src/docker/client.js';
import { retryVerdict, needsContainerLook, type RunOutcome } from '../../src/daemon/retry.js';
import { Scheduler } from '../../src/daemon/scheduler.js';
import { containerAfterFailure, type ContainerSeen } from '../../src/pipeline/freshness.js';
import type { Phase } from '../../src/phase.js';
import { newReport, type Outcome } from '../../src/report.js';

const running: ContainerState = {
  id: 'c1', name: 'app', status: 'running', running: true, restarting: false, startedAt: '2026-01-01T00:00:00Z', exitCode: 0, imageId: 'sha256:i', pid: 0,
};
const exited: ContainerState = { ...running, status: 'exited', running: false, exitCode: 2 };

function outcome(result: Outcome, phase?: Phase, exitCode = 1): RunOutcome {
  const report = newReport('watch', 'app');
  report.outcome = result;
  if (result === 'failed' || result === 'rolled-back') report.error = { message: 'it broke', phase };
  return { report, error: result === 'failed' || result === 'rolled-back' ? { exitCode, message: 'it broke' } : null };
}

describe('retryVerdict', () => {
  const stopped = (fromOutside: boolean): ContainerSeen => ({ kind: 'stopped', fromOutside });

  it('is done after a swap, a skip or a rollback (the container runs a working binary)', () => {
    for (const result of ['swapped', 'skipped', 'planned', 'rolled-back'] as const) {
      expect(retryVerdict(outcome(result, 'health'), null)).toEqual({ action: 'done' });
    }
  });

  it('gives up on a failure in the sources without looking at the container', () => {
    for (const phase of ['config', 'plan', 'build'] as const) {
      expect(needsContainerLook(outcome('failed', phase))).toBe(false);
      expect(retryVerdict(outcome('failed', phase), null)).toEqual({ action: 'give-up' });
    }
    expect(needsContainerLook(outcome('failed'))).toBe(false);
  });

  it('retries an environment error (exit 3) with its own message, whatever the phase', () => {
    const lost = outcome('failed', 'detect', 3);
    expect(needsContainerLook(lost)).toBe(false);
    expect(retryVerdict(lost, null)).toEqual({ action: 'retry', reason: 'it broke' });
  });

  it('retries when Docker stopped answering or the container was removed under the swap', () => {
    expect(needsContainerLook(outcome('failed', 'copy'))).toBe(true);
    expect(retryVerdict(outcome('failed', 'copy'), { kind: 'unreachable' })).toEqual({ action: 'retry', reason: 'Docker stopped answering during the run' });
    expect(retryVerdict(outcome('failed', 'health'), { kind: 'gone' })).toEqual({ action: 'retry', reason: 'container app was removed during the run' });
  });

  it('retries a container stopped before the new binary ran, but not one the new binary left stopped', () => {
    expect(retryVerdict(outcome('failed', 'restart'), stopped(false))).toEqual({ action: 'retry', reason: 'container app was stopped during the run' });
    expect(retryVerdict(outcome('failed', 'health'), stopped(false))).toEqual({ action: 'give-up' });
  });

  it('retries a container stopped from outside after it went live (docker stop under the health check)', () => {
    expect(retryVerdict(outcome('failed', 'health'), stopped(true))).toEqual({ action: 'retry', reason: 'container app was stopped during the run' });
  });

  it('gives up when the container still runs: the swap itself failed and would fail again', () => {
    expect(retryVerdict(outcome('failed', 'verify'), { kind: 'running' })).toEqual({ action: 'give-up' });
  });
});

/** An engine with one container whose inspect answers from a script, one answer per call (the last repeats). */
function scriptedEngine(answers: ReadonlyArray<ContainerState | null | Error>, stopRequested = false) {
  let calls = 0;
  const container = {
    name: 'app',
    async inspect() {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer ?? null;
    },
    stopRequestedSince: async () => stopRequested,
  } as Partial<ContainerClient> as ContainerClient;
  const engine = { container: () => container } as Partial<Engine> as Engine;
  return { engine, inspections: () => calls };
}

describe('containerAfterFailure', () => {
  const quick = { settleMs: 200, pollMs: 5 };

  it('says unreachable when the engine does not answer', async () => {
    const { engine } = scriptedEngine([new Error('connect ENOENT /var/run/docker.sock')]);
    expect(await containerAfterFailure(engine, 'app', quick)).toEqual({ kind: 'unreachable' });
  });

  it('says gone for a missing, dead or removing container', async () => {
    for (const state of [null, { ...exited, status: 'dead' }, { ...running, status: 'removing' }]) {
      expect(await containerAfterFailure(scriptedEngine([state]).engine, 'app', quick)).toEqual({ kind: 'gone' });
    }
  });

  it('says stopped, and whether the engine saw a stop request', async () => {
    expect(await containerAfterFailure(scriptedEngine([exited], true).engine, 'app', quick)).toEqual({ kind: 'stopped', fromOutside: true });
    expect(await containerAfterFailure(scriptedEngine([{ ...running, restarting: true }]).engine, 'app', quick))
      .toEqual({ kind: 'stopped', fromOutside: false });
  });

  it('looks again while the container still runs, and sees a removal that lands meanwhile', async () => {
    const { engine, inspections } = scriptedEngine([running, running, null]);
    expect(await containerAfterFailure(engine, 'app', quick)).toEqual({ kind: 'gone' });
    expect(inspections()).toBe(3);
  });

  it('says running once the settle time has passed with the container up', async () => {
    const { engine, inspections } = scriptedEngine([running]);
    expect(await containerAfterFailure(engine, 'app', { settleMs: 20, pollMs: 5 })).toEqual({ kind: 'running' });
    expect(inspections()).toBeGreaterThan(1);
  });
});

describe('Scheduler.retryIn', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const counting = () => {
    const calls: string[][] = [];
    const s = new Scheduler({ debounceMs: 200, maxWaitMs: 2000, minIntervalMs: 0, run: async (paths) => void calls.push(paths) });
    return { s, calls };
  };

  it('runs once after the wait, with what was collected', async () => {
    const { s, calls } = counting();
    s.retryIn(1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([[]]);
  });

  it('keeps only the latest retry', async () => {
    const { s, calls } = counting();
    s.retryIn(1000);
    s.retryIn(4000);
    await vi.advanceTimersByTimeAsync(3999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
  });

  it('drops a pending retry on stop', async () => {
    const { s, calls } = counting();
    s.retryIn(1000);
    await s.stop();
    s.retryIn(10);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual([]);
  });
});
