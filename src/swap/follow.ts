/**
 * The upload's sha256 taken in the container while the engine writes it, by hotswap-hasher (src/swap/hasher/):
 * INSTALL then needs no second read of the file, which for a 45 MB binary is most of what the copy phase adds
 * to the upload. The tool lives beside the binary (`.hotswap-hasher-<version>`); a container without it gets
 * it during a build, for its next swaps. Whatever goes wrong here, INSTALL hashes the upload itself.
 */
import type { ContainerClient, ContainerState, PreparedExec } from '../docker/client.js';
import { lookFromHost } from '../docker/proc-root.js';
import { hasherSource } from '../toolchain/hasher-build.js';
import { REMOVE_OTHER_HASHERS, swapPaths } from './scripts.js';

/**
 * How the bytes reach the container: `receive`, through the tool's own stdin (no archive upload, whose ~50 ms
 * fixed cost is most of a small binary's copy: 5.7 MB in ~33 ms against ~76), or `follow`, the engine's
 * archive upload with the tool reading beside it (faster from ~20 MB: an exec's stdin moves ~300 MB/s here,
 * the archive upload ~900 MB/s after its fixed cost).
 */
export type UploadWay = 'receive' | 'follow';
export const RECEIVE_MAX_BYTES = 16 * 2 ** 20;
export const uploadWayFor = (size: number): UploadWay => (size <= RECEIVE_MAX_BYTES ? 'receive' : 'follow');

export interface Follower {
  /**
   * Under the container lock, just before the upload: the tool, told the size and the way, has removed any
   * leftover at the temp path and waits for the bytes. false when it is not there to do so.
   */
  begin(size: number, way: UploadWay): Promise<boolean>;
  /** `receive`: the upload itself, the host file streamed into the tool's stdin. */
  send(path: string): Promise<void>;
  /** After the upload: INSTALL's `follow <sha256> <inode> <size>` ($9), or null when the tool could not tell. */
  finish(): Promise<string | null>;
  /** Ends it unused (a failed build, or the upload failed). */
  cancel(): void;
}

/** The tool's word: `<sha256> <inode> <size>`, the line it prints after `ready`. */
const WORD = /^[0-9a-f]{64} \d+ \d+$/;
/** The tool has succeeded once its word is printed whole: that is its last act, its exit code need not be asked for. */
export const wordPrinted = (stdout: string): boolean => {
  const [ready, word, after] = stdout.split('\n');
  return ready === 'ready' && WORD.test(word ?? '') && after !== undefined;
};

/** The tool's name in the container's binary directory. */
export const hasherName = (version: string) => `.hotswap-hasher-${version}`;

/**
 * Uploads the tool beside the binary when the exec found none there: it ended by itself before it was asked
 * anything or cancelled; other versions of it there (an older hotswap's) are removed then. A tool cut short
 * by an exit mid-upload fails the same way next time, and is replaced.
 */
function uploadWhenMissing(container: ContainerClient, exec: PreparedExec | null, dir: string, name: string, local: string, used: () => boolean) {
  const missing = exec?.firstLineSeen ? exec.firstLineSeen().then(() => !used()) : Promise.resolve(true);
  const put = async () => {
    await container.putFile(dir, name, local, 0o755);
    await container.exec(['sh', '-c', REMOVE_OTHER_HASHERS, 'sh', dir, name]); // an older hotswap's
  };
  const upload = missing.then((yes) => (yes ? put() : undefined)).catch(() => undefined);
  uploads.add(upload);
  void upload.then(() => uploads.delete(upload));
}

const uploads = new Set<Promise<void>>();
/** Resolves once the tool uploads under way have ended: a one-shot command waits for them before it exits. */
export const hasherUploads = async (): Promise<void> => void (await Promise.all([...uploads]));

/** What each prepareFollow promise settled to, once it has. */
const settled = new WeakMap<Promise<Follower | null>, Follower | null>();

/**
 * The follower if it is ready now, else null: a swap never waits for the tool (its first build, or the exec's
 * start); it checks the upload after it lands instead.
 */
export const followerIfReady = (follower: Promise<Follower | null> | undefined): Follower | null =>
  (follower && settled.get(follower)) ?? null;

/**
 * Starts the tool in the container now (during the build), waiting for the size; `local` is the tool built
 * for the container's platform (hasherFor), or null when there is none. Never rejects.
 */
export function prepareFollow(container: ContainerClient, binaryPath: string, local: Promise<string | null>, hostWrites: ContainerState | null): Promise<Follower | null> {
  const follower = hostReadsBack(container, hostWrites, binaryPath)
    .then((readsBack) => (readsBack ? null : startFollower(container, binaryPath, local)))
    .catch(() => null);
  void follower.then((f) => settled.set(follower, f));
  return follower;
}

/**
 * Will the host write the upload itself and read it back (install.ts, docker/proc-root.ts), so that no tool
 * need start? For a binary up to RECEIVE_MAX_BYTES, judged by the one it replaces: a bigger one is hashed by
 * the tool as the host writes it, on another core than the host's own hash of the build. `running`: the
 * container as it runs now, when the target lets the host write.
 */
async function hostReadsBack(container: ContainerClient, running: ContainerState | null, binaryPath: string): Promise<boolean> {
  const live = running && (await lookFromHost(container, running, binaryPath))?.entry;
  return live?.kind === 'file' && live.size <= RECEIVE_MAX_BYTES;
}

async function startFollower(container: ContainerClient, binaryPath: string, local: Promise<string | null>): Promise<Follower | null> {
  const [tool, src] = [await local, hasherSource()];
  if (!tool || !src) return null;
  const { dir, temp } = swapPaths(binaryPath, new Date());
  const name = hasherName(src.version);
  const exec = await container.prepareExec([`${dir === '/' ? '' : dir}/${name}`, 'follow', temp]).catch(() => null);
  let used = false;
  uploadWhenMissing(container, exec, dir, name, tool, () => used);
  if (!exec?.write || !exec.firstLineSeen) return null;
  return {
    begin: async (size, way) => {
      used = true;
      exec.write!(`${way} ${size}\n`);
      return (await exec.firstLineSeen!()) === 'ready';
    },
    send: async (path) => {
      if (!exec.sendFile) throw new Error('this engine client cannot stream into an exec');
      await exec.sendFile(path);
    },
    finish: async () => {
      const r = await exec.run('', wordPrinted).catch(() => null);
      const line = r?.exitCode === 0 ? r.stdout.split('\n')[1] ?? '' : '';
      return WORD.test(line) ? `follow ${line}` : null;
    },
    cancel: () => {
      used = true;
      exec.cancel();
    },
  };
}
