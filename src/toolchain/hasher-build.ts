/**
 * hotswap-hasher (src/swap/hasher/, a few lines of Go) built for the container's platform with the host's Go:
 * once per source version, under .hotswap/tools/, in the background of the first swap that wants it. null
 * when it cannot be had (no Go, another OS, a failed build): the copy phase then hashes the upload after it
 * lands, as it always could.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Platform } from '../docker/client.js';
import { stateDir } from '../state/store.js';

const SOURCE_FILES = ['main.go', 'go.mod'];

/** The tool's source: src/swap/hasher of hotswap's own package (a packed install ships it), found upwards from this module. */
function findSource(): string | null {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'src', 'swap', 'hasher');
    if (existsSync(join(candidate, 'main.go'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

let source: { dir: string; version: string } | null | undefined;
/** Where the source is and its version (a hash of it): a changed tool gets a new name in the container. */
export function hasherSource(): { dir: string; version: string } | null {
  if (source !== undefined) return source;
  const dir = findSource();
  const hash = createHash('sha256');
  for (const file of SOURCE_FILES) if (dir) hash.update(readFileSync(join(dir, file)));
  source = dir ? { dir, version: hash.digest('hex').slice(0, 12) } : null;
  return source;
}

/** GOARM for a variant such as "v7" (linux/arm/v7); other architectures take none. */
const goarm = (platform: Platform) => (platform.arch === 'arm' && platform.variant ? platform.variant.replace(/^v/, '') : null);

function goBuild(dir: string, out: string, platform: Platform): Promise<boolean> {
  const arm = goarm(platform);
  // The user's GOFLAGS or go.work must not reach this module; GOTOOLCHAIN=local never downloads.
  const env = { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: platform.arch, GOFLAGS: '', GOWORK: 'off', GOTOOLCHAIN: 'local', ...(arm ? { GOARM: arm } : {}) };
  return new Promise((resolve) => {
    execFile('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, '.'], { cwd: dir, env }, (error) => resolve(!error));
  });
}

async function build(platform: Platform, repo: string): Promise<string | null> {
  const src = hasherSource();
  if (!src || platform.os !== 'linux') return null;
  const name = `hotswap-hasher-${src.version}-linux-${platform.arch}${platform.variant ? `-${platform.variant}` : ''}`;
  const out = join(stateDir(repo), 'tools', name);
  if (existsSync(out)) return out;
  await mkdir(dirname(out), { recursive: true, mode: 0o700 });
  const temp = `${out}.${process.pid}`; // renamed whole: another process never runs a half-written tool
  if (!(await goBuild(src.dir, temp, platform))) {
    await rm(temp, { force: true });
    return null;
  }
  await rename(temp, out);
  return out;
}

const builds = new Map<string, Promise<string | null>>();
/** The tool for `platform` on this host, built at most once per process; null when it cannot be built. */
export function hasherFor(platform: Platform, repo: string): Promise<string | null> {
  const key = `${repo}\0${platform.os}/${platform.arch}/${platform.variant ?? ''}`;
  let built = builds.get(key);
  if (!built) builds.set(key, (built = build(platform, repo).catch(() => null)));
  return built;
}
