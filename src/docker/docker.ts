/**
 * The Engine over dockerode, on the engine `engine-config.ts` chose (`connect.ts` holds the client).
 * Errors name the action that failed ("copying the binary into ollama-gpu: …").
 */
import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, pipeline, type Duplex } from 'node:stream';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { environmentError, messageOf, operationError } from '../errors.js';
import type { ArchivedEntry, ArchivedFile, ContainerClient, ContainerCreation, ContainerState, CreateSpec, Engine, ExecResult, LogOptions, Platform, PreparedExec } from './client.js';
import { createBody, createSettingsOf } from './create-options.js';
import { isPodman, withoutAttachError } from './podman.js';

import { engineDialer, engineDocker } from './connect.js';
import { engineEndpoint } from './engine-config.js';
import { containerDir, type ContainerDir } from './proc-root.js';

/** No answer, or (over ssh) no way in: the host refused the key, or its host key is unknown. */
const isUnreachable = (e: unknown) =>
  /ECONNREFUSED|ENOENT|EACCES|ETIMEDOUT|EHOSTUNREACH|socket hang up|authentication methods failed|Host denied|Timed out while waiting for handshake/.test(messageOf(e));

const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode;

/** Podman's compatible API names itself in /version's components or platform; anything else is Docker. */
const productOf = (v: Docker.DockerVersion & { Platform?: { Name?: string } }) =>
  [v.Platform?.Name ?? '', ...(v.Components ?? []).map((c) => c.Name)].some((name) => /podman/i.test(name)) ? 'Podman' : 'Docker';

/** Resolves with null on a 404 (the thing does not exist), rethrows anything else. */
export async function orNull<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}

/** The stream can end a moment before the engine records the exit code; wait for it briefly. */
export async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let tries = 0; ; tries++) {
    const info = await exec.inspect();
    if (!info.Running || tries >= 50) return info.ExitCode ?? -1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Wraps a failed Docker call: unreachable engine → exit 3, anything else → exit 1 naming the action. */
function dockerFailure(action: string, e: unknown) {
  if (isUnreachable(e)) {
    const { host, via } = engineEndpoint();
    return environmentError(`Docker is not reachable at ${host} (chosen by ${via}; ${action}: ${messageOf(e)})`, {
      hint: 'start that engine, or choose another with --host, DOCKER_HOST or DOCKER_CONTEXT', cause: e, phase: 'docker',
    });
  }
  return operationError(`${action}: ${messageOf(e).replace(/^\(HTTP code \d+\)\s*/, '')}`, { cause: e, phase: 'docker' });
}

export async function attempt<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw dockerFailure(action, e);
  }
}

type Output = { stdout: string; stderr: string };

/** Multiplexed stdout/stderr (non-TTY containers) split into two strings; `sofar` is what came until now. */
function demux(docker: Docker, stream: NodeJS.ReadableStream, onStdout?: (c: Buffer) => void): Promise<Output> & { sofar: () => Output } {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  out.on('data', (c: Buffer) => {
    chunks.stdout.push(c);
    onStdout?.(c);
  });
  err.on('data', (c: Buffer) => chunks.stderr.push(c));
  docker.modem.demuxStream(stream, out, err);
  const sofar = () => ({
    stdout: Buffer.concat(chunks.stdout).toString('utf8'),
    stderr: withoutAttachError(Buffer.concat(chunks.stderr).toString('utf8')),
  });
  const ended = new Promise<Output>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('end', () => resolve(sofar()));
  });
  return Object.assign(ended, { sofar });
}

/** A logs() buffer without follow is multiplexed unless the container has a TTY. */
function demuxBuffer(buffer: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length && buffer[offset]! <= 2 && buffer.readUIntBE(offset + 1, 3) === 0) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return offset === 0 ? buffer.toString('utf8') : parts.join('');
}

/**
 * The regular files of a tar stream that `want` accepts (by entry name), hashed as they stream; the content
 * is kept only when `keep`. Other entries are drained: the engine holds the container's lock until the
 * archive it sends is consumed.
 */
function readEntries(source: NodeJS.ReadableStream, want: (name: string) => boolean, keep: boolean): Promise<TarFile[]> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const found: TarFile[] = [];
    extract.on('entry', (header, stream, next) => {
      if (header.type !== 'file' || !want(header.name)) {
        stream.on('end', next).resume();
        return;
      }
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      stream.on('data', (c) => {
        hash.update(c as Buffer);
        if (keep) chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        found.push({ header, sha256: hash.digest('hex'), content: Buffer.concat(chunks) });
        next();
      });
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    source.on('error', reject);
    source.pipe(extract);
  });
}

