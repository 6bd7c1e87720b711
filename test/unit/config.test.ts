import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConfigFile, loadConfigFile } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { PipelineFlags } from '../../src/config/types.js';
import { HotswapError } from '../../src/errors.js';
import { OLLAMA_IMAGE_INPUTS } from '../../src/init/ollama.js';
import { REPO_ROOT } from '../support/paths.js';

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-config-')));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a config file (an object as JSON, a string verbatim) and returns its path. */
function writeConfig(content: unknown, sub = '.'): string {
  const file = path.join(dir, sub, 'hotswap.config.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const resolveIn = (flags: PipelineFlags = {}, env: NodeJS.ProcessEnv = {}, cwd = dir) => resolveConfig({ flags, cwd, env });

/** The usage error a call throws (exit 2), or fails the test. */
function usageErrorOf(run: () => unknown): HotswapError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(HotswapError);
    expect((e as HotswapError).exitCode).toBe(2);
    return e as HotswapError;
  }
  throw new Error('expected a usage error, but nothing was thrown');
}
const resolveError = (flags: PipelineFlags = {}, env: NodeJS.ProcessEnv = {}) => usageErrorOf(() => resolveIn(flags, env));

describe('resolveConfig defaults', () => {
  it('uses every default when there is no config file', () => {
    const { targets, ...config } = resolveIn();
    expect(targets).toEqual([{ name: 'ollama-gpu', main: 'auto', target: config.target, build: config.build }]);
    expect(config).toEqual({
      configFile: null,
      repo: dir,
      main: 'auto',
      watch: { paths: [dir], ignore: [], debounceMs: 200, maxWaitMs: 2000, poll: false, minRestartIntervalMs: 0 },
      build: {
        mode: 'auto', output: path.join(dir, '.hotswap/bin/ollama-dev'), env: { CGO_ENABLED: '1' },
        flags: ['-trimpath', '-buildvcs=false'], ldflags: '-w -s', tags: [],
        versionVar: 'github.com/ollama/ollama/version.Version', versionBase: '0.0.0',
        builderImage: 'golang:bookworm', builderImageWhy: 'go.mod has no go line', builderContainer: 'ollama-build', dockerfile: path.join(dir, 'Dockerfile.dev'),
        target: null, artifactPath: '/ollama-dev', sync: false, hostRepo: null,
      },
      target: {
        container: 'ollama-gpu', image: null, binaryPath: '/usr/bin/ollama',
        create: { network: null, ports: ['11434:11434'], env: {}, volumes: [], gpus: null, command: null },
        restart: true, stopTimeoutS: 10, verify: true, rollbackOnFail: true, keepBackups: 3, writeFromHost: true, keepBackup: false, backupDir: '/tmp', lockTimeoutMs: 600_000,
        health: { url: 'http://127.0.0.1:11434/', versionUrl: 'http://127.0.0.1:11434/api/version', timeoutMs: 20000, intervalMs: 25, allowRemote: false },
      },
      notify: { desktop: true, command: null },
      plan: { imageInputs: [] },
      output: { quiet: false, json: false, logLevel: 'info' },
    });
  });

  it('returns a deeply frozen object', () => {
    const config = resolveIn();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.target.health)).toBe(true);
    expect(Object.isFrozen(config.watch.paths)).toBe(true);
    expect(Object.isFrozen(config.build.env)).toBe(true);
  });

  it('keeps a null from the file instead of the default', () => {
    writeConfig({ build: { versionVar: null }, target: { health: { versionUrl: null } } });
    const config = resolveIn();
    expect(config.build.versionVar).toBeNull();
    expect(config.target.health.versionUrl).toBeNull();
    expect(config.target.health.url).toBe('http://127.0.0.1:11434/');
  });
});

