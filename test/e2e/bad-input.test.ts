/**
 * Bad input and a missing environment, through the real CLI in a real fixture repo: the exact
 * exit code (2 bad input, 3 environment missing), one `hotswap: …` line on stderr that names the problem,
 * and never a stack trace. No test here builds anything; only the few marked ones reach the Docker engine.
 * Groups that never reach Docker run concurrently: each test is one short CLI process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLinesOf, runCli, type CliResult } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { ENGINE_HOST, removeContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { freePort } from '../support/ports.js';

/** A Docker socket that does not exist: anything that reaches Docker fails with exit 3. */
const NO_DOCKER = { DOCKER_HOST: 'unix:///tmp/nonexistent.sock' };
/** A container that never exists (the config names no image, so hotswap cannot create it either). */
const MISSING = `hs-bad-missing-${process.pid}`;
const NO_SUCH_IMAGE = `hs-bad/no-such-image-${process.pid}:latest`;

let repo: FixtureRepo;
let plainDir: string;

beforeAll(async () => {
  repo = await makeFixtureRepo();
  const port = await freePort();
  writeTestConfig(repo.dir, { container: MISSING, port, image: null });
  plainDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-plain-'));
  writeTestConfig(plainDir, { container: MISSING, port, image: null });
  await removeContainer(MISSING);
});

afterAll(async () => {
  await removeContainer(MISSING);
  await repo?.remove();
  if (plainDir) fs.rmSync(plainDir, { recursive: true, force: true });
});

/** Runs the CLI in the fixture repo (or `cwd`), with extra environment. */
const hotswap = (args: string[], { env = {}, cwd = repo.dir }: { env?: Record<string, string>; cwd?: string } = {}) =>
  runCli(args, { cwd, env, timeoutMs: 30_000 });