interface TarFile {
  readonly header: tar.Header;
  readonly sha256: string;
  readonly content: Buffer;
}

const entryOf = (dir: string, file: TarFile): ArchivedEntry => ({
  path: posix.join(dir, posix.basename(file.header.name)), size: file.header.size ?? file.content.length,
  modified: file.header.mtime ?? new Date(0), sha256: file.sha256,
});

/**
 * One file as a tar entry: bytes at once, or a host file streamed in 1 MiB reads (never held whole in memory;
 * it uploads as fast as one buffer). Resolves once the entry is written.
 */
async function packFile(pack: tar.Pack, header: { name: string; mode: number; mtime: Date; size: number }, content: Buffer | string): Promise<void> {
  if (typeof content !== 'string') {
    pack.entry(header, content);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const file = createReadStream(content, { highWaterMark: 2 ** 20 });
    const entry = pack.entry(header, (e) => (e ? reject(e) : resolve()));
    const fail = (e: Error) => {
      file.destroy();
      reject(e);
    };
    file.on('error', fail).pipe(entry).on('error', fail);
  });
}

/** How long a send into an exec's stdin may go without the engine taking a byte (it moves ~300 MB/s when it reads). */
const STALL_MS = 5000;

/**
 * Streams a host file into an exec's stdin, which stays open (run() closes it); resolves once all of it was
 * handed to the engine.
 */
function sendFile(stream: Duplex, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // An exec that already ended (its container removed) never closes again: without this, nothing settles.
    if (stream.destroyed) return reject(new Error('the exec ended before it had the file'));
    // Streamed in 1 MiB reads with the socket's backpressure.
    const file = createReadStream(path, { highWaterMark: 2 ** 20 });
    const ended = (why = 'the exec ended before it had the whole file') => {
      clearTimeout(stall);
      file.destroy();
      reject(new Error(why));
    };
    // A container removed mid-send can leave the engine holding the connection without reading it:
    // no byte taken for STALL_MS ends the send (the swap then fails over as for any lost exec).
    const stall = setTimeout(() => (stream.destroy(), ended('the exec stopped taking its input')), STALL_MS);
    const closed = () => ended();
    file.on('data', () => stall.refresh());
    stream.once('close', closed);
    file.on('error', reject).on('end', () => {
      clearTimeout(stall);
      stream.off('close', closed);
      resolve();
    });
    file.pipe(stream, { end: false });
  });
}

class DockerContainer implements ContainerClient {
  readonly dial = engineDialer() ?? undefined;

  constructor(private readonly docker: Docker, readonly name: string, private readonly onPodman: () => Promise<boolean>) {}

  private get handle() {
    return this.docker.getContainer(this.name);
  }

