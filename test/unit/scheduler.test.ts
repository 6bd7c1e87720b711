import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeBatch } from '../../src/daemon/batch.js';
import { Scheduler } from '../../src/daemon/scheduler.js';

describe('ChangeBatch', () => {
  it('is due a quiet period after the last change', () => {
    const batch = new ChangeBatch();
    batch.add(['a.go'], 1000);
    batch.add(['b.go'], 1100);
    expect(batch.dueAt(200, 2000)).toBe(1300);
  });

  it('is due no later than maxWait after the first change, however long the stream of saves', () => {
    const batch = new ChangeBatch();
    for (let t = 0; t <= 5000; t += 100) batch.add(['a.go'], t);
    expect(batch.dueAt(200, 2000)).toBe(2000);
  });

  it('never cuts the quiet period short when maxWait is smaller than the debounce', () => {
    const batch = new ChangeBatch();
    batch.add(['a.go'], 1000);
    expect(batch.dueAt(500, 100)).toBe(1500);
  });

  it('hands out every path once, sorted, and is empty afterwards', () => {
    const batch = new ChangeBatch();
    batch.add(['b.go', 'a.go'], 0);
    batch.add(['a.go'], 10);
    expect(batch.take()).toEqual(['a.go', 'b.go']);
    expect(batch.size).toBe(0);
    expect(batch.dueAt(200, 2000)).toBeNull();
  });
});

describe('Scheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A run that lasts `ms` of fake time and records what it was given. */
  function recorder(ms: number) {
    const calls: string[][] = [];
    let active = 0;
    let maxActive = 0;
    const run = async (paths: string[]) => {
      calls.push(paths);
      maxActive = Math.max(maxActive, ++active);
      await new Promise((r) => setTimeout(r, ms));
      active--;
    };
    return { calls, run, maxActive: () => maxActive };
  }

  it('waits for the quiet period, then runs once over every change', async () => {
    const r = recorder(10);
    const s = new Scheduler({ debounceMs: 200, maxWaitMs: 2000, minIntervalMs: 0, run: r.run, now: () => Date.now() });
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(150);
    s.add(['b.go']);
    await vi.advanceTimersByTimeAsync(150);
    expect(r.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(r.calls).toEqual([['a.go', 'b.go']]);
  });

  it('runs one trailing build for edits made during a build, never two at once', async () => {
    const r = recorder(1000);
    const s = new Scheduler({ debounceMs: 100, maxWaitMs: 500, minIntervalMs: 0, run: r.run, now: () => Date.now() });
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(150); // first run starts
    for (let i = 0; i < 10; i++) {
      s.add([`edit${i}.go`]);
      await vi.advanceTimersByTimeAsync(80);
    }
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.calls).toHaveLength(2);
    expect(r.calls[1]).toHaveLength(10);
    expect(r.maxActive()).toBe(1);
  });

  it('keeps a stream of saves from postponing the build past maxWait', async () => {
    const r = recorder(10);
    const s = new Scheduler({ debounceMs: 200, maxWaitMs: 1000, minIntervalMs: 0, run: r.run, now: () => Date.now() });
    for (let i = 0; i < 12; i++) {
      s.add(['a.go']);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(r.calls.length).toBeGreaterThanOrEqual(1);
  });

  it('spaces run starts by minIntervalMs to group restarts', async () => {
    const r = recorder(10);
    const starts: number[] = [];
    const s = new Scheduler({
      debounceMs: 10, maxWaitMs: 100, minIntervalMs: 3000, now: () => Date.now(),
      run: async (p) => { starts.push(Date.now()); await r.run(p); },
    });
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(50);
    s.add(['b.go']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(3000);
  });

  it('starts no run after stop(), even one that was waiting out minIntervalMs (SIGTERM during the wait)', async () => {
    const r = recorder(10);
    const s = new Scheduler({ debounceMs: 10, maxWaitMs: 100, minIntervalMs: 3000, run: r.run, now: () => Date.now() });
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(50); // the first run has started and ended
    s.add(['b.go']);
    await vi.advanceTimersByTimeAsync(50); // the second is due, and waits out the interval
    const stopped = s.stop();
    await vi.advanceTimersByTimeAsync(5000);
    await stopped;
    expect(r.calls).toEqual([['a.go']]);
  });

  it('stops taking changes and waits for the current run on stop()', async () => {
    const r = recorder(500);
    const s = new Scheduler({ debounceMs: 10, maxWaitMs: 100, minIntervalMs: 0, run: r.run, now: () => Date.now() });
    s.add(['a.go']);
    await vi.advanceTimersByTimeAsync(20);
    const stopped = s.stop();
    s.add(['late.go']);
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
    expect(r.calls).toEqual([['a.go']]);
  });
});