describe('finding and reading the config file', () => {
  it('finds hotswap.config.json in a parent directory', () => {
    const file = writeConfig({ target: { container: 'from-parent' } });
    const nested = path.join(dir, 'server', 'internal');
    fs.mkdirSync(nested, { recursive: true });
    expect(findConfigFile(nested)).toBe(file);
    const config = resolveIn({}, {}, nested);
    expect(config.configFile).toBe(file);
    expect(config.repo).toBe(dir);
    expect(config.target.container).toBe('from-parent');
  });

  it('finds nothing when no directory above has one', () => {
    expect(findConfigFile(dir)).toBeNull();
  });

  it('resolves the repo against the file and paths in the repo against the repo', () => {
    fs.mkdirSync(path.join(dir, 'ollama'));
    writeConfig({ repo: '../ollama', watch: { paths: ['server', '.'] }, build: { output: '.hotswap/dev', dockerfile: 'docker/Dockerfile' } }, 'conf');
    const config = resolveIn({ config: 'conf/hotswap.config.json' });
    const repo = path.join(dir, 'ollama');
    expect(config.configFile).toBe(path.join(dir, 'conf', 'hotswap.config.json'));
    expect(config.repo).toBe(repo);
    expect(config.watch.paths).toEqual([path.join(repo, 'server'), repo]);
    expect(config.build.output).toBe(path.join(repo, '.hotswap/dev'));
    expect(config.build.dockerfile).toBe(path.join(repo, 'docker/Dockerfile'));
  });

  it('resolves --repo against the cwd, not the file', () => {
    fs.mkdirSync(path.join(dir, 'other'));
    writeConfig({ repo: '.' }, 'conf');
    expect(resolveIn({ config: 'conf/hotswap.config.json', repo: 'other' }).repo).toBe(path.join(dir, 'other'));
  });

  it("follows go.mod's go line for the builder image, and an explicit build.builderImage wins", () => {
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module github.com/ollama/ollama\n\ngo 1.26.0\n\ntoolchain go1.26.3\n');
    expect(resolveIn().build).toMatchObject({ builderImage: 'golang:1.26-bookworm', builderImageWhy: "go.mod's go 1.26.0" });
    writeConfig({ build: { builderImage: 'my/go:tip' } });
    expect(resolveIn().build).toMatchObject({ builderImage: 'my/go:tip', builderImageWhy: 'build.builderImage' });
  });

  it('validates the ollama preset', () => {
    const preset = path.join(REPO_ROOT, 'config', 'presets', 'ollama.json');
    const file = loadConfigFile(preset);
    expect(file.target?.create?.gpus).toBe('all');
    const config = resolveIn({ config: preset });
    expect(config.repo).toBe(path.dirname(preset));
    expect(config.main).toBe('.');
    expect(config.target.image).toBe('ollama/ollama');
    expect(config.watch.ignore).toContain('docs/**');
    expect(config.plan.imageInputs).toEqual(OLLAMA_IMAGE_INPUTS.map((i) => i.glob)); // what init writes for ollama
  });
});

describe('flags win over the file', () => {
  beforeEach(() => {
    writeConfig({
      main: './cmd/ollama', logLevel: 'warn',
      watch: { debounceMs: 500, minRestartIntervalMs: 100 },
      build: { mode: 'local' },
      target: { container: 'file-box', image: 'file/image', restart: true, verify: true, rollbackOnFail: true },
    });
  });

  it('takes each value from its flag', () => {
    const config = resolveIn({
      main: '.', container: 'flag-box', image: 'flag/image', builder: 'artifact', restart: false, keepBackup: true,
      quiet: true, json: true, logLevel: 'debug', debounce: '50', minRestartInterval: '3000',
    });
    expect(config.main).toBe('.');
    expect(config.target).toMatchObject({ container: 'flag-box', image: 'flag/image', restart: false, keepBackup: true });
    expect(config.build.mode).toBe('artifact');
    expect(config.watch).toMatchObject({ debounceMs: 50, minRestartIntervalMs: 3000 });
    expect(config.output).toEqual({ quiet: true, json: true, logLevel: 'debug' });
  });

  it('keeps the file values when no flag is given', () => {
    const config = resolveIn();
    expect(config.main).toBe('./cmd/ollama');
    expect(config.target.container).toBe('file-box');
    expect(config.build.mode).toBe('local');
    expect(config.output.logLevel).toBe('warn');
  });

  it('lets HOTSWAP_LOG_LEVEL beat the file but not the flag', () => {
    expect(resolveIn({}, { HOTSWAP_LOG_LEVEL: 'error' }).output.logLevel).toBe('error');
    expect(resolveIn({ logLevel: 'trace' }, { HOTSWAP_LOG_LEVEL: 'error' }).output.logLevel).toBe('trace');
  });

  it('turns --force-builder into the container builder', () => {
    expect(resolveIn({ forceBuilder: true }).build.mode).toBe('container');
  });

  it('never uses the local toolchain with --no-local', () => {
    expect(resolveIn({ local: false }).build.mode).toBe('container');
    expect(resolveIn({ local: false, builder: 'auto' }).build.mode).toBe('container');
    expect(resolveIn({ local: false, builder: 'artifact' }).build.mode).toBe('artifact');
  });

  it('turns rollback off with --no-verify, even when the file asks for it', () => {
    expect(resolveIn({ verify: false }).target).toMatchObject({ verify: false, rollbackOnFail: false });
  });

  it('turns rollback off when the file turns verify off and says nothing about rollback', () => {
    writeConfig({ target: { verify: false } });
    expect(resolveIn().target).toMatchObject({ verify: false, rollbackOnFail: false });
  });
});

