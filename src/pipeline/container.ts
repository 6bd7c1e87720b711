/** Finds the target container, or starts it from `target.image` as the old script did. */
import { environmentError, HotswapError, usageError } from '../errors.js';
import type { TargetConfig } from '../config/types.js';
import type { ContainerClient, ContainerState, Engine, Platform } from '../docker/client.js';
import type { Progress } from '../ui/progress.js';

export interface ReadyContainer {
  readonly container: ContainerClient;
  readonly state: ContainerState;
  readonly platform: Platform;
  /** Created from the image just now (not started): it holds the image's binary, so a swap is due whatever the plan says. */
  readonly created: boolean;
}

async function createFromImage(engine: Engine, target: TargetConfig, progress: Progress): Promise<void> {
  const image = target.image;
  if (!image) {
    throw environmentError(`container ${target.container} does not exist and no image is configured`, {
      hint: 'start the container, or pass --image (target.image) so hotswap can create it', phase: 'detect',
    });
  }
  if (!(await engine.imagePlatform(image))) {
    throw environmentError(`image ${image} is not present on this Docker engine`, {
      hint: `build or pull ${image} first (docker image ls)`, phase: 'detect',
    });
  }
  progress.info(`creating ${target.container} from ${image}`);
  // Created, not started: the swap puts the new binary in through the archive API and starts it, so an image
  // without a binary at target.binaryPath (or with one that no longer runs) still becomes the target.
  await engine.createContainer({ name: target.container, image, ...target.create }).catch((e: unknown) => {
    throw refusedCreate(e, target);
  });
}

/**
 * The engine answered and refused the container (no command, a bad mount or port): the settings are
 * wrong, and trying again would fail the same way. Exit 2, and the daemon waits for a change instead of retrying.
 */
function refusedCreate(e: unknown, target: TargetConfig): unknown {
  if (!(e instanceof HotswapError) || e.exitCode === 3) return e;
  const noCommand = /no command specified/i.test(e.message);
  return usageError(e.message, {
    phase: 'config', cause: e,
    hint: noCommand
      ? `the image ${target.image} has no CMD: set target.create.command, e.g. ["${target.binaryPath}", "serve"]`
      : 'check target.image and target.create (network, ports, volumes, gpus, command)',
  });
}

/** The configured container for commands that act on it as it is (rollback, backups, logs): exit 3 if missing. */
export async function existingContainer(engine: Engine, name: string, hint = 'check target.container or --container (docker ps -a lists containers)') {
  await engine.ping();
  const container = engine.container(name);
  if (!(await container.inspect())) throw environmentError(`container ${name} does not exist`, { hint });
  return container;
}

export async function prepareTarget(engine: Engine, target: TargetConfig, progress: Progress): Promise<ReadyContainer> {
  await engine.ping();
  const container = engine.container(target.container);
  let state = await container.inspect();
  const created = !state;
  if (!state) {
    await createFromImage(engine, target, progress);
    state = await container.inspect();
    if (!state) throw environmentError(`container ${target.container} vanished right after it was created`);
  }
  const platform = await engine.imagePlatform(state.imageId);
  // An image removed under a running container still runs; assume the engine's own platform then.
  return { container, state, created, platform: platform ?? { os: 'linux', arch: hostArch(), variant: null } };
}

export const hostPlatform = () => ({ goos: 'linux', goarch: hostArch() });

const hostArch = () => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[process.arch] ?? process.arch;
