/**
 * Getting the new binary to the binary path, backed up first, whatever state the container is in: by exec
 * (upload beside it, then INSTALL) while it runs steadily, else through the archive API.
 */
import { messageOf, operationError } from '../errors.js';
import type { TargetConfig } from '../config/types.js';
import type { Artifact } from '../builders/builder.js';
import type { ContainerClient, ContainerState, ExecResult, PreparedExec } from '../docker/client.js';
import type { ContainerDir, WrittenFile } from '../docker/proc-root.js';
import type { Progress } from '../ui/progress.js';
import { backUpViaArchive, backupFailed, backupOf, type Backup } from './backups.js';
import { followerIfReady, uploadWayFor, type Follower, type UploadWay } from './follow.js';
import { halvesArg, hashHalves } from './digests.js';
import { installFromHost, type HostInstall } from './host-install.js';
import { runsSteadily, stateAfterFailure } from './either-way.js';
import { removeLeftovers } from './restore.js';
import { BACKUP_FAILED, CANCELLED, execFailure, HASHER_LINE, INSTALL, INSTALL_ON_GO, installDone, installGo, installInput, parseInstallOutput, swapPaths } from './scripts.js';

export interface InstallRequest {
  readonly container: ContainerClient;
  /** INSTALL started during the build (prepareInstall); null or a failed one falls back to a plain exec. */
  readonly prepared?: Promise<PreparedInstall | null>;
  /** hotswap-hasher started during the build (prepareFollow): it hashes the upload while it is written. */
  readonly follower?: Promise<Follower | null>;
  /** The container's directories opened from the host during the build (host-install.ts): then no exec installs. */
  readonly host?: Promise<HostInstall | null>;
  /**
   * The container's StartedAt when `prepared` and `follower` were started: a restart since ended them, and
   * `install` then runs without them (its own inspect tells, under the container lock).
   */
  readonly preparedIn?: string;
  readonly target: TargetConfig;
  readonly artifact: Artifact;
  readonly progress: Progress;
}

/** A prepared INSTALL and the process it runs in: a restart of the container ends it. */
export interface PreparedInstall extends PreparedExec {
  readonly write: (text: string) => void;
  readonly startedAt: string;
}

export interface Installed {
  readonly backup: Backup | null;
  /** The sha256 now at the binary path (null when verify is off). */
  readonly installed: string | null;
  /** Written through the archive API: its temp names (and any an earlier, cut-off exec left) are removed once it runs. */
  readonly viaArchive: boolean;
  /** The upload's hash was taken while it was written (hotswap-hasher), not by a read after. */
  readonly followed?: boolean;
  /** How the bytes reached the container (absent: the archive API, for a stopped container). */
  readonly via?: UploadVia;
  /**
   * Where the artifact's sha256 was taken on the host: still being taken when the upload started
   * (`beside the upload`), or done by then (`before the upload`); absent when the swap never awaited it.
   */
  readonly hostHash?: 'beside the upload' | 'before the upload';
  /** The container as it ran moments before the rename (the prepared INSTALL ran in that process, or the host installed into it): what a restart proves itself against. */
  readonly ranIn?: ContainerState;
  /** Installed by the host itself (host-install.ts), with no exec. */
  readonly byHost?: boolean;
}

/**
 * Starts INSTALL in the container now, waiting for its arguments (it hashes the live binary meanwhile): call
 * it before the build. If the container stopped or restarted since, the process is gone: `install` then
 * cancels it and a plain exec takes over.
 */
export async function prepareInstall(container: ContainerClient, binaryPath: string): Promise<PreparedInstall | null> {
  try {
    const before = await container.inspect();
    if (!runsSteadily(before)) return null;
    const exec = await container.prepareExec(['sh', '-c', INSTALL_ON_GO, 'sh', binaryPath]);
    const write = exec.write;
    if (!write) {
      exec.cancel(); // it needs its arguments before the upload
      return null;
    }
    return { write, run: (input, done) => exec.run(input, done), cancel: () => exec.cancel(), firstLine: exec.firstLine, startedAt: before!.startedAt };
  } catch {
    return null;
  }
}

/**
 * Did the prepared exec run INSTALL? Not when it was lost, or killed before its last input (the container
 * stopped or restarted during the upload: it printed its hasher line, and `staged`, at most): then a plain
 * exec runs it.
 */
