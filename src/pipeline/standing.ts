/**
 * The install step's two execs, the prepared INSTALL and hotswap-hasher (swap/install.ts, swap/follow.ts),
 * or, for a run's own where the host reaches the container's directories, those directories opened with the
 * live binary hashed (swap/host-install.ts) in the prepared INSTALL's place: a run starts them as its build
 * starts, so their start-up is off the swap's path but still beside `go build`, on the same cores. A daemon starts the next run's as soon as a swap is done, while the machine
 * is idle, and keeps them standing until a run wants them. They live in one container process: a restart
 * ends them, so a run takes them only while the container still runs the process they were started in.
 */
import type { ContainerClient, ContainerState } from '../docker/client.js';
import { runsSteadily } from '../swap/either-way.js';
import type { Follower } from '../swap/follow.js';
import type { HostInstall } from '../swap/host-install.js';
import type { PreparedInstall } from '../swap/install.js';

export interface InstallExecs {
  readonly prepared: Promise<PreparedInstall | null>;
  readonly follower: Promise<Follower | null> | null;
  readonly host: Promise<HostInstall | null>;
}

/** Ends execs nobody will use (their stdin closes, they exit having done nothing), and closes the directories. */
export function endExecs(execs: InstallExecs): void {
  void execs.prepared.then((exec) => exec?.cancel());
  void execs.follower?.then((f) => f?.cancel(), () => undefined);
  void execs.host.then((h) => h?.close());
}

interface Held {
  readonly startedAt: string;
  readonly binaryPath: string;
  readonly execs: InstallExecs;
}

/** One target's standing execs, kept by the watch daemon between runs. */
export class StandingExecs {
  private held: Held | null = null;
  private closed = false;

  /** The execs standing in this container process for this path, now the caller's; anything else standing ends. */
  take(startedAt: string, binaryPath: string): InstallExecs | null {
    const held = this.held;
    this.held = null;
    if (held && held.startedAt === startedAt && held.binaryPath === binaryPath) return held.execs;
    if (held) endExecs(held.execs);
    return null;
  }

  /** Starts the next run's execs in the container as it runs now (after a swap, whose restart ended the last ones). */
  async stand(container: ContainerClient, binaryPath: string, start: (running: ContainerState) => InstallExecs): Promise<void> {
    const state = await container.inspect().catch(() => null);
    // Closed meanwhile (the daemon stops): nothing may start that would hold the process open.
    if (this.closed || !state || !runsSteadily(state)) return;
    this.clear();
    this.held = { startedAt: state.startedAt, binaryPath, execs: start(state) };
  }

  /** Ends what stands. */
  clear(): void {
    if (this.held) endExecs(this.held.execs);
    this.held = null;
  }

  /** Ends what stands, and what a swap just done would start (the daemon stops). */
  close(): void {
    this.closed = true;
    this.clear();
  }
}
