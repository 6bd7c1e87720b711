/**
 * The BuilderEngine over dockerode: the builder container (create, start, exec with streamed output,
 * archives in and out) here, image builds in `image-build.ts`.
 */
import Docker from 'dockerode';
import { Writable, type Readable } from 'node:stream';
import { engineDocker } from './connect.js';
import { attempt, exitCodeOf, orNull } from './docker.js';
import type { BuilderEngine, BuilderSpec, BuilderState, ExecSpec, ImageBuildResult, ImageBuildSpec } from './builder-client.js';
import { buildImage, extractFromImage, pruneTags, writeSingleFile } from './image-build.js';

const envList = (env: Readonly<Record<string, string>>) => Object.entries(env).map(([k, v]) => `${k}=${v}`);

class DockerBuilderEngine implements BuilderEngine {
  constructor(private readonly docker: Docker) {}

  async imageId(ref: string): Promise<string | null> {
    const info = await attempt(`inspecting image ${ref}`, () => orNull(() => this.docker.getImage(ref).inspect()));
    return info?.Id ?? null;
  }

  async builderState(name: string): Promise<BuilderState | null> {
    const info = await attempt(`inspecting builder ${name}`, () => orNull(() => this.docker.getContainer(name).inspect()));
    return info ? { id: info.Id, imageId: info.Image, running: info.State.Running, labels: info.Config.Labels ?? {} } : null;
  }

  async volumeExists(name: string): Promise<boolean> {
    return (await attempt(`inspecting volume ${name}`, () => orNull(() => this.docker.getVolume(name).inspect()))) !== null;
  }

  createBuilder(spec: BuilderSpec): Promise<void> {
    return attempt(`creating builder container ${spec.name} from ${spec.image}`, async () => {
      for (const volume of Object.keys(spec.volumes)) {
        // Creating an existing volume is a no-op, so the caches survive a recreated builder.
        await this.docker.createVolume({ Name: volume, Labels: { 'hotswap.builder': spec.name } });
      }
      const mounts = [
        ...Object.entries(spec.volumes).map(([source, target]) => ({ Type: 'volume' as const, Source: source, Target: target })),
        ...Object.entries(spec.binds).map(([source, target]) => ({ Type: 'bind' as const, Source: source, Target: target })),
      ];
      await this.docker.createContainer({
        name: spec.name, Image: spec.image, Cmd: [...spec.command], Env: envList(spec.env),
        Labels: { ...spec.labels, 'hotswap.builder': spec.name },
        // The builder needs no network: modules come from the cache volume (and dockerd may have no bridge).
        HostConfig: { NetworkMode: 'none', Mounts: mounts },
      });
    });
  }

  start(name: string): Promise<void> {
    return attempt(`starting builder ${name}`, async () => {
      await this.docker.getContainer(name).start();
    });
  }

  remove(name: string): Promise<void> {
    return attempt(`removing builder ${name}`, async () => {
      await orNull(() => this.docker.getContainer(name).remove({ force: true }));
    });
  }

  exec(name: string, spec: ExecSpec, onOutput: (text: string) => void): Promise<number> {
    return attempt(`running ${spec.argv[0]} in ${name}`, async () => {
      const exec = await this.docker.getContainer(name).exec({
        Cmd: [...spec.argv], Env: envList(spec.env ?? {}), WorkingDir: spec.workdir, AttachStdout: true, AttachStderr: true,
      });
      const stream = await exec.start({ hijack: true, stdin: false });
      const sink = new Writable({ write(chunk: Buffer, _enc, done) { onOutput(chunk.toString('utf8')); done(); } });
      this.docker.modem.demuxStream(stream, sink, sink);
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      return exitCodeOf(exec);
    });
  }

  putArchive(name: string, dir: string, archive: Readable): Promise<void> {
    return attempt(`copying files into ${name}:${dir}`, async () => {
      await this.docker.getContainer(name).putArchive(archive as unknown as NodeJS.ReadableStream, { path: dir });
    });
  }

  copyOut(name: string, path: string, hostFile: string): Promise<void> {
    return attempt(`copying ${path} out of ${name}`, async () => {
      await writeSingleFile(await this.docker.getContainer(name).getArchive({ path }), hostFile);
    });
  }

  buildImage(context: Readable, spec: ImageBuildSpec, onOutput: (text: string) => void): Promise<ImageBuildResult> {
    return buildImage(this.docker, context, spec, onOutput);
  }

  extractFromImage(image: string, path: string, hostFile: string): Promise<void> {
    return attempt(`copying ${path} out of image ${image}`, () => extractFromImage(this.docker, image, path, hostFile));
  }

  pruneTags(repository: string, keepTag: string): Promise<string[]> {
    return attempt(`pruning old ${repository} tags`, () => pruneTags(this.docker, repository, keepTag));
  }
}

export const connectBuilderEngine = (): BuilderEngine => new DockerBuilderEngine(engineDocker());
