// A rootful Podman service of the test's own, on a private socket: its own containers.conf and storage.conf
// in a temp dir (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF), so nothing in /etc and none of Podman's default
// storage is touched. Containers share the host network or none (no CNI bridge). The runtime image comes from
// the test engine (`docker save`, `podman load`): no registry. Everything it starts it ends by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isAlive } from '../../src/state/store.js';
import { RUNTIME_IMAGE, run, type RunResult } from './docker.js';
import { unmountUnder } from './own-dockerd.js';

export interface PodmanService {
  /** `unix://<dir>/podman.sock`: DOCKER_HOST for hotswap. */
  readonly host: string;
  /** `podman ARGS` on this service's storage (the tests' independent view); never rejects on a non-zero exit. */
  podman(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Removes its containers, ends the service by pid, removes the dir. */
  stop(): Promise<void>;
}

/**
 * Debian's podman 4.3 starts no container without `default_ulimits` here: its defaults (nofile and nproc
 * 1048576) exceed what this machine allows. Soft equals hard: its Docker-compatible create swaps the two
 * (README "Podman"). `lock_type = "file"` keeps the locks in tmp_dir, not in a /dev/shm segment all Podmans share;
 * `exit_command_delay` lets an exec's conmon linger 10 s after it ends (for its exit code), not 300 s.
 */
const containersConf = (dir: string) => `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
netns = "host"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${dir}/events.log"
lock_type = "file"
exit_command_delay = 10
tmp_dir = "${dir}/tmp"
image_copy_tmp_dir = "${dir}/tmp"
volume_path = "${dir}/volumes"
static_dir = "${dir}/libpod"
[network]
network_config_dir = "${dir}/cni"
`;

// vfs mounts nothing: the dir is removed without unmounting layers (the image is 10 MB).
const storageConf = (dir: string) => `[storage]
driver = "vfs"
graphroot = "${dir}/graph"
runroot = "${dir}/run"
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /_ping on the socket answers 200. */
const pings = (socketPath: string) => new Promise<boolean>((resolve) => {
  const req = http.get({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
    res.resume();
    resolve(res.statusCode === 200);
  });
  req.on('error', () => resolve(false));
  req.on('timeout', () => req.destroy());
});

async function waitServing(socketPath: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await pings(socketPath))) {
    const log = () => fs.readFileSync(logFile, 'utf8').slice(-2000);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`podman system service exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    if (Date.now() > deadline) throw new Error(`podman system service did not answer on ${socketPath} within 60 s:\n${log()}`);
    await sleep(100);
  }
}

/** Fails loudly (never skips) when podman is missing: scripts/env.sh installs it. */
async function requirePodman(): Promise<void> {
  const r = await run('podman', ['--version']).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  if (r.code !== 0) throw new Error(`podman is not installed or does not run (${r.stderr.trim()}): run bash scripts/env.sh, which installs Debian's podman`);
}

export async function startPodman(): Promise<PodmanService> {
  await requirePodman();
  // Short: the socket path must stay under 108 bytes.
  const dir = fs.mkdtempSync('/tmp/hsp-');
  fs.writeFileSync(path.join(dir, 'containers.conf'), containersConf(dir));
  fs.writeFileSync(path.join(dir, 'storage.conf'), storageConf(dir));
  const env = { ...process.env, CONTAINERS_CONF: path.join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf') };
  const socket = path.join(dir, 'podman.sock');
  const logFile = path.join(dir, 'service.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const podman = (args: string[], timeoutMs = 120_000) => run('podman', args, { env, timeoutMs });
  const service: PodmanService = {
    host: `unix://${socket}`,
    podman,
    async stop() {
      await podman(['rm', '-f', '-a', '-t', '0']);
      if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGTERM');
      for (let i = 0; child.pid !== undefined && isAlive(child.pid) && i < 200; i++) await sleep(50);
      if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
      await unmountUnder(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitServing(socket, child, logFile);
    await loadRuntimeImage(dir, podman);
  } catch (e) {
    await service.stop();
    throw e;
  }
  return service;
}

/** The runtime image the global set-up built on the test engine, saved there and loaded into Podman. */
async function loadRuntimeImage(dir: string, podman: PodmanService['podman']): Promise<void> {
  const archive = path.join(dir, 'runtime.tar');
  const saved = await run('docker', ['save', '-o', archive, RUNTIME_IMAGE]);
  if (saved.code !== 0) throw new Error(`docker save ${RUNTIME_IMAGE} failed: ${saved.stderr.trim()}`);
  const loaded = await podman(['load', '-q', '-i', archive]);
  if (loaded.code !== 0) throw new Error(`podman load ${RUNTIME_IMAGE} failed: ${loaded.stderr.trim()}`);
  fs.rmSync(archive);
}