const ranScript = (r: ExecResult | null): r is ExecResult =>
  !!r && r.exitCode !== CANCELLED && r.exitCode !== -1 && !((r.exitCode === 137 || r.exitCode === 143) && /^(hasher \S+\n)?(staged\n)?$/.test(r.stdout));

/**
 * The prepared INSTALL given its arguments, so it readies the backup and prunes while the upload runs; null
 * (and it is cancelled) when it was prepared in another process of the container than `running`, the
 * container as inspected just before the upload (a restart since ended it).
 */
async function stageInstall(req: InstallRequest, running: ContainerState, args: readonly string[]): Promise<PreparedInstall | null> {
  const prepared = await req.prepared;
  if (prepared?.startedAt !== running.startedAt) {
    prepared?.cancel();
    return null;
  }
  prepared.write(installInput(args));
  return prepared;
}

type SwapPaths = ReturnType<typeof swapPaths>;

/** INSTALL's result: the staged exec's if it ran, else a plain exec's. `halves` is INSTALL's $9 ('' checks the upload whole). */
async function runInstall(req: InstallRequest, staged: PreparedInstall | null, args: readonly string[], halves: string): Promise<{ result: ExecResult; staged: boolean }> {
  const result = staged ? await staged.run(installGo(args, halves), installDone).catch(() => null) : null;
  if (ranScript(result)) return { result, staged: true };
  return { result: await req.container.exec(['sh', '-c', INSTALL, 'sh', ...args, '', halves]), staged: false };
}

/**
 * The artifact's halves for INSTALL, or '' (a whole check) when verify is off, the file is not the build's, or
 * the prepared INSTALL said the image hashes with openssl (it checks whole then: the halves would go unused).
 */
async function halvesOf(req: InstallRequest): Promise<string> {
  if (!req.target.verify || (await req.prepared)?.firstLine?.() === HASHER_LINE) return '';
  const [halves, sha256] = await Promise.all([hashHalves(req.artifact.path).catch(() => null), req.artifact.sha256]);
  return halves?.whole === sha256 ? halvesArg(halves) : '';
}

/** INSTALL's exit as an error, or its outcome; `expected` is its $4. */
function installOutcome(req: InstallRequest, result: ExecResult, expected: string): Installed {
  const { container, target } = req;
  const { backup, installed, mismatch, backupNeeds, followed } = parseInstallOutput(result.stdout);
  if (mismatch !== null) {
    throw operationError(`sha256 mismatch in ${container.name}: expected ${expected.slice(0, 12)}…, found ${mismatch.slice(0, 12) || 'none'}…`, {
      phase: 'verify', hint: 'the copy was altered or truncated (disk full in the container?); the binary was not replaced',
    });
  }
  if (result.exitCode === BACKUP_FAILED) throw backupFailed(container.name, target, backupNeeds, result.stderr);
  if (result.exitCode !== 0) throw execFailure(`installing the new binary at ${target.binaryPath}`, container.name, result, 'copy');
  return { backup: backup === null ? null : backupOf(backup, 0, new Date())[0] ?? null, installed, viaArchive: false, followed };
}

/** The follower, told the size, when the upload is to be checked and it is ready to hash it as it is written. */
async function followerFor(req: InstallRequest, way: UploadWay): Promise<Follower | null> {
  const follower = req.target.verify ? followerIfReady(req.follower) : null;
  return follower && (await follower.begin(req.artifact.size, way).catch(() => false)) ? follower : null;
}

/** How the upload reached the container, and for a host write who hashed it there. */
export type UploadVia = 'host write, hotswap-hasher' | 'host write, read back' | 'hasher stdin' | 'archive';

/** The upload, and INSTALL's $9 for it. */
interface Upload {
  readonly check: string;
  readonly via: UploadVia;
}

/** The host's write failed (a full disk?): the engine's upload takes over, and says why if it fails too. */
class HostWriteFailed extends Error {}

/** What the host's upload holds, as read back or as hotswap-hasher followed its write. */
interface HostUpload {
  readonly file: Omit<WrittenFile, 'mtimeMs'>;
  readonly followed: boolean;
}

/**
 * The upload written by the host itself into the container's directory (docker/proc-root.ts), and what the
 * container holds (null when verify is off): hotswap-hasher's word when it followed the write (a big
 * binary), else the host's read-back. A write that fails throws HostWriteFailed.
 */
