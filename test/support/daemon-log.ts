// What hotswap (a watch daemon, a one-shot) recorded in .hotswap/hotswap.log (pino, one JSON object a line),
// read by the tests to wait on its own events instead of sleeping. The 'file event' lines need `--log-level debug`.
import fs from 'node:fs';
import path from 'node:path';

export interface LogLine { msg: string; time: number; pid: number; path?: string }

/** Every line of the repo's log so far (none before it exists). */
export const logLines = (repoDir: string): LogLine[] => {
  const file = path.join(repoDir, '.hotswap', 'hotswap.log');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
};

/** The last line of the repo's log that has `key` (say `followed`, the upload's check), if any. */
export const lastLogLine = (repoDir: string, key: string): LogLine | undefined => logLines(repoDir).filter((l) => key in l).at(-1);

/**
 * Waits until the log holds a file event (at `since` or later) for each of `paths`; resolves with the time
 * (epoch ms) of the latest file event for them. `describe` says what the daemon printed, for the error.
 */
export async function fileEventsLogged(repoDir: string, paths: readonly string[], since: number, describe: () => string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = logLines(repoDir).filter((e) => e.msg === 'file event' && e.time >= since && paths.includes(e.path ?? ''));
    const missing = paths.filter((p) => !events.some((e) => e.path === p));
    if (missing.length === 0) return Math.max(...events.map((e) => e.time));
    if (Date.now() > deadline) throw new Error(`no file event for ${missing.join(', ')} in the log within ${timeoutMs} ms:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
