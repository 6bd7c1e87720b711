// Docker helpers for tests, over the docker CLI (the product itself uses dockerode, so the tests
// check its work through an independent path). Everything created here carries `hotswap.test=1`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';
import { waitForText } from './http.js';
import { hasherName } from '../../src/swap/follow.js';
import { hasherSource } from '../../src/toolchain/hasher-build.js';

/** The engine the tests use: DOCKER_HOST, else Docker's default socket (CI leaves DOCKER_HOST unset). */
export const ENGINE_HOST = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
export const ENGINE_SOCKET = ENGINE_HOST.replace(/^unix:\/\//, '');

export const RUNTIME_IMAGE = 'hotswap-test/runtime:latest';
export const TEST_LABEL = 'hotswap.test=1';
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process died from a signal (e.g. killed on timeout). */
  signal?: NodeJS.Signals | null;
}

/** Runs a program with an argument array (no shell); never rejects on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, signal });
    });
  });
}

/** `docker ARGS`; never rejects on a non-zero exit. */
export function docker(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return run('docker', args, { timeoutMs });
}

/** `docker ARGS`, throwing with docker's stderr on failure; returns trimmed stdout. */
async function dockerOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await docker(args, timeoutMs);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

/** RUNTIME_IMAGE with this machine's openssl added, as ollama's Ubuntu image has it (see the script). */
export const OPENSSL_IMAGE = 'hotswap-test/runtime-openssl:latest';

/**
 * Builds RUNTIME_IMAGE (or OPENSSL_IMAGE with `'openssl'`) with the same script the demo uses, unless it is
 * current (see the script).
 */
export async function ensureRuntimeImage(withTool?: 'openssl'): Promise<void> {
  const image = withTool ? OPENSSL_IMAGE : RUNTIME_IMAGE;
  const r = await run('bash', [path.join(REPO_ROOT, 'scripts', 'runtime-image.sh'), image, ...(withTool ? [withTool] : [])], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`building ${image} failed:\n${r.stderr || r.stdout}`);
}

export const BUILDER_IMAGE = 'hotswap-test/builder:latest';

/** Builds BUILDER_IMAGE (this machine's Go toolchain, FROM scratch) unless it is current (see the script). */
export async function ensureBuilderImage(): Promise<void> {
  const r = await run('bash', [path.join(REPO_ROOT, 'scripts', 'builder-image.sh'), BUILDER_IMAGE], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`building ${BUILDER_IMAGE} failed:\n${r.stderr || r.stdout}`);
}

export interface StartOptions {
  name: string;
  port: number;
  image?: string;
  /** Extra environment for the container (OLLAMA_HOST is set from `port`). */
  env?: Record<string, string>;
  /** `--tmpfs` mounts, e.g. `/tmp:size=1m` (a small /tmp; emptied by every restart). */
  tmpfs?: string[];
  /** `-v` mounts, e.g. `/host/dir:/backups` (another file system than the image's). */
  volumes?: string[];
  /** `--restart` policy, e.g. `always`. */
  restart?: string;
}

/** Replaces any container called `name` with a fresh one on the host network and waits for `GET /` = 200. */
export async function startContainer({ name, port, image = RUNTIME_IMAGE, env = {}, tmpfs = [], volumes = [], restart }: StartOptions): Promise<void> {
  await removeContainer(name);
  const envArgs = Object.entries({ ...env, OLLAMA_HOST: `127.0.0.1:${port}` }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const more = [...tmpfs.flatMap((t) => ['--tmpfs', t]), ...volumes.flatMap((v) => ['-v', v]), ...(restart ? ['--restart', restart] : [])];
  await dockerOk(['run', '-d', '--name', name, '--network', 'host', '--label', TEST_LABEL, ...envArgs, ...more, image]);
  try {
    await waitForText(`http://127.0.0.1:${port}/`, (_b, status) => status === 200, 15_000);
  } catch (err) {
    const logs = await docker(['logs', '--tail', '20', name]);
    const state = await docker(['inspect', '--format', '{{.State.Status}} exit={{.State.ExitCode}}', name]);
    throw new Error(`container ${name} did not become healthy: ${(err as Error).message}\nstate: ${state.stdout.trim()}\nlogs:\n${logs.stdout}${logs.stderr}`);
  }
}

/** Force-removes a container; a missing one is fine. */
export async function removeContainer(name: string): Promise<void> {
  const r = await docker(['rm', '-f', '-v', name], 30_000);
  if (r.signal) {
    // Seen when another client holds the container's lock (e.g. a putArchive whose tar stream never ended).
    throw new Error(`docker rm -f ${name} hung for 30 s: another process holds the container (an unfinished docker cp / putArchive?)`);
  }
  if (r.code !== 0 && !/no such container|already in progress/i.test(r.stderr)) throw new Error(`docker rm -f ${name}: ${r.stderr.trim()}`);
}

/**
 * Removes every container, then every volume, labelled hotswap.test=1 (leftovers of earlier runs).
 * Containers made from RUNTIME_IMAGE inherit its label, so those the product creates are included.
 */
/**
 * Leftovers of earlier test runs: labelled containers named like the tests' (hs-test-*, hs-bad-*). Containers
 * hotswap created from the runtime image inherit its label, so the name keeps the demo and benches safe.
 */
export async function removeLabelled(): Promise<void> {
  const ids = (await dockerOk(['ps', '-aq', '--filter', `label=${TEST_LABEL}`, '--filter', 'name=^hs-test-', '--filter', 'name=^hs-bad-']))
    .split(/\s+/).filter(Boolean);
  for (const id of ids) await removeContainer(id); // one by one: tolerate ones that vanish meanwhile
  const vols = (await dockerOk(['volume', 'ls', '-q', '--filter', `label=${TEST_LABEL}`])).split(/\s+/).filter(Boolean);
  for (const v of vols) {
    const r = await docker(['volume', 'rm', '-f', v]);
    if (r.code !== 0 && !/no such volume/i.test(r.stderr)) throw new Error(`docker volume rm ${v}: ${r.stderr.trim()}`);
  }
}

/** `docker exec NAME ARGV...`; resolves with the exit code, never rejects on a non-zero one. */
export function dockerExec(name: string, argv: string[]): Promise<RunResult> {
  return docker(['exec', name, ...argv], 60_000);
}

/** sha256 (64 lowercase hex) of a file inside a running container, via busybox sha256sum. */
export async function containerSha256(name: string, file = '/usr/bin/ollama'): Promise<string> {
  const r = await dockerExec(name, ['sha256sum', file]);
  const sum = r.stdout.trim().split(/\s+/)[0] ?? '';
  if (r.code !== 0 || !/^[0-9a-f]{64}$/.test(sum)) throw new Error(`sha256sum ${file} in ${name} failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
  return sum;
}

/**
 * Puts a hotswap-hasher in the container that declines (reads the size, answers "no"): swaps then check the
 * upload after it lands, as without the tool, and the host does not upload the real one again. For tests of
 * that check (a lying sha256sum or openssl stands in for a corrupt upload).
 */
export async function declineHasher(name: string, dir = '/usr/bin'): Promise<void> {
  const file = `${dir}/${hasherName(hasherSource()!.version)}`;
  const r = await dockerExec(name, ['sh', '-c', `printf '#!/bin/sh\\nread -r size\\necho no\\n' > "${file}" && chmod 755 "${file}"`]);
  if (r.code !== 0) throw new Error(`writing ${file} in ${name} failed: ${r.stderr}`);
}
