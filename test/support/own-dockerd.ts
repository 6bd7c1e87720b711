// A Docker engine of the test's own, to stop and start without touching the shared one: its own data root,
// exec root (with its own managed containerd), pid file and unix socket, all under one short temp dir (a unix
// socket path must stay under 108 bytes). Networking off like the shared engine's. Everything it starts it
// stops by pid; `destroy` also unmounts whatever the engine left mounted under its dir, then removes it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../src/state/store.js';
import { run, type RunResult } from './docker.js';

export interface OwnDockerd {
  /** The temp dir holding everything (root/, x/, d.sock, d.pid, dockerd.log). */
  readonly dir: string;
  /** `unix://<dir>/d.sock`: DOCKER_HOST for hotswap, `-H` for the docker CLI. */
  readonly host: string;
  /** The running dockerd's pid, or null while stopped. */
  pid(): number | null;
  /** `docker -H <host> ARGS`; never rejects on a non-zero exit. */
  docker(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Starts dockerd (again, with the same dirs) and waits until it answers. */
  start(): Promise<void>;
  /** SIGTERM by pid (it stops its containers and its containerd), waits for the exit. */
  stop(): Promise<void>;
  /** Removes its containers, stops it, kills leftovers by pid, unmounts and removes the dir. Never throws. */
  destroy(): Promise<void>;
  /** The tail of dockerd's log, for failure messages. */
  logTail(lines?: number): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const lines = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n');
  // Spaces in mount points are written as \040; our paths have none.
  const points = lines.map((l) => l.split(' ')[1] ?? '').filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dir: string): Promise<void> {
  for (const point of mountsUnder(dir)) {
    const r = await run('umount', [point], { timeoutMs: 20_000 });
    if (r.code !== 0) await run('umount', ['-l', point], { timeoutMs: 20_000 });
  }
}

const readPid = (file: string): number | null => {
  const pid = Number.parseInt(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
};

export async function createOwnDockerd(): Promise<OwnDockerd> {
  // /tmp/hsd-XXXXXX/x/containerd/containerd-debug.sock is the longest socket: ~45 bytes.
  const dir = fs.mkdtempSync('/tmp/hsd-');
  const host = `unix://${dir}/d.sock`;
  const logFile = path.join(dir, 'dockerd.log');
  // An explicit empty config file: a machine's /etc/docker/daemon.json ("hosts", "data-root") must not apply.
  fs.writeFileSync(path.join(dir, 'daemon.json'), '{}\n');
  const args = [
    '--config-file', path.join(dir, 'daemon.json'),
    '--data-root', path.join(dir, 'root'), '--exec-root', path.join(dir, 'x'),
    '--pidfile', path.join(dir, 'd.pid'), '-H', host,
    '--bridge=none', '--iptables=false', '--ip6tables=false',
    '--log-level', 'warn',
  ];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const docker = (dockerArgs: string[], timeoutMs = 120_000) => run('docker', ['-H', host, ...dockerArgs], { timeoutMs });
  const logTail = (lines = 30) => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n') : '');
  const pid = () => (child && child.exitCode === null && child.signalCode === null ? child.pid ?? null : null);

  async function start(): Promise<void> {
    if (pid() !== null) return;
    const log = fs.openSync(logFile, 'a');
    // Its own process group: a Ctrl-C meant for vitest does not reach it; we stop it ourselves.
    child = spawn('dockerd', args, { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    const current = child;
    exited = new Promise((resolve) => current.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await docker(['version', '--format', '{{.Server.Version}}'], 10_000);
      if (r.code === 0) return;
      if (pid() === null) throw new Error(`dockerd exited while starting:\n${logTail()}`);
      if (Date.now() > deadline) throw new Error(`dockerd did not answer on ${host} within 60 s:\n${logTail()}`);
      await sleep(200);
    }
  }

  async function stop(): Promise<void> {
    const current = pid();
    if (current === null) return;
    process.kill(current, 'SIGTERM');
    // It stops its containers first (each within its stop timeout), then its containerd.
    const timer = setTimeout(() => { if (pid() === current) process.kill(current, 'SIGKILL'); }, 45_000);
    await exited;
    clearTimeout(timer);
    // Its managed containerd exits with it; wait so that a new start finds the sockets free.
    const containerd = readPid(path.join(dir, 'x', 'containerd', 'containerd.pid'));
    if (containerd !== null && !(await waitGone(containerd, 10_000))) process.kill(containerd, 'SIGKILL');
  }

  async function destroy(): Promise<void> {
    try {
      if (pid() !== null) {
        const ids = (await docker(['ps', '-aq'], 20_000)).stdout.split(/\s+/).filter(Boolean);
        if (ids.length) await docker(['rm', '-f', '-v', ...ids], 60_000);
      }
      await stop();
    } catch {
      // fall through to the pids below
    }
    // Anything of its own still alive (a dockerd killed too early leaves containerd and shims): by pid.
    for (const file of [path.join(dir, 'd.pid'), path.join(dir, 'x', 'containerd', 'containerd.pid')]) {
      const leftover = readPid(file);
      if (leftover !== null && isAlive(leftover) && fs.readFileSync(`/proc/${leftover}/cmdline`, 'utf8').includes(dir)) {
        process.kill(leftover, 'SIGKILL');
        await waitGone(leftover, 5000);
      }
    }
    await unmountUnder(dir).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  return { dir, host, pid, docker, start, stop, destroy, logTail };
}
