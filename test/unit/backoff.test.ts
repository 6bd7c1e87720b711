import { describe, expect, it } from 'vitest';
import { Backoff, FIRST_BACKOFF_MS, MAX_BACKOFF_MS } from '../../src/daemon/backoff.js';

describe('Backoff', () => {
  it('waits 1 s, then twice as long after each failure, never over 30 s', () => {
    const b = new Backoff();
    const waits = Array.from({ length: 8 }, () => b.failed());
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(b.current).toBe(MAX_BACKOFF_MS);
  });

  it('starts over after a run that went through', () => {
    const b = new Backoff();
    b.failed();
    b.failed();
    b.succeeded();
    expect(b.current).toBe(FIRST_BACKOFF_MS);
    expect(b.failed()).toBe(FIRST_BACKOFF_MS);
  });
});
