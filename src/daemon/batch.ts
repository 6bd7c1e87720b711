/**
 * The changes collected since the last run, and when they are due: a quiet period (debounce) with a cap
 * (maxWait), so a stream of saves still builds (tilt's coalesce). Pure: time comes in as numbers.
 */
export class ChangeBatch {
  private readonly paths = new Set<string>();
  private firstAt: number | null = null;
  private lastAt = 0;

  add(paths: readonly string[], now: number): void {
    for (const p of paths) this.paths.add(p);
    if (this.firstAt === null) this.firstAt = now;
    this.lastAt = now;
  }

  get size(): number {
    return this.paths.size;
  }

  /** When the batch should run: `debounceMs` after the last change, but no later than `maxWaitMs` after the first. */
  dueAt(debounceMs: number, maxWaitMs: number): number | null {
    if (this.firstAt === null) return null;
    return Math.min(this.lastAt + debounceMs, this.firstAt + Math.max(maxWaitMs, debounceMs));
  }

  /** Everything collected, emptying the batch. */
  take(): string[] {
    const taken = [...this.paths].sort();
    this.paths.clear();
    this.firstAt = null;
    return taken;
  }
}