async function writeFromHost(req: InstallRequest, dir: ContainerDir, name: string, follower: Follower | null): Promise<HostUpload | null> {
  try {
    await dir.write(name, req.artifact.path);
  } catch (error) {
    follower?.cancel();
    throw new HostWriteFailed(messageOf(error));
  }
  if (!req.target.verify) return null;
  const word = follower && /^follow ([0-9a-f]{64}) (\d+) (\d+)$/.exec(await follower.finish() ?? '');
  if (word) return { file: { sha256: word[1]!, inode: Number(word[2]), size: Number(word[3]) }, followed: true };
  return { file: await dir.readBack(name), followed: false };
}

const viaOf = (upload: HostUpload | null): UploadVia => (upload?.followed ? 'host write, hotswap-hasher' : 'host write, read back');

const warnEngineTakesOver = (req: InstallRequest, error: unknown) =>
  req.progress.warn(`writing the upload from the host failed (${messageOf(error)}): uploading it through the engine`);

/**
 * The host's upload for INSTALL, and its $9: what the container holds in the `follow` form ('' when verify
 * is off). null when the write or its check failed (a full disk?): the engine's upload then says why.
 */
async function writtenFromHost(req: InstallRequest, dir: ContainerDir, name: string, follower: Follower | null): Promise<Upload | null> {
  try {
    const upload = await writeFromHost(req, dir, name, follower);
    const check = upload ? `follow ${upload.file.sha256} ${upload.file.inode} ${upload.file.size}` : '';
    return { check, via: viaOf(upload) };
  } catch (error) {
    follower?.cancel();
    warnEngineTakesOver(req, error);
    return null;
  } finally {
    await dir.close();
  }
}

/**
 * The upload, and what INSTALL checks it by ($9): written from the host where it can reach the container's
 * directory (writtenFromHost), else hotswap-hasher's word when it received the bytes (a small binary, through
 * its stdin) or followed the archive upload (a big one), else the halves or '' (a whole hash). A write or
 * receive that could not finish (a full disk?) is made again through the archive API, which says why.
 */
async function uploadChecked(req: InstallRequest, running: ContainerState, paths: SwapPaths): Promise<Upload> {
  const { container, artifact } = req;
  const dir = req.target.writeFromHost ? await container.openDir(running, paths.dir) : null;
  const way = dir ? 'follow' : uploadWayFor(artifact.size);
  const follower = await followerFor(req, way);
  const put = () => container.putFile(paths.dir, paths.tempName, artifact.path, 0o755);
  try {
    if (dir) {
      const written = await writtenFromHost(req, dir, paths.tempName, follower);
      if (written) return written;
    } else if (follower && way === 'receive') {
      const word = await follower.send(artifact.path).then(() => follower.finish(), () => null);
      if (word) return { check: word, via: 'hasher stdin' };
    } else {
      const [, halves] = await Promise.all([put(), follower ? '' : halvesOf(req)]);
      return { check: (follower ? await follower.finish() : null) ?? halves, via: 'archive' };
    }
    // The write or the receive could not finish: the archive upload makes it again, or says why.
    follower?.cancel();
    await put();
    return { check: await halvesOf(req), via: 'archive' };
  } catch (error) {
    follower?.cancel();
    throw error;
  }
}

/**
 * A running container: upload beside the target (one archive, streamed from disk), hashed in the container
 * as it is written when hotswap-hasher is there (else its halves are hashed here meanwhile), then INSTALL:
 * verify the upload's hash, back up, rename (a prepared INSTALL, given its arguments as the upload starts,
 * readies the backup and prunes meanwhile). An upload left by a failure is removed.
 */
async function installRunning(req: InstallRequest, running: ContainerState): Promise<Installed> {
  const { container, target, artifact } = req;
  const paths = swapPaths(target.binaryPath, new Date(), target.backupDir);
  // Pruning keeps this swap's own backup until the swap is decided: a rollback needs it.
  const keep = target.keepBackup ? '' : String(Math.max(1, target.keepBackups));
  const argsWith = (expected: string) => [target.binaryPath, paths.backupStem, paths.temp, expected, paths.backupPrefix, keep, paths.backupTemp];
  const hostHash = target.verify ? hostHashAt(artifact.sha256) : undefined;
  const staging = stageInstall(req, running, argsWith('')); // $4 follows the upload (installGo)
  try {
    const [{ check, via }, staged] = await Promise.all([uploadChecked(req, running, paths), staging]);
    const expected = target.verify ? await artifact.sha256 : '';
    const args = argsWith(expected);
    const ran = await runInstall(req, staged, args, check);
    return { ...installOutcome(req, ran.result, expected), via, hostHash: await hostHash, ...(ran.staged ? { ranIn: running } : {}) };
  } catch (error) {
    void req.prepared?.then((exec) => exec?.cancel()); // a staged INSTALL's trap removes what it readied
    await removeLeftovers(container, target);
    throw error;
  }
}

