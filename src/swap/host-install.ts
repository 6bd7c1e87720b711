/**
 * INSTALL (scripts.ts) made by the host itself, in a container whose directories it reaches
 * (docker/proc-root.ts): no exec is started, beside the build or after it, and the copy phase is the write,
 * its read-back and a few renames. The same steps and guarantees as the script:
 * - the upload is checked BEFORE the rename (its sha256, and that the file is still that inode at that size);
 * - the live binary is backed up first unless a backup already holds its bytes; a backup that cannot be made
 *   whole stops the swap before the binary is touched;
 * - the rename is atomic: the path holds the whole old or the whole new file;
 * - on any failure the upload and the partial backup are removed.
 */
import { posix } from 'node:path';
import { messageOf, operationError } from '../errors.js';
import type { TargetConfig } from '../config/types.js';
import type { ContainerClient, ContainerState } from '../docker/client.js';
import type { ContainerDir, Entry, WrittenFile } from '../docker/proc-root.js';
import { backupFailed, backupOf } from './backups.js';
import type { swapPaths } from './scripts.js';

/** The directories opened from the host during the build, and the live binary's hash taken there. */
export interface HostInstall {
  /** The container's StartedAt when they were opened: a restart since made another process, not other files. */
  readonly startedAt: string;
  readonly bin: ContainerDir;
  readonly backups: ContainerDir;
  /** The live binary as hashed during the build: its backup's name, while it is still that file. */
  readonly live: Promise<WrittenFile | null>;
  /** Closes the directories (the install is done, or will not happen); never rejects. */
  close(): Promise<void>;
}

const sameFile = (a: Pick<Entry, 'inode' | 'size' | 'mtimeMs'>, b: WrittenFile) => a.inode === b.inode && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * Opens the binary's and the backups' directories from the host, and hashes the live binary there, now
 * (during the build); null when the host cannot reach both, or the path holds something else than a file
 * or nothing (a symlink: the script follows it), so the engine's way installs, by exec.
 */
export async function prepareHostInstall(container: ContainerClient, running: ContainerState, target: Pick<TargetConfig, 'binaryPath' | 'backupDir'>): Promise<HostInstall | null> {
  const [bin, backups] = await Promise.all([
    container.openDir(running, posix.dirname(target.binaryPath)).catch(() => null),
    container.openDir(running, target.backupDir).catch(() => null),
  ]);
  if (!bin || !backups) {
    await Promise.all([bin?.close(), backups?.close()]);
    return null;
  }
  const base = posix.basename(target.binaryPath);
  const entry = await bin.entry(base);
  if (entry && entry.kind !== 'file') {
    await Promise.all([bin.close(), backups.close()]);
    return null;
  }
  const live = entry ? bin.readBack(base).catch(() => null) : Promise.resolve(null);
  let closed: Promise<void> | null = null;
  return {
    startedAt: running.startedAt, bin, backups, live,
    close() {
      closed ??= live.then(() => Promise.all([bin.close(), backups.close()])).then(() => undefined, () => undefined);
      return closed;
    },
  };
}

type SwapPaths = ReturnType<typeof swapPaths>;

export interface HostInstallRequest {
  readonly container: ContainerClient;
  readonly target: TargetConfig;
  readonly paths: SwapPaths;
  /** How many backups to keep besides the original and this swap's (null keeps all). */
  readonly keep: number | null;
}

/** What the backup step readied: the name it finishes under, and how (a rename of a kept one, or of the partial). */
interface Staged {
  readonly name: string;
  readonly from: string;
}

/**
 * The live binary readied as a backup (the script's STAGE): a backup already holding its bytes is renamed to
 * this swap's time at the end (keeping `.original`), so the newest backup, which `rollback` restores, is
 * always what was live before the last swap; else the binary is hard-linked (a copy, checked, across file
 * systems) as the partial backup, to become `<stem>_<sha256>` (`.original` for the first). Meanwhile the
 * oldest backups beyond `keep` are removed (a 46 MB file takes ~14 ms), beside the upload, as the script does.
 * null when the path held no file.
 */
