import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { configForTarget } from '../../src/config/targets.js';
import type { PipelineFlags } from '../../src/config/types.js';
import { HotswapError } from '../../src/errors.js';
import { translateLegacyFlags } from '../../src/legacy-flags.js';

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-targets-')));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const writeConfig = (content: unknown) => fs.writeFileSync(path.join(dir, 'hotswap.config.json'), JSON.stringify(content, null, 2));
const resolveIn = (flags: PipelineFlags = {}) => resolveConfig({ flags, cwd: dir, env: {} });

/** The usage error (exit 2) resolving throws, or fails the test. */
function usageError(flags: PipelineFlags = {}): HotswapError {
  try {
    resolveIn(flags);
  } catch (e) {
    expect(e).toBeInstanceOf(HotswapError);
    expect((e as HotswapError).exitCode).toBe(2);
    return e as HotswapError;
  }
  throw new Error('expected a usage error, but nothing was thrown');
}

/** The README's example, with top-level defaults for both entries. */
const twoTargets = {
  main: './cmd/api',
  target: {
    image: 'dev/base', stopTimeoutS: 5,
    create: { network: 'host', env: { TZ: 'UTC' } },
    health: { timeoutMs: 5000 },
  },
  build: { env: { CGO_ENABLED: '0' }, ldflags: '-s', mode: 'local' },
  targets: [
    { name: 'api', container: 'api-dev', binaryPath: '/usr/bin/api', health: { url: 'http://127.0.0.1:8080/' } },
    {
      name: 'worker', main: './cmd/worker', container: 'worker-dev', binaryPath: '/usr/bin/worker',
      create: { env: { ROLE: 'worker' } }, build: { env: { GOFLAGS: '-mod=mod' }, tags: ['worker'] },
    },
  ],
};

describe('several targets in the config file', () => {
  it('merges each entry over the top-level main, target and build', () => {
    writeConfig(twoTargets);
    const [api, worker] = resolveIn().targets;
    expect(api).toMatchObject({ name: 'api', main: './cmd/api' });
    expect(api!.target).toMatchObject({
      container: 'api-dev', binaryPath: '/usr/bin/api', image: 'dev/base', stopTimeoutS: 5,
      health: { url: 'http://127.0.0.1:8080/', versionUrl: 'http://127.0.0.1:11434/api/version', timeoutMs: 5000 },
    });
    expect(worker).toMatchObject({ name: 'worker', main: './cmd/worker' });
    expect(worker!.target.create).toEqual({ network: 'host', ports: ['11434:11434'], env: { TZ: 'UTC', ROLE: 'worker' }, volumes: [], gpus: null, command: null });
    expect(worker!.target.health.timeoutMs).toBe(5000);
    expect(worker!.build).toMatchObject({ mode: 'local', ldflags: '-s', tags: ['worker'], env: { CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } });
  });

  it('gives each target its own output, .hotswap/bin/<name>, unless the entry sets one', () => {
    writeConfig({ ...twoTargets, targets: [twoTargets.targets[0], { ...twoTargets.targets[1], build: { output: '.hotswap/out/worker' } }] });
    const [api, worker] = resolveIn().targets;
    expect(api!.build.output).toBe(path.join(dir, '.hotswap/bin/api'));
    expect(worker!.build.output).toBe(path.join(dir, '.hotswap/out/worker'));
  });

  it('names a target after its container when it has no name', () => {
    writeConfig({ targets: [{ container: 'api-dev' }, { container: 'worker-dev' }] });
    expect(resolveIn().targets.map((t) => t.name)).toEqual(['api-dev', 'worker-dev']);
  });

  it('keeps main, target and build as the first target, for modules that serve one', () => {
    writeConfig(twoTargets);
    const config = resolveIn();
    expect(config.main).toBe('./cmd/api');
    expect(config.target).toBe(config.targets[0].target);
    expect(config.build).toBe(config.targets[0].build);
  });

  it('gives one target a view of the config with its main, target and build', () => {
    writeConfig(twoTargets);
    const config = resolveIn();
    const worker = config.targets[1]!;
    const view = configForTarget(config, worker);
    expect(view).toMatchObject({ main: './cmd/worker', target: worker.target, build: worker.build, targets: [worker], repo: dir });
    expect(view.watch).toBe(config.watch);
  });

  it('applies --restart, --verify and --builder to every target', () => {
    writeConfig(twoTargets);
    const { targets } = resolveIn({ restart: false, verify: false, builder: 'container' });
    for (const t of targets) {
      expect(t.target).toMatchObject({ restart: false, verify: false, rollbackOnFail: false });
      expect(t.build.mode).toBe('container');
    }
  });

  it('accepts one entry, which inherits the top-level output as the single target does', () => {
    writeConfig({ build: { output: '.hotswap/dev' }, targets: [{ container: 'api-dev', main: '.' }] });
    const config = resolveIn();
    expect(config.targets).toHaveLength(1);
    expect(config.build.output).toBe(path.join(dir, '.hotswap/dev'));
    expect(config.main).toBe('.');
  });
});