/**
 * A running container whose directories the host opened during the build: the host writes the upload,
 * checks it and installs it itself (host-install.ts), with no exec. A write that fails (a full disk?) is
 * made again the engine's way, which says why if it fails too.
 */
async function installedByHost(req: InstallRequest, running: ContainerState, host: HostInstall): Promise<Installed> {
  const { container, target, artifact } = req;
  const paths = swapPaths(target.binaryPath, new Date(), target.backupDir);
  const keep = target.keepBackup ? null : Math.max(1, target.keepBackups);
  const hostHash = target.verify ? hostHashAt(artifact.sha256) : undefined;
  const upload = followerFor(req, 'follow').then((follower) => writeFromHost(req, host.bin, paths.tempName, follower));
  upload.catch(() => undefined);
  try {
    const checked = upload.then((u) => u?.file ?? null);
    const backup = await installFromHost(host, { container, target, paths, keep }, checked, target.verify ? artifact.sha256 : Promise.resolve(''));
    const written = await upload;
    return {
      backup: backup === null ? null : backupOf(backup, 0, new Date())[0] ?? null,
      installed: target.verify ? await artifact.sha256 : null, viaArchive: false, followed: !!written?.followed, byHost: true,
      via: viaOf(written), hostHash: await hostHash,
    };
  } catch (error) {
    if (!(error instanceof HostWriteFailed)) throw error;
    warnEngineTakesOver(req, error);
    return installRunning({ ...req, host: undefined, target: { ...target, writeFromHost: false } }, running);
  } finally {
    await host.close(); // before the restart, which remounts the container's file system
  }
}

/**
 * A stopped, exited or crash-looping container, where exec cannot run: stopped for good (its restart policy
 * cannot race the writes), backed up and written through the archive API. Pruning waits for a running one.
 */
async function installStopped(req: InstallRequest): Promise<Installed> {
  const { container, target, artifact } = req;
  const paths = swapPaths(target.binaryPath, new Date(), target.backupDir);
  await container.stop(0);
  const live = await container.readFile(target.binaryPath);
  const backup = live ? await backUpViaArchive(container, target, live) : null;
  await container.putFile(paths.dir, paths.tempName, artifact.path, 0o755, paths.base);
  const installed = target.verify ? (await container.readFile(target.binaryPath))?.sha256 ?? null : null;
  return { backup, installed, viaArchive: true };
}

const PENDING = Symbol('pending');
/** Where the artifact's hash is taken, told as the copy starts: a hash already taken wins the race. */
const hostHashAt = async (sha256: Promise<string>): Promise<Installed['hostHash']> =>
  ((await Promise.race([sha256, PENDING]).catch(() => null)) === PENDING ? 'beside the upload' : 'before the upload');

/** The request without what was prepared in another process of the container than `running`'s (a restart since ended it). */
const preparedFor = (req: InstallRequest, running: ContainerState): InstallRequest =>
  (req.preparedIn === undefined || req.preparedIn === running.startedAt ? req : { ...req, prepared: undefined, follower: undefined, host: undefined });

/** By exec while the container runs steadily, else (or when it stops under the exec) through the archive API. */
export async function install(req: InstallRequest): Promise<Installed> {
  const { container, progress } = req;
  let state = await container.inspect();
  if (runsSteadily(state)) {
    const before = state!;
    try {
      const now = preparedFor(req, before);
      if (!now.host) void req.host?.then((h) => h?.close()); // opened in a process that has ended since
      const host = await now.host;
      return host?.startedAt === before.startedAt ? await installedByHost(now, before, host) : await installRunning(now, before);
    } catch (error) {
      const after = await stateAfterFailure(container, before);
      if (!after.died) throw error;
      state = after.state;
    }
  }
  void req.prepared?.then((exec) => exec?.cancel());
  void req.follower?.then((f) => f?.cancel());
  void req.host?.then((h) => h?.close());
  progress.warn(`${container.name} is ${state?.status ?? 'missing'}${state?.restarting ? ' (restart loop)' : ''}: installing through the archive API`);
  return installStopped(req);
}