describe('config file errors (exit 2, one message)', () => {
  it('names a missing --config file', () => {
    const error = resolveError({ config: 'nope.json' });
    expect(error.message).toBe(`config file not found: ${path.join(dir, 'nope.json')}`);
    expect(error.hint).toMatch(/--config/);
  });

  it('gives the line and column of a JSON syntax error', () => {
    const file = writeConfig('{\n  "repo": ".",\n  "main": "auto",\n}\n');
    expect(usageErrorOf(() => loadConfigFile(file)).message).toMatch(new RegExp(`^config file ${file} is not valid JSON at line 4, column 1: `));
  });

  it('gives the line and column of a bad token, where it starts', () => {
    const file = writeConfig('{\n  "target": { "container": "ollama-gpu", "restart": tru },\n  "notify": { "desktop": true }\n}\n');
    expect(usageErrorOf(() => loadConfigFile(file)).message).toContain('is not valid JSON at line 2, column 53: invalid symbol');
  });

  it('accepts comments (JSONC, as devcontainer.json)', () => {
    const file = writeConfig('{\n  // the dev server\n  "target": { /* not ollama-gpu */ "container": "dev-1" }\n}\n');
    expect(loadConfigFile(file)).toEqual({ target: { container: 'dev-1' } });
  });

  it('names an unknown nested key with its full path', () => {
    const file = writeConfig({ target: { health: { url: null, foo: 1 } } });
    const error = usageErrorOf(() => loadConfigFile(file));
    expect(error.message).toBe(`invalid config ${file}: target.health.foo: unknown key`);
    expect(error.hint).toBe('fix these keys; the schema is config/hotswap.schema.json');
  });

  it('says what type a key must have', () => {
    writeConfig({ watch: { poll: 'yes' } });
    expect(resolveError().message).toContain('watch.poll: must be true or false, not "yes"');
  });

  it('refuses a negative debounce', () => {
    writeConfig({ watch: { debounceMs: -5 } });
    expect(resolveError().message).toContain('watch.debounceMs: must be >= 0');
  });

  it('refuses a relative binaryPath', () => {
    writeConfig({ target: { binaryPath: 'usr/bin/ollama' } });
    expect(resolveError().message).toContain('target.binaryPath: must be an absolute path inside the container, like /usr/bin/ollama');
  });

  it.each(['http://10.0.0.5:11434/', 'https://example.com/', 'http://127.0.0.1.evil.example/', 'ftp://127.0.0.1/'])(
    'refuses a health URL that leaves this machine: %s',
    (url) => {
      writeConfig({ target: { health: { url } } });
      expect(resolveError().message).toMatch(/target\.health\.url: must be an http\(s\) URL on this machine .*never sends traffic elsewhere/);
    },
  );

  it.each(['http://localhost:11434/', 'http://127.0.0.2:8080/api/version', 'https://[::1]:11434'])('accepts a loopback health URL: %s', (url) => {
    writeConfig({ target: { health: { url } } });
    expect(resolveIn().target.health.url).toBe(url);
  });

  it('accepts another host with target.health.allowRemote (a dev container reaching the Docker host)', () => {
    const url = 'http://host.docker.internal:11434/';
    writeConfig({ target: { health: { url, versionUrl: `${url}api/version`, allowRemote: true } } });
    expect(resolveIn().target.health).toMatchObject({ url, allowRemote: true });
    writeConfig({ target: { health: { url, allowRemote: false } } });
    expect(resolveError().message).toMatch(/target\.health\.url: .*unless target\.health\.allowRemote is true/);
    writeConfig({ targets: [{ container: 'dev-1', health: { versionUrl: `${url}api/version` } }] });
    expect(resolveError().message).toContain('targets[0].health.versionUrl: must be an http(s) URL on this machine');
    writeConfig({ target: { health: { url: 'ftp://host.docker.internal/', allowRemote: true } } });
    expect(resolveError().message).toContain('target.health.url: must be an http(s) URL');
  });

  it('refuses an invalid container name and an unknown builder in the file', () => {
    writeConfig({ target: { container: '-bad name' }, build: { mode: 'remote' } });
    const { message } = resolveError();
    expect(message).toContain('target.container: must be a Docker container name');
    expect(message).toContain(`build.mode: unknown builder "remote": use auto, local, container or artifact`);
  });

  it('lists every bad key path, not only the first', () => {
    const file = writeConfig({ watch: { debounceMs: -1 }, target: { binaryPath: 'ollama', health: { bogus: true } }, extra: 1 });
    const { message } = resolveError();
    expect(message.startsWith(`invalid config ${file}: `)).toBe(true);
    for (const key of ['watch.debounceMs', 'target.binaryPath', 'target.health.bogus: unknown key', 'extra: unknown key']) {
      expect(message).toContain(key);
    }
  });

  it('refuses rollbackOnFail with verify off in the same file', () => {
    writeConfig({ target: { verify: false, rollbackOnFail: true } });
    expect(resolveError().message).toContain('target.rollbackOnFail: requires target.verify');
  });
});

