/**
 * The package as npm users get it: `npm pack` of this checkout, installed globally into a fresh prefix, and
 * the installed `hotswap` run from there on a fixture repo: --version, init, doctor and a real swap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestConfig } from '../support/config.js';
import { removeContainer, run, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { lastLogLine } from '../support/daemon-log.js';
import { REPO_ROOT } from '../support/paths.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-package';
const ownPackage = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
let work: string;
let tarball: string;
let prefix: string;
let repo: FixtureRepo;
let port: number;
/** The user's cache directory for these runs (its code cache); Go's cache stays where it was. */
let cacheHome: string;
let gocache: string;

/** Bytes under a directory, as `du` counts files (links not followed). */
function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** The installed command, run like a user's shell would, with a clean npm environment. */
const hotswap = (args: string[], extraEnv: Record<string, string> = {}) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  const caches = { XDG_CACHE_HOME: cacheHome, GOCACHE: gocache };
  return run(path.join(prefix, 'bin', 'hotswap'), args, { cwd: repo.dir, env: { ...env, NO_COLOR: '1', ...caches, ...extraEnv }, timeoutMs: 300_000 });
};

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-pkg-'));
  prefix = path.join(work, 'prefix');
  cacheHome = path.join(work, 'cache');
  gocache = (await run('go', ['env', 'GOCACHE'])).stdout.trim();
  // dist/ is fresh (the test set-up builds it): pack it as it is rather than rebuild mid-suite.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT });
  expect(packed.code, packed.stderr).toBe(0);
  tarball = path.join(work, (JSON.parse(packed.stdout) as [{ filename: string }])[0].filename);
  const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { timeoutMs: 300_000 });
  expect(installed.code, installed.stderr).toBe(0);
  repo = await makeFixtureRepo();
  port = await freePort();
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo?.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the bundle, the schema, README and LICENSE, and no tests or sources but the Go of hotswap-hasher', async () => {
    const listing = await run('tar', ['-tzf', tarball]);
    const files = listing.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['dist/cli.js', 'config/hotswap.schema.json', 'README.md', 'LICENSE', 'package.json', 'dist/chunks/ssh2.cjs', 'dist/chunks/hotswap.cjs']));
    // hotswap-hasher is built on the user's host, for the container's platform (src/toolchain/hasher-build.ts).
    expect(files.filter((f) => /^(test|src)\/|\.map$|\.ts$/.test(f)).sort()).toEqual(['src/swap/hasher/go.mod', 'src/swap/hasher/main.go']);
  });

  it('installs into a fresh prefix in at most 15 MB, with no install scripts, and answers its own --version', async () => {
    expect(sizeOf(prefix)).toBeLessThanOrEqual(15 * 1024 * 1024);
    const manifests = fs.readdirSync(path.join(prefix, 'lib', 'node_modules'), { recursive: true, encoding: 'utf8' })
      .filter((f) => path.basename(f) === 'package.json')
      .map((f) => JSON.parse(fs.readFileSync(path.join(prefix, 'lib', 'node_modules', f), 'utf8')) as { scripts?: Record<string, string> });
    expect(manifests.length).toBeGreaterThan(1); // hotswap and node-notifier at least
    const installScripts = manifests.flatMap((m) => Object.keys(m.scripts ?? {}).filter((k) => /^(pre|post)?install$/.test(k)));
    expect(installScripts).toEqual([]);
    const version = await hotswap(['--version']);
    expect(version.stdout.trim()).toBe(ownPackage.version);
  });

  it('runs init, doctor and a real swap from the installed command', async () => {
    const init = await hotswap(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('wrote hotswap.config.json');
    // hotswap-hasher takes the upload where the host cannot write it itself: so here, to build the tool from the package.
    writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { writeFromHost: false } } });
    const doctor = await hotswap(['doctor']);
    expect(doctor.stdout).toMatch(/^OK +container +hs-test-package is running/m);
    repo.setMessage('hello from the package');
    const swap = await hotswap(['swap', '--json']);
    expect(swap.code, swap.stderr).toBe(0);
    expect(JSON.parse(swap.stdout).outcome).toBe('swapped');
    expect((await getText(`http://127.0.0.1:${port}/api/hello`)).body).toBe('hello from the package');
    // Its code cache is the user's, never in the (read-only when global) package.
    expect(fs.readdirSync(path.join(cacheHome, 'hotswap'))).toContainEqual(expect.stringMatching(/^hotswap\.cjs-swap-[0-9a-f]{16}\.v8$/));
    expect(fs.readdirSync(prefix, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.v8'))).toEqual([]);
  });

  it('builds hotswap-hasher from the installed package, and the next swap (compiled from the first one\'s code cache) hashes its upload as it is written', async () => {
    repo.setMessage('hello, followed');
    const swap = await hotswap(['swap', '--json'], { NODE_DEBUG: 'hotswap' });
    expect(swap.code, swap.stderr).toBe(0);
    expect(swap.stderr).toMatch(/code cache reused: .*hotswap\.cjs-swap-/);
    expect(lastLogLine(repo.dir, 'followed')).toEqual(expect.objectContaining({ followed: true, via: 'hasher stdin' }));
    expect(fs.readdirSync(path.join(repo.dir, '.hotswap', 'tools'))).toEqual([expect.stringMatching(/^hotswap-hasher-[0-9a-f]{12}-linux-/)]);
  });

  it('loads ssh2 from its own file for an ssh:// engine (bundled apart, so other engines never parse it)', async () => {
    const closed = `ssh://root@127.0.0.1:${await freePort()}`;
    const r = await hotswap(['swap'], { DOCKER_HOST: closed });
    // The SSH connection was tried, so ssh2 loaded: a missing file would be an internal error (exit 1).
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`Docker is not reachable at ${closed} (chosen by DOCKER_HOST`);
  });
});
