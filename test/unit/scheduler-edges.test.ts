import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/daemon/scheduler.js';

// What the watch loop relies on beyond the batching itself (scheduler.test.ts): no spurious runs, a clock of its
// own when none is given, and nothing left pending after stop(), so the daemon exits at once on SIGTERM.
describe('Scheduler, at its edges', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const scheduler = (options: { minIntervalMs?: number; now?: () => number } = {}) => {
    const calls: string[][] = [];
    const s = new Scheduler({ debounceMs: 100, maxWaitMs: 1000, minIntervalMs: 0, ...options, run: async (paths) => void calls.push(paths) });
    return { s, calls };
  };

  it('uses the system clock when no clock is given', async () => {
    const { s, calls } = scheduler();
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([['a.go']]);
  });

  it('keeps time by the clock it is given', async () => {
    let clock = 5_000;
    const { s, calls } = scheduler({ now: () => clock });
    s.add(['a.go']);
    clock += 950; // by this clock maxWait is nearly over, though no timer time has passed
    s.add(['b.go']);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toEqual([['a.go', 'b.go']]);
  });

  it('starts the first run when it is due, whatever minIntervalMs says', async () => {
    const { s, calls } = scheduler({ minIntervalMs: 3000 });
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([['a.go']]);
  });

  it('starts no run for an empty list of changes', async () => {
    const { s, calls } = scheduler();
    s.add([]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not run again for changes a triggered run already took', async () => {
    const { s, calls } = scheduler();
    s.add(['a.go']);
    await s.trigger();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual([['a.go']]);
  });

  it('leaves no timer behind after stop(): not the pending batch, not a later change, not a trigger', async () => {
    const { s, calls } = scheduler({ minIntervalMs: 3000 });
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(100);
    s.add(['b.go']);
    await s.stop();
    expect(vi.getTimerCount()).toBe(0);
    s.add(['c.go']);
    expect(vi.getTimerCount()).toBe(0);
    await s.trigger();
    expect(vi.getTimerCount()).toBe(0);
    expect(calls).toEqual([['a.go']]);
  });
});
