/**
 * How long the daemon waits before it retries a run whose Docker or container went away: 1 s, doubling to
 * 30 s, and back to 1 s after a run that went through. Pure: the daemon owns the timer.
 */
export const FIRST_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 30_000;

export class Backoff {
  private ms = FIRST_BACKOFF_MS;

  /** The wait before the next try. */
  get current(): number {
    return this.ms;
  }

  /** A try failed: the next one waits twice as long, up to the cap. Returns this try's wait. */
  failed(): number {
    const wait = this.ms;
    this.ms = Math.min(this.ms * 2, MAX_BACKOFF_MS);
    return wait;
  }

  succeeded(): void {
    this.ms = FIRST_BACKOFF_MS;
  }
}
