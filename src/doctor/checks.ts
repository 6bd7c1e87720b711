/**
 * `hotswap doctor`'s checks: each looks at one thing and says OK, WARN or FAIL with the fix. The old
 * script's "common problems" table lives here as checks.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { cgoEnabled, localGoCanAnswer } from '../toolchain/go-version.js';
import { hostTools } from '../toolchain/host-tools.js';
import type { ResolvedConfig } from '../config/types.js';
import { messageOf } from '../errors.js';
import { linuxPrecheck } from '../notify/desktop.js';
import { openRepo } from '../git/repo.js';
import type { ContainerClient, ContainerState, Engine } from '../docker/client.js';
import { engineEndpoint } from '../docker/engine-config.js';
import { isPlainTcp } from '../docker/endpoint.js';
import { lookFromHost } from '../docker/proc-root.js';
import { detectSlowMount } from '../watch/mounts.js';

export type Status = 'OK' | 'WARN' | 'FAIL';
export interface CheckResult { readonly status: Status; readonly name: string; readonly detail: string; readonly fix?: string }

const run = promisify(execFile);
const ok = (name: string, detail: string): CheckResult => ({ status: 'OK', name, detail });
const warn = (name: string, detail: string, fix: string): CheckResult => ({ status: 'WARN', name, detail, fix });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ status: 'FAIL', name, detail, fix });

async function git(config: ResolvedConfig): Promise<CheckResult> {
  try {
    const repo = await openRepo(config.repo);
    await repo.close();
    return ok('git', `work tree ${repo.top}`);
  } catch (e) {
    return fail('git', messageOf(e), 'hotswap plans from git: run it in a git work tree (git init)');
  }
}

async function goToolchain(config: ResolvedConfig): Promise<CheckResult[]> {
  // The builders' own view of the host, so doctor and `auto` never disagree.
  const tools = await hostTools(config.repo);
  const [have, want] = [tools.goVersion, tools.goModVersion];
  const results: CheckResult[] = [];
  const container = 'builds will use the builder container (--builder container)';
  if (!have) results.push(warn('go', 'no Go toolchain on PATH', `install Go, or rely on the builder: ${container}`));
  else if (!localGoCanAnswer(tools)) results.push(warn('go', `Go ${have} is older than go.mod's go ${want}`, `install Go ${want}+, or ${container}`));
  else results.push(ok('go', `Go ${have}${want ? ` (go.mod: ${want})` : ''}`));
  if (cgoEnabled(config.build.env, process.env)) {
    results.push(tools.cc ? ok('cgo', `a C compiler (${tools.ccName}) is on PATH`) : warn('cgo', 'cgo is on and no C compiler is on PATH', `install gcc, or ${container}`));
  }
  const flags = config.build.flags;
  results.push(flags.includes('-trimpath') && flags.includes('-buildvcs=false')
    ? ok('reproducible', '-trimpath -buildvcs=false')
    : warn('reproducible', 'build.flags lack -trimpath or -buildvcs=false ("hash always differs")', 'add both to build.flags'));
  return results;
}

async function docker(config: ResolvedConfig, engine: Engine): Promise<CheckResult[]> {
  const { host, via, address, tls } = engineEndpoint();
  const results: CheckResult[] = [];
  if (isPlainTcp(address, !!tls)) {
    results.push(warn('docker host', `${host} is plain TCP: anyone on the network can drive the engine`, 'use a unix socket, ssh://, or TLS (DOCKER_TLS_VERIFY=1)'));
  }
  try {
    results.push(ok('docker', `${await engine.version()} at ${host} (from ${via})`));
  } catch (e) {
    return [...results, fail('docker', messageOf(e), 'start the Docker engine, or choose another with --host, DOCKER_HOST or DOCKER_CONTEXT')];
  }
  const { container, image } = config.target;
  const state = await engine.container(container).inspect();
  if (!state) {
    results.push(image
      ? warn('container', `${container} does not exist`, `the next swap creates it from ${image}`)
      : fail('container', `${container} does not exist and no image is configured`, 'start it, or set target.image (--image)'));
  } else {
    results.push(state.running ? ok('container', `${container} is running`) : warn('container', `${container} is ${state.status}`, startFix(container, state.status)));
    if (state.running) results.push(await uploadWay(config, engine.container(container), state));
  }
  if (image) results.push(await imageCheck(engine, 'image', image, `build or pull ${image}`));
  if (config.build.mode === 'container' || config.build.mode === 'auto') {
    results.push(await builderImageCheck(config, engine));
  }
  return results;
}

/**
 * How a swap's bytes will reach the container: written and installed by the host where it reaches both the
 * binary's and the backups' directories (swap/host-install.ts), written by it where it reaches the binary's
 * (swap/install.ts), else through the engine.
 */
