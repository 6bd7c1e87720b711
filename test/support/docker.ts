// Docker helpers for tests, over the docker CLI (the product itself uses dockerode, so the tests
// check its work through an independent path). Everything created here carries `hotswap.test=1`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_DIR } from './paths.js';
import { waitForText } from './http.js';

export const RUNTIME_IMAGE = 'hotswap-test/runtime:latest';
export const TEST_LABEL = 'hotswap.test=1';
const HASH_LABEL = 'hotswap.test.fixture-hash';
/** Bump when the image recipe below changes, so existing images are rebuilt. */
const RECIPE_VERSION = '1';

/** busybox applets linked into the image: what the swapper and the tests run inside the container. */
const APPLETS = [
  'sh', 'sha256sum', 'cp', 'mv', 'rm', 'chmod', 'ls', 'cat', 'mkdir', 'sleep', 'stat', 'test', '[', 'ln',
  'find', 'echo', 'head', 'tail', 'wc', 'env', 'kill', 'ps', 'true', 'false', 'touch', 'readlink',
  'realpath', 'dirname', 'basename', 'sync', 'tar', 'grep', 'sed', 'xargs', 'printf', 'date', 'id',
  'cmp', 'du', 'df', 'pidof', 'uname', 'which', 'mktemp', 'rmdir', 'sort', 'tr', 'cut', 'tee',
];

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

/** sha256 over the fixture's files (paths and contents) and the recipe version. */
async function fixtureHash(): Promise<string> {
  const h = createHash('sha256').update(`recipe ${RECIPE_VERSION}\n`);
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) h.update(`${path.relative(FIXTURE_DIR, p)}\0`).update(await fs.readFile(p)).update('\0');
    }
  };
  await walk(FIXTURE_DIR);
  return h.digest('hex');
}

/**
 * Builds RUNTIME_IMAGE (FROM scratch: static busybox + the fixture as /usr/bin/ollama) unless an image
 * built from the same fixture content already exists. No registry is needed.
 */
export async function ensureRuntimeImage(): Promise<void> {
  const hash = await fixtureHash();
  const have = await docker(['image', 'inspect', '--format', `{{ index .Config.Labels "${HASH_LABEL}" }}`, RUNTIME_IMAGE]);
  if (have.code === 0 && have.stdout.trim() === hash) return;

  const ctx = await fs.mkdtemp(path.join(os.tmpdir(), 'hotswap-runtime-'));
  try {
    const root = path.join(ctx, 'rootfs');
    for (const d of ['bin', 'usr/bin', 'tmp']) await fs.mkdir(path.join(root, d), { recursive: true });
    await fs.chmod(path.join(root, 'tmp'), 0o1777); // COPY keeps the mode: a world-writable sticky /tmp
    await fs.copyFile('/bin/busybox', path.join(root, 'bin/busybox')); // Debian busybox-static: no libc needed
    await fs.chmod(path.join(root, 'bin/busybox'), 0o755);
    for (const a of APPLETS) await fs.symlink('busybox', path.join(root, 'bin', a));

    const env: NodeJS.ProcessEnv = { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOPROXY: 'off' };
    // go needs a cache dir; CI shells sometimes run without HOME.
    if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = path.join(os.tmpdir(), 'hotswap-gocache');
    const build = await run('go', ['build', '-trimpath', '-buildvcs=false', '-o', path.join(root, 'usr/bin/ollama'), '.'], {
      cwd: FIXTURE_DIR,
      env,
      timeoutMs: 300_000,
    });
    if (build.code !== 0) throw new Error(`go build of the fixture failed:\n${build.stderr}`);

    await fs.writeFile(
      path.join(ctx, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        `LABEL hotswap.test="1" ${HASH_LABEL}="${hash}"`,
        'ENTRYPOINT ["/usr/bin/ollama"]',
        'CMD ["serve"]',
        '',
      ].join('\n'),
    );
    // Legacy builder: the 28.x CLI has no buildx plugin here; --network none as nothing needs the network.
    const r = await run('docker', ['build', '--network', 'none', '-q', '-t', RUNTIME_IMAGE, ctx], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      timeoutMs: 300_000,
    });
    if (r.code !== 0) throw new Error(`docker build of ${RUNTIME_IMAGE} failed:\n${r.stderr || r.stdout}`);
    // The previous build of the tag is now dangling; drop it (skipped while a container still uses it).
    await docker(['image', 'prune', '-f', '--filter', `label=${HASH_LABEL}`]);
  } finally {
    await fs.rm(ctx, { recursive: true, force: true });
  }
}

export interface StartOptions {
  name: string;
  port: number;
  image?: string;
  /** Extra environment for the container (OLLAMA_HOST is set from `port`). */
  env?: Record<string, string>;
}

/** Replaces any container called `name` with a fresh one on the host network and waits for `GET /` = 200. */
export async function startContainer({ name, port, image = RUNTIME_IMAGE, env = {} }: StartOptions): Promise<void> {
  await removeContainer(name);
  const envArgs = Object.entries({ ...env, OLLAMA_HOST: `127.0.0.1:${port}` }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await dockerOk(['run', '-d', '--name', name, '--network', 'host', '--label', TEST_LABEL, ...envArgs, image]);
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
export async function removeLabelled(): Promise<void> {
  const ids = (await dockerOk(['ps', '-aq', '--filter', `label=${TEST_LABEL}`])).split(/\s+/).filter(Boolean);
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