describe('flag errors (exit 2, one message)', () => {
  it('refuses --rollback-on-fail with --no-verify', () => {
    expect(resolveError({ rollbackOnFail: true, verify: false }).message).toBe(
      'invalid flags: --rollback-on-fail requires --verify (a rollback is decided by verifying)',
    );
  });

  it('refuses --rollback-on-fail when the file turns verify off', () => {
    writeConfig({ target: { verify: false } });
    expect(resolveError({ rollbackOnFail: true }).message).toContain('--rollback-on-fail requires --verify');
  });

  it('refuses an invalid container name', () => {
    expect(resolveError({ container: 'my container' }).message).toBe(
      'invalid flags: --container "my container": must be a Docker container name: a letter or digit, then letters, digits, _ . or - (at least 2 characters)',
    );
  });

  it('refuses an unknown builder', () => {
    expect(resolveError({ builder: 'x' }).message).toBe("invalid flags: --builder: unknown builder 'x': use auto, local, container or artifact");
  });

  it.each([
    [{ forceBuilder: true, builder: 'local' }, '--force-builder: means --builder container and conflicts with --builder local'],
    [{ forceBuilder: true, builder: 'artifact' }, '--force-builder: means --builder container and conflicts with --builder artifact'],
    [{ builder: 'local', local: false }, '--no-local: conflicts with --builder local'],
    [{ debounce: 'soon' }, '--debounce "soon": must be a whole number of milliseconds from 0 to 60000'],
    [{ debounce: '9007199254740991' }, '--debounce "9007199254740991": must be a whole number of milliseconds from 0 to 60000'],
    [{ minRestartInterval: '-1' }, '--min-restart-interval "-1": must be a whole number of milliseconds from 0 to 3600000'],
    [{ image: '--privileged' }, '--image "--privileged": must be an image name'],
    [{ logLevel: 'loud' }, "--log-level: unknown log level 'loud'"],
    [{ main: 'cmd/ollama' }, "--main \"cmd/ollama\": must be 'auto' or a package directory relative to the repo"],
  ] as [PipelineFlags, string][])('refuses %j', (flags, expected) => {
    expect(resolveError(flags).message).toContain(expected);
  });

  it('refuses a --repo that does not exist or is not a directory', () => {
    expect(resolveError({ repo: 'missing' }).message).toBe(`invalid flags: --repo: ${path.join(dir, 'missing')} does not exist`);
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(resolveError({ repo: 'file' }).message).toContain('is not a directory');
  });

  it('refuses an unknown HOTSWAP_LOG_LEVEL', () => {
    expect(resolveError({}, { HOTSWAP_LOG_LEVEL: 'chatty' }).message).toContain("invalid environment: HOTSWAP_LOG_LEVEL: unknown log level 'chatty'");
  });

  it('reports file and flag problems together', () => {
    writeConfig({ watch: { debounceMs: -1 } });
    const error = resolveError({ container: '!', builder: 'y' });
    expect(error.message).toMatch(/^invalid config .*watch\.debounceMs: must be >= 0\. invalid flags: --container "!": .*; --builder: unknown builder 'y'/);
    expect(error.hint).toContain('config/hotswap.schema.json');
    expect(error.hint).toContain('--help');
  });
});