async function uploadWay(config: ResolvedConfig, container: ContainerClient, state: ContainerState): Promise<CheckResult> {
  const { binaryPath, backupDir, writeFromHost } = config.target;
  if (!writeFromHost) return ok('upload', 'through the engine (target.writeFromHost is false)');
  const dir = posix.dirname(binaryPath);
  const [bin, backups] = await Promise.all([lookFromHost(container, state, binaryPath), container.openDir(state, backupDir)]);
  await backups?.close();
  if (!bin) return ok('upload', `through the engine: this host cannot write into ${state.name}:${dir} (an engine elsewhere or in a VM, no root, or a symlink on the way)`);
  return backups
    ? ok('upload', `written and installed by the host, no exec: ${state.name}:${dir} (/proc/${state.pid}/root)`)
    : ok('upload', `written from the host into ${state.name}:${dir} (/proc/${state.pid}/root); installed by an exec (the host cannot open ${backupDir})`);
}

/** A created container was never started (hotswap makes them so): the next swap puts the binary in and starts it. */
const startFix = (container: string, status: string) =>
  status === 'created' ? 'hotswap swap (puts the new binary in and starts it)' : `docker start ${container}, or hotswap swap`;

async function imageCheck(engine: Engine, name: string, ref: string, fix: string, optional = false): Promise<CheckResult> {
  const platform = await engine.imagePlatform(ref);
  if (platform) return ok(name, `${ref} (${platform.os}/${platform.arch})`);
  return optional ? warn(name, `${ref} is not present`, fix) : fail(name, `${ref} is not present`, fix);
}

/**
 * The image the builder container would use and where its name came from. Missing, it fails when nothing
 * else can build (auto with a local Go older than go.mod, or --builder container), else it warns.
 */
async function builderImageCheck(config: ResolvedConfig, engine: Engine): Promise<CheckResult> {
  const { builderImage: image, builderImageWhy: why } = config.build;
  const platform = await engine.imagePlatform(image);
  if (platform) return ok('builder image', `${image} (${why}), present (${platform.os}/${platform.arch})`);
  const needed = config.build.mode === 'container' || !localGoCanAnswer(await hostTools(config.repo));
  const detail = `${image} (${why}) is not present${needed ? ', and no other builder can build this repo' : ''}`;
  const fix = `docker pull ${image}${needed ? '' : ' (needed when the builder container is used)'}`;
  return needed ? fail('builder image', detail, fix) : warn('builder image', detail, fix);
}

async function notifications(config: ResolvedConfig): Promise<CheckResult> {
  if (!config.notify.desktop) return ok('notifications', 'desktop notifications are off');
  const problem = linuxPrecheck(process.env);
  return problem ? warn('notifications', problem, 'install libnotify-bin and run inside a desktop/D-Bus session, or set notify.desktop false') : ok('notifications', 'notify-send and a D-Bus session');
}

async function watching(config: ResolvedConfig): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const limit = Number((await readFile('/proc/sys/fs/inotify/max_user_watches', 'utf8').catch(() => '0')).trim());
  const dirs = await run('git', ['ls-files', '-co', '--exclude-standard'], { cwd: config.repo, maxBuffer: 64 * 1024 * 1024 })
    .then(({ stdout }) => stdout.split('\n').filter(Boolean).length, () => 0);
  // chokidar takes one watch per file and directory.
  results.push(limit && dirs > limit / 2
    ? warn('inotify', `${dirs} files to watch, max_user_watches is ${limit}`, 'sysctl fs.inotify.max_user_watches=524288')
    : ok('inotify', `${dirs} files to watch, limit ${limit || 'unknown'}`));
  const slow = detectSlowMount(config.repo);
  results.push(slow && !config.watch.poll ? warn('file events', slow, 'set "watch": {"poll": true}') : ok('file events', config.watch.poll ? 'polling' : 'inotify'));
  return results;
}

export async function runChecks(config: ResolvedConfig, engine: Engine): Promise<CheckResult[]> {
  const groups = await Promise.all([git(config), goToolchain(config), docker(config, engine), notifications(config), watching(config)]);
  return groups.flat();
}
