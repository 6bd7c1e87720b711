/** Image builds over dockerode: buildImage + followProgress, copying a file out of an image, old tags. */
import type Docker from 'dockerode';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { attempt } from './docker.js';
import { ImageBuildError, type ImageBuildResult, type ImageBuildSpec } from './builder-client.js';

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Follows a build stream to its end. A failed step is not an `err`: it is an event with `error`. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, timeoutMs: number, onOutput: (text: string) => void) {
  let log = '';
  let imageId: string | null = null;
  let failure: string | null = null;
  return new Promise<{ log: string; imageId: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(new ImageBuildError(`the image build did not finish within ${Math.round(timeoutMs / 1000)} s`, log));
    }, timeoutMs);
    docker.modem.followProgress(stream, (err) => {
      clearTimeout(timer);
      if (err || failure) reject(new ImageBuildError(failure ?? err!.message, log));
      else resolve({ log, imageId });
    }, (event: BuildEvent) => {
      if (event.stream) { log += event.stream; onOutput(event.stream); }
      if (event.aux?.ID) imageId = event.aux.ID;
      if (event.error) failure = event.errorDetail?.message ?? event.error;
    });
  });
}

export async function buildImage(docker: Docker, context: Readable, spec: ImageBuildSpec,
  onOutput: (text: string) => void): Promise<ImageBuildResult> {
  const stream = await attempt('starting the image build', () => docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    dockerfile: spec.dockerfile, t: spec.tag, buildargs: { ...spec.buildargs }, labels: { ...spec.labels },
    ...(spec.target ? { target: spec.target } : {}),
    // No network: dockerd may run without a bridge, and a dev build must not depend on a registry.
    networkmode: 'none', rm: true, forcerm: true,
  }));
  const { log, imageId } = await follow(docker, stream, spec.timeoutMs, onOutput);
  const id = imageId ?? (await docker.getImage(spec.tag).inspect()).Id;
  return { imageId: id, log };
}

/** Streams the first regular file of a tar archive to `hostFile` (via a temp name, then rename). */
export async function writeSingleFile(source: NodeJS.ReadableStream, hostFile: string): Promise<void> {
  const temp = `${hostFile}.part`;
  const extract = tar.extract();
  let written = false;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      if (written || header.type !== 'file') { stream.resume(); stream.on('end', next); return; }
      written = true;
      pipeline(stream, createWriteStream(temp, { mode: 0o755 })).then(() => next(), reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  try {
    await done;
    if (!written) throw new Error('the archive holds no file');
    await rename(temp, hostFile);
  } finally {
    await rm(temp, { force: true });
  }
}

export async function extractFromImage(docker: Docker, image: string, path: string, hostFile: string): Promise<void> {
  // Never started, so the image needs no shell; a command is required to create it at all.
  const container = await docker.createContainer({
    Image: image, Entrypoint: ['/hotswap-never-runs'], Labels: { 'hotswap.artifact': '1' }, HostConfig: { NetworkMode: 'none' },
  });
  try {
    await writeSingleFile(await container.getArchive({ path }), hostFile);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

export async function pruneTags(docker: Docker, repository: string, keepTag: string): Promise<string[]> {
  const images = await docker.listImages({ filters: { reference: [repository] } });
  const old = images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${repository}:`) && t !== keepTag);
  const removed: string[] = [];
  for (const tag of old) {
    // A tag still used by a container stays; that is not worth failing a swap over.
    if (await docker.getImage(tag).remove().then(() => true, () => false)) removed.push(tag);
  }
  return removed;
}