describe('without targets', () => {
  it('has one target built from the top level, named after its container', () => {
    writeConfig({ main: '.', target: { container: 'box' } });
    const config = resolveIn();
    expect(config.targets).toEqual([{ name: 'box', main: '.', target: config.target, build: config.build }]);
    expect(config.build.output).toBe(path.join(dir, '.hotswap/bin/ollama-dev'));
  });

  it('lets --container name the container, as it always did', () => {
    writeConfig({ target: { container: 'box' } });
    const config = resolveIn({ container: 'other-box' });
    expect(config.target.container).toBe('other-box');
    expect(config.targets[0].name).toBe('other-box');
  });
});

describe('--container with several targets', () => {
  beforeEach(() => writeConfig(twoTargets));

  it('selects the target whose container or name it is', () => {
    for (const selector of ['worker-dev', 'worker']) {
      const config = resolveIn({ container: selector });
      expect(config.targets.map((t) => t.name)).toEqual(['worker']);
      expect(config.target.container).toBe('worker-dev');
      expect(config.main).toBe('./cmd/worker');
      expect(config.build.output).toBe(path.join(dir, '.hotswap/bin/worker'));
    }
  });

  it('selects with the old -ContainerName too', () => {
    const argv = translateLegacyFlags(['swap', '-ContainerName', 'api-dev']);
    expect(argv).toEqual(['swap', '--container', 'api-dev']);
    expect(resolveIn({ container: argv[2] }).targets.map((t) => t.name)).toEqual(['api']);
  });

  it('refuses an unknown target and lists the known ones', () => {
    expect(usageError({ container: 'nope' }).message).toBe(
      'invalid flags: --container "nope": no such target; the config has api (api-dev), worker (worker-dev)',
    );
  });

  it('applies --main and --image to the selected target only', () => {
    const config = resolveIn({ container: 'worker', main: './cmd/other', image: 'other/image' });
    expect(config.main).toBe('./cmd/other');
    expect(config.target.image).toBe('other/image');
  });

  it('refuses --main or --image without a selection, since they name one target', () => {
    const { message } = usageError({ main: '.', image: 'x/y' });
    expect(message).toContain('--main: with several targets, pick the one it is for with --container');
    expect(message).toContain('--image: with several targets');
  });
});

describe('target errors (exit 2, with the key path)', () => {
  it('refuses two targets with one container, naming both entries', () => {
    writeConfig({ targets: [{ name: 'api', container: 'box' }, { name: 'worker', container: 'box' }] });
    expect(usageError().message).toContain('targets[1].container: "box" is also the container of targets[0] (api): each target needs its own');
  });

  it('refuses two entries without a container (both would use the default one)', () => {
    writeConfig({ targets: [{ name: 'api' }, { name: 'worker' }] });
    expect(usageError().message).toContain('targets[1].container: "ollama-gpu" is also the container of targets[0] (api)');
  });

  it('refuses two targets with one name', () => {
    writeConfig({ targets: [{ name: 'api', container: 'api-dev' }, { name: 'api', container: 'worker-dev' }] });
    expect(usageError().message).toContain('targets[1].name: "api" is also the name of targets[0] (api): names must be unique');
  });

  it('refuses two targets that build into one file', () => {
    writeConfig({ targets: [{ container: 'api-dev', build: { output: 'bin/x' } }, { container: 'worker-dev', build: { output: 'bin/x' } }] });
    expect(usageError().message).toContain(`targets[1].build.output: ${path.join(dir, 'bin/x')} is also the output of targets[0] (api-dev)`);
  });

  it('refuses a top-level build.output shared by several targets', () => {
    writeConfig({ build: { output: 'bin/x' }, targets: [{ container: 'api-dev' }, { container: 'worker-dev' }] });
    expect(usageError().message).toContain('build.output: with several targets each needs its own');
  });

  it('refuses a bad name, an empty list and keys that are not per target', () => {
    writeConfig({ targets: [{ name: '-api', container: 'api-dev', build: { mode: 'local' }, watch: {} }] });
    const { message } = usageError();
    expect(message).toContain('targets[0].name: must be a letter or digit');
    expect(message).toContain('targets[0].build.mode: unknown key');
    expect(message).toContain('targets[0].watch: unknown key');
    writeConfig({ targets: [] });
    expect(usageError().message).toContain('targets: must list at least one target');
  });

  it('refuses rollbackOnFail in a target whose verify is off', () => {
    writeConfig({ targets: [{ container: 'api-dev' }, { container: 'worker-dev', verify: false, rollbackOnFail: true }] });
    expect(usageError().message).toContain('targets[1].rollbackOnFail: requires targets[1].verify: true');
  });

  it('says a flag problem once, not once per target', () => {
    writeConfig(twoTargets);
    expect(usageError({ rollbackOnFail: true, verify: false }).message).toBe(
      'invalid flags: --rollback-on-fail requires --verify (a rollback is decided by verifying)',
    );
  });
});

describe('--container with several targets, whatever the selector looks like', () => {
  it('only selects: a selector that is no container name is simply no such target', () => {
    writeConfig(twoTargets);
    expect(usageError({ container: 'x' }).message).toBe('invalid flags: --container "x": no such target; the config has api (api-dev), worker (worker-dev)');
  });
});