/** Writes a config file (an object as JSON, a string verbatim) under bad/ in the repo; returns its relative path. */
function badConfig(name: string, content: unknown): string {
  const rel = path.join('bad', `${name}.json`);
  repo.write(rel, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return rel;
}

/**
 * The contract for every failure: the exit code, one `hotswap: ` line, optionally followed by one `hint: ` line,
 * together containing each of `parts`; no stack trace, and nothing on stdout. With `only`, those lines are all
 * stderr holds (bad input prints nothing else). Returns the two lines joined.
 */
function expectFailure(result: CliResult, code: 2 | 3, parts: string[], { only = false } = {}): string {
  const shown = `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`;
  expect(result.timedOut, shown).toBeFalsy();
  expect(result.code, shown).toBe(code);
  const errors = errorLinesOf(result.stderr);
  expect(errors, shown).toHaveLength(1);
  const said = errors[0]!;
  for (const part of parts) expect(said, shown).toContain(part);
  if (only) expect(result.stderr.trimEnd(), shown).toBe(said);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
  return said;
}

describe.concurrent('a bad config file exits 2 and names the problem', () => {
  it('gives the line and column of malformed JSON', async () => {
    const file = badConfig('trailing-comma', '{\n  "target": {\n    "container": "x",\n  }\n}\n');
    const result = await hotswap(['swap', '--config', file]);
    expectFailure(result, 2, ['not valid JSON', 'at line 4, column 3', 'trailing-comma.json'], { only: true });
  });

  it('names the full key path of an unknown nested key', async () => {
    const file = badConfig('unknown-key', { target: { health: { foo: 1 } } });
    const result = await hotswap(['swap', '--config', file]);
    expectFailure(result, 2, ['target.health.foo: unknown key'], { only: true });
  });

  it('says what type a key must have and what it got', async () => {
    const file = badConfig('wrong-type', { target: { restart: 'yes' } });
    const result = await hotswap(['swap', '--config', file]);
    expectFailure(result, 2, ['target.restart: must be true or false, not "yes"'], { only: true });
  });

  it('refuses a negative watch.debounceMs', async () => {
    const file = badConfig('negative-debounce', { watch: { debounceMs: -5 } });
    const result = await hotswap(['swap', '--config', file]);
    expectFailure(result, 2, ['watch.debounceMs: must be >= 0'], { only: true });
  });

  it('refuses a relative target.binaryPath', async () => {
    const file = badConfig('relative-binary', { target: { binaryPath: 'usr/bin/ollama' } });
    const result = await hotswap(['swap', '--config', file]);
    expectFailure(result, 2, ['target.binaryPath: must be an absolute path'], { only: true });
  });

  it('lists every bad key path, not only the first', async () => {
    const file = badConfig('three-problems', {
      watch: { debounceMs: -1 },
      target: { restart: 'yes', health: { foo: 1 } },
    });
    const result = await hotswap(['swap', '--config', file]);
    expectFailure(result, 2, ['watch.debounceMs', 'target.restart', 'target.health.foo'], { only: true });
  });

  it('says when the --config file does not exist', async () => {
    const result = await hotswap(['swap', '--config', 'no-such-config.json']);
    expectFailure(result, 2, ['config file not found', path.join(repo.dir, 'no-such-config.json')], { only: true });
  });
});

describe.concurrent('bad flags exit 2 and name the flag', () => {
  it('refuses --rollback-on-fail with --no-verify', async () => {
    const result = await hotswap(['swap', '--rollback-on-fail', '--no-verify']);
    expectFailure(result, 2, ['--rollback-on-fail requires --verify'], { only: true });
  });

  it('refuses a container name Docker would refuse', async () => {
    const result = await hotswap(['swap', '--container', 'bad name!'], { env: NO_DOCKER });
    expectFailure(result, 2, ['--container "bad name!"', 'Docker container name'], { only: true });
  });

  it('refuses an unknown builder and lists the known ones', async () => {
    const result = await hotswap(['swap', '--builder', 'foo'], { env: NO_DOCKER });
    expectFailure(result, 2, ["unknown builder 'foo'", 'auto, local, container or artifact'], { only: true });
  });

  it('refuses an unknown flag', async () => {
    const result = await hotswap(['swap', '--bogus'], { env: NO_DOCKER });
    const said = expectFailure(result, 2, ["unknown option '--bogus'"], { only: true });
    expect(said).toBe("hotswap: unknown option '--bogus'\nhint: see hotswap swap --help");
  });

  it('suggests the flag a misspelt one meant, on the same line', async () => {
    const result = await hotswap(['swap', '--verfy'], { env: NO_DOCKER });
    expectFailure(result, 2, ["unknown option '--verfy'", 'Did you mean --verify?'], { only: true });
  });

  it('refuses a --prune that is not a whole number', async () => {
    const result = await hotswap(['backups', '--prune', 'abc'], { env: NO_DOCKER });
    expectFailure(result, 2, ["--prune takes a whole number, not 'abc'"], { only: true });
  });

  it('refuses a --main that is not a Go main package', async () => {
    const result = await hotswap(['swap', '--main', './server'], { env: NO_DOCKER });
    expectFailure(result, 2, ['--main ./server is not a Go main package'], { only: true });
  });

  it('refuses an unknown HOTSWAP_LOG_LEVEL', async () => {
    const result = await hotswap(['swap'], { env: { ...NO_DOCKER, HOTSWAP_LOG_LEVEL: 'loud' } });
    expectFailure(result, 2, ["HOTSWAP_LOG_LEVEL: unknown log level 'loud'"], { only: true });
  });
});

describe.concurrent('input is checked before Docker', () => {
  it('exits 2 for a directory that is not a git repository, even without Docker', async () => {
    const result = await hotswap(['swap'], { cwd: plainDir, env: NO_DOCKER });
    expectFailure(result, 2, [`${plainDir} is not inside a git repository`, 'git init'], { only: true });
  });

  it('exits 2 for a bad config even when Docker is unreachable too', async () => {
    const file = badConfig('bad-and-no-docker', { target: { health: { foo: 1 } } });
    const result = await hotswap(['swap', '--config', file], { env: NO_DOCKER });
    expectFailure(result, 2, ['target.health.foo: unknown key'], { only: true });
  });

  it('exits 2 for a bad flag even when Docker is unreachable too', async () => {
    const result = await hotswap(['backups', '--container', 'bad name!'], { env: NO_DOCKER });
    expectFailure(result, 2, ['--container "bad name!"'], { only: true });
  });
});

describe.concurrent('values beyond sane bounds, or that look like flags, exit 2', () => {
  it('refuses `rollback --to` with an empty name (it would restore the newest backup)', async () => {
    const result = await hotswap(['rollback', '--to', ''], { env: NO_DOCKER });
    expectFailure(result, 2, ['--to takes a name, not an empty string'], { only: true });
  });

  it('refuses a debounce above a minute, in the file and as a flag', async () => {
    const file = badConfig('huge-debounce', { watch: { debounceMs: 9007199254740991 } });
    expectFailure(await hotswap(['watch', '--config', file], { env: NO_DOCKER }), 2, ['watch.debounceMs: must be at most 60000 ms (a minute)'], { only: true });
    const flag = await hotswap(['watch', '--debounce', '9007199254740991'], { env: NO_DOCKER });
    expectFailure(flag, 2, ['--debounce "9007199254740991": must be a whole number of milliseconds from 0 to 60000'], { only: true });
  });

  it('refuses a health timeout above an hour', async () => {
    const file = badConfig('huge-timeout', { target: { health: { timeoutMs: 3_600_001 } } });
    expectFailure(await hotswap(['swap', '--config', file], { env: NO_DOCKER }), 2, ['target.health.timeoutMs: must be at most 3600000 ms (an hour)'], { only: true });
  });

  it('refuses an image name that starts with -, in the file and as a flag', async () => {
    const file = badConfig('flag-image', { target: { image: '--privileged' } });
    expectFailure(await hotswap(['swap', '--config', file], { env: NO_DOCKER }), 2, ['target.image: must be an image name'], { only: true });
    expectFailure(await hotswap(['swap', '--image=-v/:/host'], { env: NO_DOCKER }), 2, ['--image "-v/:/host": must be an image name'], { only: true });
  });

  it.each(['/', '/usr/bin/', '/usr/bin/oll\nama'])('refuses binaryPath %j before any build', async (binaryPath) => {
    const file = badConfig(`binary-${binaryPath.length}`, { target: { binaryPath } });
    expectFailure(await hotswap(['swap', '--config', file], { env: NO_DOCKER }), 2, ['target.binaryPath: must be an absolute path to a file'], { only: true });
  });
});

describe.concurrent('a cloned repo cannot make hotswap write outside .hotswap', () => {
  /** A fresh repo (the shared one must keep a usable .hotswap) and a directory outside it. */
  async function repoWith(setUp: (repo: FixtureRepo, outside: string) => void) {
    const own = await makeFixtureRepo();
    writeTestConfig(own.dir, { container: MISSING, port: 1, image: null });
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-outside-'));
    setUp(own, outside);
    return { own, outside, done: async () => { await own.remove(); fs.rmSync(outside, { recursive: true, force: true }); } };
  }

  it.each(['swap', 'plan', 'status'])('refuses a symlinked .hotswap for `%s`, and writes nothing where it points', async (command) => {
    const { own, outside, done } = await repoWith((r, out) => fs.symlinkSync(out, path.join(r.dir, '.hotswap')));
    try {
      const result = await hotswap([command], { cwd: own.dir, env: NO_DOCKER });
      expectFailure(result, 2, [`${path.join(own.dir, '.hotswap')} is a symbolic link (to ${outside})`], { only: true });
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      await done();
    }
  });

  it('refuses a symlinked .hotswap/hotswap.log, and the file it points to stays as it was', async () => {
    const { own, outside, done } = await repoWith((r, out) => {
      fs.writeFileSync(path.join(out, 'precious'), 'mine\n');
      fs.mkdirSync(path.join(r.dir, '.hotswap'));
      fs.symlinkSync(path.join(out, 'precious'), path.join(r.dir, '.hotswap', 'hotswap.log'));
    });
    try {
      const result = await hotswap(['swap'], { cwd: own.dir, env: NO_DOCKER });
      expectFailure(result, 2, ['hotswap.log is a symbolic link', 'never writes through a link'], { only: true });
      expect(fs.readFileSync(path.join(outside, 'precious'), 'utf8')).toBe('mine\n');
    } finally {
      await done();
    }
  });

  it.each(['go.mod', 'README.md', '../x'])('refuses build.output %s, and leaves that file as it was', async (output) => {
    const file = badConfig(`output-${output.replace(/\W/g, '')}`, { build: { output } });
    // '../x' lies in the shared temp dir, where anything may be called x: compare whatever is there.
    const contents = () => {
      const stat = fs.statSync(path.join(repo.dir, output), { throwIfNoEntry: false });
      return stat?.isFile() ? fs.readFileSync(path.join(repo.dir, output), 'utf8') : stat ? `not a file, mtime ${stat.mtimeMs}` : null;
    };
    const before = contents();
    const result = await hotswap(['swap', '--config', file, '--repo', '.'], { env: NO_DOCKER });
    expectFailure(result, 2, ['build.output: must be a file inside .hotswap/'], { only: true });
    expect(contents()).toBe(before);
  });
});

describe('a missing environment exits 3 and says what to do', () => {
  it('says Docker is unreachable when a swap cannot reach it', async () => {
    const result = await hotswap(['swap'], { env: NO_DOCKER });
    expectFailure(result, 3, ['Docker is not reachable', 'nonexistent.sock', 'DOCKER_HOST']);
  });

  it.each(['rollback', 'backups', 'logs'])('says Docker is unreachable for `%s`', async (command) => {
    const result = await hotswap([command], { env: NO_DOCKER });
    expectFailure(result, 3, ['Docker is not reachable', 'nonexistent.sock'], { only: true });
  });

  // These two reach the real engine, which has no container called MISSING.
  it('says how to get a container that is missing when no image is configured', async () => {
    const result = await hotswap(['swap']);
    expectFailure(result, 3, [`container ${MISSING} does not exist and no image is configured`, '--image']);
  });

  it('says an image to create the container from is not present', async () => {
    const result = await hotswap(['swap', '--image', NO_SUCH_IMAGE]);
    expectFailure(result, 3, [`image ${NO_SUCH_IMAGE} is not present`, 'build or pull']);
  });

  it("names a docker CLI config.json that is not JSON, and ignores it when DOCKER_HOST chooses the engine", async () => {
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-docker-config-'));
    fs.writeFileSync(path.join(config, 'config.json'), '{"currentContext": ');
    const broken = await hotswap(['swap'], { env: { DOCKER_HOST: '', DOCKER_CONTEXT: '', DOCKER_CONFIG: config } });
    expectFailure(broken, 3, [`cannot read the docker CLI's ${path.join(config, 'config.json')}`, 'DOCKER_HOST or --host']);
    const chosen = await hotswap(['swap'], { env: { DOCKER_HOST: ENGINE_HOST, DOCKER_CONFIG: config } });
    expectFailure(chosen, 3, [`container ${MISSING} does not exist`]);
  });
});

describe.concurrent('--help', () => {
  it.each(['swap', 'rollback', 'backups', 'logs', 'status'])('prints the usage of `%s` and exits 0', async (command) => {
    const result = await hotswap([command, '--help'], { env: NO_DOCKER });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: hotswap ${command} [options]`);
    expect(result.stdout).toContain('--config <file>');
    expect(result.stderr).toBe('');
  });
});
