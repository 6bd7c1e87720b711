/**
 * A running container's directory reached from the host through `/proc/<pid>/root`, when the engine runs on
 * this machine and hotswap may look into its processes (root, in the engine's user namespace): a file written
 * there lands in the container without the archive upload (a 46 MB binary in ~25 ms, against ~130 for
 * `docker cp`). Anything that does not hold (another machine's engine, a pid of another namespace, no access,
 * a symlink on the way) answers null, and the caller takes the engine's way.
 */
import { closeSync, constants, fchmodSync, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { copyFile, open, readFile, readlink, rm, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { sha256Of } from '../builders/hash.js';
import type { ContainerClient, ContainerState } from './client.js';

/** What the container now holds under a name: read back through the container's own file system. */
export interface WrittenFile {
  readonly sha256: string;
  readonly inode: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface Entry {
  readonly kind: 'file' | 'directory' | 'other';
  readonly size: number;
  readonly inode: number;
  readonly mtimeMs: number;
}

/** A directory of the container; every `name` is a plain file name in it (never a path). */
export interface ContainerDir {
  /** Writes host file `from` as `name` (a leftover of that name is removed first). */
  write(name: string, from: string): Promise<void>;
  /** What `name` holds, read back whole. */
  readBack(name: string): Promise<WrittenFile>;
  /** What `name` is (not following a symlink), or null when there is nothing of that name. */
  entry(name: string): Promise<Entry | null>;
  /** The names here that start with `prefix`. */
  names(prefix: string): Promise<string[]>;
  /** `name` hard-linked as `as` in `to`; false when `to` is on another file system (no link can join them). */
  link(name: string, to: ContainerDir, as: string): Promise<boolean>;
  /** `name` copied as `as` in `to` (mode and times kept), a new file. */
  copy(name: string, to: ContainerDir, as: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  chmod(name: string, mode: number): Promise<void>;
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Where the host's own calls reach a ContainerDir's entries (docker/proc-root.ts's alone). */
const PATH_OF = Symbol('path of');
type Reachable = ContainerDir & { [PATH_OF](name: string): string };
const pathIn = (dir: ContainerDir, name: string) => (dir as Reachable)[PATH_OF](name);

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** A file opened to read or chmod: never through a symlink, and a FIFO planted at the name never blocks the open. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Is the process whose /proc entry is `entry` this container's, in hotswap's own user namespace (so a file
 * it writes is owned by the container's root)? The cgroup path names the container's id under Docker and
 * Podman alike.
 */
async function ownProcess(entry: string, id: string): Promise<boolean> {
  const [cgroup, theirs, ours] = await Promise.all([
    readFile(`${entry}/cgroup`, 'utf8'), readlink(`${entry}/ns/user`), readlink('/proc/self/ns/user'),
  ]);
  return cgroup.includes(id) && theirs === ours;
}

/**
 * `dir` opened one component at a time, each relative to the last one's descriptor and never through a
 * symlink: an absolute link in the container would otherwise resolve against the host's root.
 */
async function openBeneath(root: string, dir: string): Promise<FileHandle> {
  let handle = await open(root, constants.O_RDONLY | constants.O_DIRECTORY); // a magic link, followed on purpose
  try {
    for (const part of dir.split('/').filter(Boolean)) {
      if (part === '..' || part === '.') throw new Error(`not a plain path: ${dir}`);
      const next = await open(`/proc/self/fd/${handle.fd}/${part}`, DIR_FLAGS);
      await handle.close();
      handle = next;
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The file's hash, inode, size and mtime, read whole through `file` (then closed). */
async function readBack(file: FileHandle): Promise<WrittenFile> {
  const { ino, size, mtimeMs } = await file.stat().catch(async (e: unknown) => {
    await file.close();
    throw e;
  });
  return { sha256: await sha256Of(file), inode: ino, size, mtimeMs };
}

/** The file at `from` (not a symlink, nor anything but a file) copied as the new file `to`, mode and times kept. */
async function copyKeeping(from: string, to: string): Promise<void> {
  const source = await open(from, READ_FLAGS);
  try {
    const st = await source.stat();
    if (!st.isFile()) throw new Error(`${from} is not a file`);
    await copyFile(`/proc/self/fd/${source.fd}`, to, constants.COPYFILE_EXCL);
    const copied = await open(to, READ_FLAGS);
    await Promise.all([copied.chmod(st.mode & 0o7777), copied.utimes(st.atime, st.mtime)]).finally(() => copied.close());
  } finally {
    await source.close();
  }
}

/**
 * The directory `handle` holds, every name a plain file name in it. Creating calls never follow a symlink at
 * the new name: rm unlinks a link itself, link and rename replace it, copyFile refuses it (O_EXCL). A read or
 * chmod opens with O_NOFOLLOW. The small calls are synchronous: each is microseconds, where a hop through
 * libuv's thread pool can wait milliseconds for a core beside a build, and they stand between the build and
 * the restart.
 */
function reachedDir(handle: FileHandle): ContainerDir {
  let closed = false;
  // Never through a closed descriptor: its number may since name one of the host's own directories.
  const at = (name: string) => {
    if (closed) throw new Error('the container directory is closed');
    if (name.includes('/')) throw new Error(`not a file name: ${name}`);
    return `/proc/self/fd/${handle.fd}/${name}`;
  };
  const reached: Reachable = {
    [PATH_OF]: at,
    async write(name, from) {
      rmSync(at(name), { force: true });
      await copyFile(from, at(name), constants.COPYFILE_EXCL);
    },
    readBack: async (name) => readBack(await open(at(name), READ_FLAGS)),
    async entry(name) {
      const s = lstatSync(at(name), { throwIfNoEntry: false });
      return s ? { kind: s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other', size: s.size, inode: s.ino, mtimeMs: s.mtimeMs } : null;
    },
    names: async (prefix) => readdirSync(`/proc/self/fd/${handle.fd}`).filter((n) => n.startsWith(prefix)),
    async link(name, to, as) {
      const target = pathIn(to, as);
      rmSync(target, { force: true });
      try {
        linkSync(at(name), target);
        return true;
      } catch {
        return false; // another file system (EXDEV), or no link allowed there: a copy, as the script's `ln || cp`
      }
    },
    async copy(name, to, as) {
      const target = pathIn(to, as);
      rmSync(target, { force: true });
      await copyKeeping(at(name), target);
    },
    rename: async (from, to) => renameSync(at(from), at(to)),
    async chmod(name, mode) {
      const fd = openSync(at(name), READ_FLAGS);
      try {
        fchmodSync(fd, mode);
      } finally {
        closeSync(fd);
      }
    },
    // Asynchronous: removing a backup of a binary's size takes milliseconds, which the restart need not wait for.
    remove: (name) => rm(at(name), { force: true }),
    close: () => {
      closed = true;
      return handle.close();
    },
  };
  return reached;
}

/** `dir` in container `id` whose process is `pid`, or null when the host cannot write there itself. */
export async function containerDir(pid: number, id: string, dir: string): Promise<ContainerDir | null> {
  if (process.platform !== 'linux' || !(pid > 0) || !/^[0-9a-f]{64}$/.test(id) || !posix.isAbsolute(dir)) return null;
  // The process's /proc entry, held open: checked and entered through it, a pid that another process took
  // since (the container stopped) answers nothing, never that process's files.
  const proc = await open(`/proc/${pid}`, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => null);
  try {
    const entry = `/proc/self/fd/${proc?.fd}`;
    if (!proc || !(await ownProcess(entry, id))) return null;
    return reachedDir(await openBeneath(`${entry}/root`, dir));
  } catch {
    return null;
  } finally {
    await proc?.close();
  }
}

/**
 * What the host sees at `path` in the container as it runs (`running`), not following a symlink: null when
 * the host cannot look there itself (ContainerClient.openDir), `{ entry: null }` when nothing is at the path.
 */
export async function lookFromHost(container: ContainerClient, running: ContainerState, path: string): Promise<{ readonly entry: Entry | null } | null> {
  const dir = await container.openDir(running, posix.dirname(path));
  if (!dir) return null;
  try {
    return { entry: await dir.entry(posix.basename(path)) };
  } finally {
    await dir.close();
  }
}