  async inspect(): Promise<ContainerState | null> {
    const info = await attempt(`inspecting container ${this.name}`, () => orNull(() => this.handle.inspect()));
    return info && {
      id: info.Id, name: info.Name.replace(/^\//, ''), status: info.State.Status,
      running: info.State.Running, restarting: info.State.Restarting, startedAt: info.State.StartedAt,
      exitCode: info.State.ExitCode, imageId: info.Image, pid: info.State.Pid ?? 0,
    };
  }

  exec(argv: readonly string[]): Promise<ExecResult> {
    return attempt(`running ${argv[0]} in ${this.name}`, async () => {
      const exec = await this.handle.exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const output = await demux(this.docker, stream);
      return { exitCode: await exitCodeOf(exec), ...output };
    });
  }

  prepareExec(argv: readonly string[]): Promise<PreparedExec> {
    return attempt(`starting ${argv[0]} in ${this.name}`, async () => {
      const exec = await this.handle.exec({ Cmd: [...argv], AttachStdin: true, AttachStdout: true, AttachStderr: true });
      const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
      let head = '';
      let seen: (line: string | null) => void = () => undefined;
      const lineSeen = new Promise<string | null>((resolve) => (seen = resolve));
      const firstLine = () => (head.includes('\n') ? head.slice(0, head.indexOf('\n')) : null);
      let printed = () => undefined as void; // run()'s `done` test, asked at each piece of stdout
      const output = demux(this.docker, stream, (c) => {
        printed();
        if (head.includes('\n')) return;
        head += c.toString('utf8');
        if (head.includes('\n')) seen(firstLine());
      });
      output.then(() => seen(firstLine()), () => seen(null)); // read by run(); a cancelled exec's end is nobody's concern
      return {
        firstLine,
        firstLineSeen: () => lineSeen,
        write: (text) => {
          if (!stream.writableEnded) stream.write(text);
        },
        sendFile: (path) => sendFile(stream, path),
        run: (input, done) => attempt(`running ${argv[0]} in ${this.name}`, async () => {
          const succeeded = done && new Promise<Output>((resolve) => {
            printed = () => void (done(output.sofar().stdout) && resolve(output.sofar()));
            printed(); // it may have printed it already
          });
          stream.end(input); // half-close: the process sees EOF after the input
          const early = succeeded && await Promise.race([succeeded, output.then(() => null)]);
          if (early) return { exitCode: 0, ...early };
          const collected = await output;
          return { exitCode: await exitCodeOf(exec), ...collected };
        }),
        cancel: () => {
          if (!stream.writableEnded) stream.end();
        },
      };
    });
  }

  async putFile(dir: string, name: string, content: Buffer | string, mode: number, linkAs?: string): Promise<void> {
    // Sized before the upload: a missing local file is no failure of Docker's.
    const size = typeof content === 'string' ? (await stat(content)).size : content.length;
    return attempt(`copying ${name} into ${this.name}:${dir}`, async () => {
      if (await this.onPodman()) await this.requireDirectory(dir);
      const pack = tar.pack();
      pack.on('error', () => undefined); // a cut-off upload: the request's own error reports it
      const packed = packFile(pack, { name, mode, mtime: new Date(), size }, content).then(() => {
        if (linkAs) pack.entry({ name: linkAs, type: 'link', linkname: name, mode, mtime: new Date() });
        pack.finalize();
      });
      packed.catch((e: unknown) => pack.destroy(e as Error));
      // gzip when the engine is remote (its archive PUT accepts it): the link is slower than the CPU.
      const body = engineEndpoint().remote ? pipeline(pack, createGzip({ level: 1 }), () => undefined) : pack;
      await Promise.all([this.handle.putArchive(body as unknown as NodeJS.ReadableStream, { path: dir }), packed]);
    });
  }

  openDir(state: ContainerState, dir: string): Promise<ContainerDir | null> {
    return engineEndpoint().remote ? Promise.resolve(null) : containerDir(state.pid, state.id, dir);
  }

  /** Podman's archive PUT creates a missing directory where Docker's answers 404: asked first on Podman. */
  private async requireDirectory(dir: string): Promise<void> {
    const found = await orNull(async () => (await this.handle.infoArchive({ path: dir }), true));
    if (!found) throw new Error(`no such directory: ${dir}`);
  }

  readFile(path: string): Promise<ArchivedFile | null> {
    return attempt(`reading ${path} in ${this.name}`, async () => {
      const archive = await orNull(() => this.handle.getArchive({ path }));
      if (!archive) return null;
      const [file] = await readEntries(archive, () => true, true);
      return file ? { ...entryOf(posix.dirname(path), file), content: file.content, mode: file.header.mode ?? 0o755 } : null;
    });
  }

  listFiles(dir: string, prefix: string): Promise<ArchivedEntry[]> {
    return attempt(`listing ${dir} in ${this.name}`, async () => {
      const archive = await orNull(() => this.handle.getArchive({ path: dir }));
      if (!archive) return [];
      // Entries are named "<basename of dir>/<file>": only the files directly in it count.
      const direct = (name: string) => name.split('/').filter(Boolean).length === 2 && posix.basename(name).startsWith(prefix);
      return (await readEntries(archive, direct, false)).map((file) => entryOf(dir, file));
    });
  }

  start(): Promise<void> {
    return attempt(`starting ${this.name}`, async () => {
      await this.handle.start();
    });
  }

  restart(timeoutS: number): Promise<void> {
    return attempt(`restarting ${this.name}`, async () => {
      await this.handle.restart({ t: timeoutS });
    });
  }

  stop(timeoutS: number): Promise<void> {
    return attempt(`stopping ${this.name}`, async () => {
      await this.handle.stop({ t: timeoutS }).catch((e: unknown) => {
        if (statusOf(e) !== 304) throw e; // 304: already stopped
      });
    });
  }

  stopRequestedSince(since: string): Promise<boolean> {
    return attempt(`reading the events of ${this.name}`, async () => {
      // With `until`, the engine sends the past events and ends the stream.
      const stream = await this.docker.getEvents({
        since: Math.floor(Date.parse(since) / 1000), until: Math.ceil(Date.now() / 1000) + 1,
        filters: { container: [this.name], event: ['kill', 'stop'] },
      });
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean)
        .some((line) => (JSON.parse(line) as { timeNano?: number }).timeNano! / 1e6 >= Date.parse(since));
    });
  }