describe('values a cloned repo could turn against its owner, or typos beyond any sane bound', () => {
  it.each([
    [{ target: { binaryPath: '/' } }, 'target.binaryPath: must be an absolute path to a file'],
    [{ target: { binaryPath: '/usr/bin/' } }, 'target.binaryPath: must be an absolute path to a file'],
    [{ target: { binaryPath: '/usr/bin/oll\nama' } }, 'target.binaryPath: must be an absolute path to a file'],
    [{ target: { binaryPath: '/usr/bin/../ollama' } }, 'target.binaryPath: must not contain . or .. parts'],
    [{ target: { image: '--privileged' } }, 'target.image: must be an image name'],
    [{ build: { builderImage: '-v/:/host' } }, 'build.builderImage: must be an image name'],
    [{ watch: { debounceMs: 9007199254740991 } }, 'watch.debounceMs: must be at most 60000 ms (a minute)'],
    [{ target: { health: { timeoutMs: 3_600_001 } } }, 'target.health.timeoutMs: must be at most 3600000 ms (an hour)'],
    [{ target: { lockTimeoutMs: 3_600_001 } }, 'target.lockTimeoutMs: must be at most 3600000 ms (an hour)'],
    [{ build: { output: 'go.mod' } }, 'build.output: must be a file inside .hotswap/'],
    [{ build: { output: '../x' } }, 'build.output: must be a file inside .hotswap/'],
    [{ build: { output: '.hotswap' } }, 'build.output: must be a file inside .hotswap/'],
    [{ targets: [{ container: 'a-dev', build: { output: 'README.md' } }] }, 'targets[0].build.output: must be a file inside .hotswap/'],
  ])('refuses %j', (file, expected) => {
    writeConfig(file);
    expect(usageErrorOf(() => resolveIn()).message).toContain(expected);
  });
});

describe('flags and environment at their edges', () => {
  it('accepts the bounds of a duration, and spaces around its digits', () => {
    expect(resolveIn({ debounce: '60000', minRestartInterval: '3600000' }).watch).toMatchObject({ debounceMs: 60_000, minRestartIntervalMs: 3_600_000 });
    expect(resolveIn({ debounce: ' 150 ' }).watch.debounceMs).toBe(150);
  });

  it('accepts --builder container with --force-builder (they agree), and --builder local alone', () => {
    expect(resolveIn({ forceBuilder: true, builder: 'container' }).build.mode).toBe('container');
    expect(resolveIn({ builder: 'local' }).build.mode).toBe('local');
  });

  it('refuses an empty --image, saying what it must be', () => {
    expect(resolveError({ image: ' ' }).message).toBe('invalid flags: --image: must name an image, like ollama/ollama');
  });

  it('turns rollback off with --no-rollback-on-fail, with or without verify', () => {
    expect(resolveIn({ rollbackOnFail: false }).target).toMatchObject({ verify: true, rollbackOnFail: false });
    expect(resolveIn({ rollbackOnFail: false, verify: false }).target).toMatchObject({ verify: false, rollbackOnFail: false });
  });

  it('says when it is the file that turned verify off under --rollback-on-fail', () => {
    writeConfig({ target: { verify: false } });
    expect(resolveError({ rollbackOnFail: true }).message).toBe(
      'invalid flags: --rollback-on-fail requires --verify (a rollback is decided by verifying), but target.verify is false in the config file',
    );
  });

  it('takes an empty HOTSWAP_LOG_LEVEL as unset, and lists the levels for a wrong one', () => {
    expect(resolveIn({}, { HOTSWAP_LOG_LEVEL: '' }).output.logLevel).toBe('info');
    const error = resolveError({}, { HOTSWAP_LOG_LEVEL: 'chatty' });
    expect(error.message).toBe("invalid environment: HOTSWAP_LOG_LEVEL: unknown log level 'chatty': use trace, debug, info, warn, error, fatal, silent");
    expect(error.hint).toBe('fix or unset these variables');
    expect(error.phase).toBe('config');
  });

  it('lists the levels for a wrong --log-level, and joins the hints of flag and environment problems', () => {
    const error = resolveError({ logLevel: 'loud' }, { HOTSWAP_LOG_LEVEL: 'chatty' });
    expect(error.message).toContain("--log-level: unknown log level 'loud': use trace, debug, info, warn, error, fatal, silent");
    expect(error.hint).toBe('fix these flags (hotswap <command> --help lists them); fix or unset these variables');
  });

  it('names the file key of a repo that does not exist, and of a build.output outside .hotswap/', () => {
    const file = writeConfig({ repo: 'missing', build: { output: 'go.mod' } });
    expect(resolveError().message).toBe(
      `invalid config ${file}: repo: ${path.join(dir, 'missing')} does not exist; build.output: must be a file inside .hotswap/, like .hotswap/bin/ollama-dev, not ${path.join(dir, 'missing', 'go.mod')}`,
    );
  });
});

describe('the builder image for an unusual go line', () => {
  it('takes the newest golang image when the go line names no minor release', () => {
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/m\n\ngo 1\n');
    expect(resolveIn().build.builderImage).toBe('golang:bookworm');
  });
});