async function stageBackup(host: HostInstall, req: HostInstallRequest): Promise<Staged | null> {
  const { paths, target, container } = req;
  const [live, files] = await Promise.all([host.bin.entry(paths.base), filesUnder(host.backups, posix.basename(paths.backupPrefix))]);
  if (!live) {
    await prune(host.backups, req, files, null);
    return null;
  }
  if (live.kind !== 'file') throw operationError(`${target.binaryPath} in ${container.name} is no longer a file`, { phase: 'copy', hint: 'check target.binaryPath, then swap again' });
  const hashed = await host.live;
  const sha256 = hashed && sameFile(live, hashed) ? hashed.sha256 : (await host.bin.readBack(paths.base)).sha256;
  const stem = posix.basename(paths.backupStem);
  const partial = posix.basename(paths.backupTemp);
  // The whole backups: files whose name records a sha256 (Backup.path is the file's name here).
  const whole = files.flatMap((f) => backupOf(f.name, f.size, new Date(f.mtimeMs)));
  const kept = whole.find((b) => b.sha256 === sha256);
  const pruned = prune(host.backups, req, files, kept?.path ?? null);
  try {
    if (kept) return { name: `${stem}_${sha256}${kept.original ? '.original' : ''}`, from: kept.path };
    try {
      if (!(await host.bin.link(paths.base, host.backups, partial))) {
        await host.bin.copy(paths.base, host.backups, partial);
        if ((await host.backups.readBack(partial)).sha256 !== sha256) throw new Error('the copy did not match');
      }
    } catch (error) {
      await host.backups.remove(partial).catch(() => undefined);
      throw backupFailed(container.name, target, live.size, messageOf(error));
    }
    return { name: `${stem}_${sha256}${whole.length ? '' : '.original'}`, from: partial };
  } finally {
    await pruned; // never left removing after the install has ended (or its directories closed)
  }
}

/** The files under `prefix`, oldest first (backup names sort by time). */
async function filesUnder(dir: ContainerDir, prefix: string): Promise<(Entry & { name: string })[]> {
  const names = (await dir.names(prefix)).sort();
  const entries = await Promise.all(names.map(async (name) => ({ name, entry: await dir.entry(name) })));
  return entries.flatMap(({ name, entry }) => (entry?.kind === 'file' ? [{ ...entry, name }] : []));
}

/**
 * The script's PRUNE: the files under the backups' prefix but the original and `keeping` (the backup that
 * becomes this swap's), oldest first, removed until fewer than `keep` remain (this swap's own makes `keep`;
 * a rollback needs it until the swap is decided). Names without a sha256 (an older scheme) count and go first.
 * A removal that fails leaves a backup too many, as the script's does; the next swap prunes again.
 */
async function prune(dir: ContainerDir, req: HostInstallRequest, files: readonly { name: string }[], keeping: string | null): Promise<void> {
  if (req.keep === null) return;
  const others = files.map((f) => f.name).filter((name) => name !== keeping && !name.endsWith('.original'));
  await Promise.all(others.slice(0, Math.max(0, others.length - (req.keep - 1))).map((name) => dir.remove(name))).catch(() => undefined);
}

/**
 * The upload `check`ed (its read-back or hotswap-hasher's word: sha256, inode, size) against `expected`
 * ('' when verify is off), the backup staged meanwhile, then both renamed into place. Returns the backup's
 * path in the container (null when the path held nothing). Throws with nothing left behind. Nothing of it
 * is still under way when it returns: the directories close before the restart, which remounts the container's file system.
 */
export async function installFromHost(host: HostInstall, req: HostInstallRequest, check: Promise<Omit<WrittenFile, 'mtimeMs'> | null>, expected: Promise<string>): Promise<string | null> {
  const { paths, container } = req;
  const partial = posix.basename(paths.backupTemp);
  try {
    // Every step settled before anything is judged: a failed one must not leave another writing after the clean-up.
    const settled = await Promise.allSettled([stageBackup(host, req), check, expected]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [staged, upload, sha256] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [Staged | null, Awaited<typeof check>, string];
    if (sha256) {
      const now = await host.bin.entry(paths.tempName);
      const whole = upload && now && upload.sha256 === sha256 && upload.inode === now.inode && upload.size === now.size;
      if (!whole) {
        throw operationError(`sha256 mismatch in ${container.name}: expected ${sha256.slice(0, 12)}…, found ${upload?.sha256.slice(0, 12) || 'none'}…`, {
          phase: 'verify', hint: 'the copy was altered or truncated (disk full in the container?); the binary was not replaced',
        });
      }
    }
    if (staged && staged.from !== staged.name) await host.backups.rename(staged.from, staged.name);
    await host.bin.chmod(paths.tempName, 0o755);
    await host.bin.rename(paths.tempName, paths.base);
    return staged ? posix.join(paths.backupDir, staged.name) : null;
  } catch (error) {
    await Promise.all([host.bin.remove(paths.tempName), host.backups.remove(partial)]).catch(() => undefined);
    throw error;
  }
}