  logs(options: LogOptions): Promise<string> {
    return attempt(`reading the logs of ${this.name}`, async () => {
      const buffer = await this.handle.logs({
        stdout: true, stderr: true, follow: false, since: options.since ?? 0, tail: options.tail ?? 'all',
      } as Docker.ContainerLogsOptions & { follow: false });
      return demuxBuffer(buffer as unknown as Buffer);
    });
  }

  followLogs(options: LogOptions, onData: (text: string) => void, signal: AbortSignal): Promise<void> {
    return attempt(`following the logs of ${this.name}`, async () => {
      // Podman answers a follow only with its first line (Docker at once): the request itself is abortable.
      const stream = await this.handle.logs({
        stdout: true, stderr: true, follow: true, since: options.since ?? 0, tail: options.tail ?? 'all', abortSignal: signal,
      } as Docker.ContainerLogsOptions & { follow: true }).catch((e: unknown) => {
        if (signal.aborted) return null;
        throw e;
      });
      if (!stream) return;
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => onData(c.toString('utf8')));
      this.docker.modem.demuxStream(stream, sink, sink);
      await new Promise<void>((resolve, reject) => {
        const stop = () => { (stream as unknown as { destroy?: () => void }).destroy?.(); resolve(); };
        signal.addEventListener('abort', stop, { once: true });
        if (signal.aborted) stop();
        stream.on('end', resolve);
        stream.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
      });
    });
  }
}

class DockerEngine implements Engine {
  private readonly docker = engineDocker();
  private podman: Promise<boolean> | undefined;
  /** Asked once, when a container is first named (src/docker/podman.ts); a failed answer is asked again. */
  private readonly onPodman = (): Promise<boolean> => (this.podman ??= this.docker.version().then(isPodman, (e: unknown) => {
    this.podman = undefined;
    throw e;
  }));

  ping(): Promise<void> {
    return attempt('contacting Docker', async () => {
      await this.docker.ping();
    });
  }

  version(): Promise<string> {
    return attempt('asking Docker for its version', async () => {
      const v = await this.docker.version();
      return `${productOf(v)} ${v.Version} (API ${v.ApiVersion})`;
    });
  }

  container(name: string): ContainerClient {
    // In the background: an upload needs the answer, and would otherwise wait a round trip for it.
    this.onPodman().catch(() => undefined);
    return new DockerContainer(this.docker, name, this.onPodman);
  }

  async imagePlatform(ref: string): Promise<Platform | null> {
    const info = await attempt(`inspecting image ${ref}`, () => orNull(() => this.docker.getImage(ref).inspect()));
    return info && { os: info.Os, arch: info.Architecture, variant: (info as { Variant?: string }).Variant ?? null };
  }

  creationOf(name: string): Promise<ContainerCreation | null> {
    return attempt(`inspecting container ${name}`, async () => {
      const info = await orNull(() => this.docker.getContainer(name).inspect());
      if (!info) return null;
      const image = await orNull(() => this.docker.getImage(info.Image).inspect());
      const host = info.HostConfig;
      return {
        image: info.Config.Image,
        create: createSettingsOf({
          env: info.Config.Env ?? [], imageEnv: image?.Config.Env ?? [], networkMode: host.NetworkMode ?? '',
          portBindings: host.PortBindings ?? {}, binds: host.Binds ?? [], deviceRequests: host.DeviceRequests ?? [],
          cmd: info.Config.Cmd ?? [], imageCmd: image?.Config.Cmd ?? [],
        }),
      };
    });
  }

  createContainer(spec: CreateSpec): Promise<void> {
    return attempt(`creating container ${spec.name} from ${spec.image}`, async () => {
      await this.docker.createContainer(createBody(spec));
    });
  }
}

export const connectDocker = (): Engine => new DockerEngine();
