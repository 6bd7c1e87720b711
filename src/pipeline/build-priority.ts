/**
 * While a one-shot's head start builds, hotswap's own main thread yields the CPU to `go build`: loading the
 * swap command, the plan and the engine's first requests run beside the build, and on a machine of two cores
 * (a Codespace, a small dev VM) they slow it down by tens of milliseconds. Nice 19 for that thread (Linux
 * keeps a nice per thread; the build, already spawned, keeps its own) gives most of it back; the thread's
 * priority is restored once the build ends, and it is lowered only when it can be (CAP_SYS_NICE, or a
 * RLIMIT_NICE that allows it): a thread left at nice 19 would crawl on a busy machine.
 */
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

const YIELDED = 19;
const CAP_SYS_NICE = 23n;

/**
 * May a thread at nice `from` raise itself back to it? `status`, `limits` and `uidMap` are /proc/self/status,
 * /proc/self/limits and /proc/self/uid_map: CAP_SYS_NICE in the effective set of the initial user namespace
 * (the kernel asks it there: in a rootless container's own namespace it does not count), or a soft
 * RLIMIT_NICE of at least `20 - from`.
 */
export function canRestore(from: number, status: string, limits: string, uidMap: string): boolean {
  const initialNamespace = /^\s*0\s+0\s+4294967295\s*$/.test(uidMap);
  const caps = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (initialNamespace && caps && (BigInt(`0x${caps}`) >> CAP_SYS_NICE) & 1n) return true;
  const soft = /^Max nice priority\s+(\d+|unlimited)/m.exec(limits)?.[1];
  return soft === 'unlimited' || (soft !== undefined && Number(soft) >= 20 - from);
}

const readOr = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/**
 * Lowers this thread's priority until `build` settles, where it may be restored then. Returns the restore,
 * for whoever stops the build before it settles (a head start no run takes); calling it twice is harmless.
 */
export function yieldTo(build: Promise<unknown>): () => void {
  if (process.platform !== 'linux') return () => {};
  try {
    const from = getPriority();
    if (from >= YIELDED || !canRestore(from, readOr('/proc/self/status'), readOr('/proc/self/limits'), readOr('/proc/self/uid_map'))) return () => {};
    setPriority(YIELDED);
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      try {
        setPriority(from);
      } catch {
        // checked above; nothing else to do if the kernel refuses after all
      }
    };
    void build.then(restore, restore);
    return restore;
  } catch {
    return () => {}; // no priority to read or set: the build runs beside the rest, as it would anyway
  }
}
