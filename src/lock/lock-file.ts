/**
 * A lock file that names its holder (pid, command, repo), taken atomically: the holder's record is written
 * to a temp file, then hard-linked to the lock's name. link(2) fails when the name exists, whatever it is
 * (a symlink is never followed), so of several takers exactly one wins.
 *
 * A holder that died (SIGKILL) leaves a stale lock, as does one whose pid now belongs to another process. Removing it is guarded: only the taker that creates
 * `<lock>.takeover-<hash of the stale record>` may remove it, and only after reading the same record
 * again under the guard. A late taker that judged the same record stale finds another record then, and
 * leaves it alone.
 */
import { createHash } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAlive, readTextNow } from '../state/store.js';

export interface Holder {
  readonly pid: number;
  /** How the holder was started, e.g. `hotswap swap --json`. */
  readonly command: string;
  readonly repo: string;
  readonly since: string;
  /** The holder's command line as /proc showed it (absent without /proc): tells it from a reused pid. */
  readonly argv?: readonly string[];
  /** The watch daemon's mark: it watches (what `watch --detach` waits for). */
  readonly ready?: boolean;
}

export type TakeResult = { readonly taken: true } | { readonly taken: false; readonly holder: Holder };

/** A guard older than this belongs to a taker that died in the few microseconds it holds one. */
const GUARD_STALE_MS = 10_000;

export const holderOf = (repo: string): Holder => ({
  pid: process.pid, command: ['hotswap', ...process.argv.slice(2)].join(' '), repo, since: new Date().toISOString(),
  argv: argvOf(process.pid) ?? undefined,
});

/** The record as written, and what it says (null: unreadable, e.g. half a file from an older hotswap). */
async function readRecord(file: string): Promise<{ text: string; holder: Holder | null } | null> {
  return recordOf(await readFile(file, 'utf8').catch(() => null));
}

function recordOf(text: string | null): { text: string; holder: Holder | null } | null {
  if (text === null) return null;
  try {
    const holder = JSON.parse(text) as Holder;
    return { text, holder: Number.isInteger(holder.pid) && holder.pid > 0 ? holder : null };
  } catch {
    return { text, holder: null };
  }
}

/** The process's argv from /proc; null where there is no /proc (not Linux) or no such process. */
function argvOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

/**
 * Does `holder` still run? Its pid alive is not enough: a pid outlives its process and is reused (after a
 * reboot, a stale lock often names some other process). Where /proc tells, the process's command line must
 * be the one the holder recorded when it took the lock.
 */
export function holderRuns(holder: Holder): boolean {
  if (!isAlive(holder.pid)) return false;
  const argv = argvOf(holder.pid);
  return argv === null || holder.argv === undefined || argv.join('\0') === holder.argv.join('\0');
}

/** The lock's holder while it runs; null when there is no lock or its holder is gone. */
export async function liveHolder(file: string): Promise<Holder | null> {
  const holder = (await readRecord(file))?.holder ?? null;
  return holder && holderRuns(holder) ? holder : null;
}

/** The lock's record as written, whatever its holder's state (what `stop` explains). */
export const recordedHolder = async (file: string): Promise<Holder | null> => (await readRecord(file))?.holder ?? null;

/**
 * Writes `holder` to a fresh temp file beside `file` (never through an existing name: `wx`). Synchronous, as
 * are the link and the temp's removal: a swap takes the lock right after its build, on the swap's path.
 */
function writeTemp(file: string, holder: Holder): string {
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  writeFileSync(temp, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o600 });
  return temp;
}

/** Removes the lock if it still holds `staleText`, under the guard of that record (see above); false: guard busy. */
async function removeStale(file: string, staleText: string): Promise<boolean> {
  const guard = `${file}.takeover-${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}`;
  try {
    await writeFile(guard, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > GUARD_STALE_MS) await rm(guard, { force: true });
    return false; // another taker removes it
  }
  try {
    if ((await readRecord(file))?.text === staleText) await rm(file, { force: true });
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/** Hard-links `temp` to `file`: it appears whole or not at all. A file system without hard links gets O_EXCL. */
function createExclusive(temp: string, file: string): void {
  try {
    linkSync(temp, file);
  } catch (e) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    writeFileSync(file, readFileSync(temp), { flag: 'wx', mode: 0o600 });
  }
}

/** One attempt: the lock is this process's, or the live holder is returned. A stale lock is taken over. */
export async function tryTake(file: string, holder: Holder): Promise<TakeResult> {
  const temp = writeTemp(file, holder);
  try {
    for (;;) {
      try {
        createExclusive(temp, file);
        return { taken: true };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const found = await readRecord(file);
      if (found === null) continue; // released meanwhile
      const owner = found.holder;
      if (owner && owner.pid !== process.pid && holderRuns(owner)) return { taken: false, holder: owner };
      if (!(await removeStale(file, found.text))) await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Rewrites the holder's record (atomically: a temp file renamed over it, which replaces, never follows). */
export async function updateRecord(file: string, holder: Holder): Promise<void> {
  await rename(writeTemp(file, holder), file);
}

/**
 * Removes the lock if this process holds it. Synchronous calls: a one-shot releases it on its way out, where a
 * thread-pool round trip under load cost up to 18 ms.
 */
export async function release(file: string): Promise<void> {
  if (recordOf(readTextNow(file))?.holder?.pid === process.pid) rmSync(file, { force: true });
}
