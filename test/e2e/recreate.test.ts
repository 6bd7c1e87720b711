/**
 * A missing container made from `target.image` when the image is bare, as a `docker import` of a root file
 * system is (the ollama trial's image): no CMD, no ENTRYPOINT and no binary at target.binaryPath. hotswap
 * creates the container without starting it, puts the new binary in through the archive API, then starts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { docker, removeContainer, run, RUNTIME_IMAGE } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-recreate';
const BARE = 'hotswap-test/bare:latest';
let repo: FixtureRepo;
let port: number;

const configure = (command?: string[]) => writeTestConfig(repo.dir, {
  container: NAME, port, image: BARE, extra: command ? { target: { create: { command } } } : {},
});

/** The runtime image without its binary, flattened by export/import: no CMD, no ENTRYPOINT, no ENV. */
async function buildBareImage(): Promise<void> {
  const source = `${NAME}-source`;
  await removeContainer(source);
  const made = await docker(['create', '--name', source, '--label', 'hotswap.test=1', RUNTIME_IMAGE]);
  expect(made.code, made.stderr).toBe(0);
  // export | tar --delete | import, with the binary taken out of the stream.
  const flat = await run('sh', ['-c',
    `docker export ${source} | tar --delete -f - usr/bin/ollama | docker import --change 'LABEL hotswap.test=1' - ${BARE}`]);
  expect(flat.code, flat.stderr).toBe(0);
  await removeContainer(source);
}

beforeAll(async () => {
  repo = await makeFixtureRepo();
  port = await freePort();
  await buildBareImage();
});

afterAll(async () => {
  await removeContainer(NAME);
  await docker(['image', 'rm', '-f', BARE]);
  await repo?.remove();
});

describe('a container created from a bare image', () => {
  it('is refused with exit 2 and the fix when the image has no command, and nothing is left behind', async () => {
    configure();
    const result = await runCli(['swap'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^hotswap: failed \(config\): creating container hs-test-recreate from hotswap-test\/bare:latest: .*no command specified/im);
    expect(result.stderr).toContain('set target.create.command, e.g. ["/usr/bin/ollama", "serve"]');
    expect((await docker(['inspect', NAME])).code).not.toBe(0);
  });

  it('is named by doctor when created and never started, with the swap as the fix', async () => {
    configure(['/usr/bin/ollama', 'serve']);
    expect((await docker(['create', '--name', NAME, '--network', 'host', '--label', 'hotswap.test=1', BARE, '/usr/bin/ollama', 'serve'])).code).toBe(0);
    try {
      const r = await runCli(['doctor'], { cwd: repo.dir });
      expect(r.stdout).toMatch(/^WARN container +hs-test-recreate is created → hotswap swap \(puts the new binary in and starts it\)$/m);
    } finally {
      await removeContainer(NAME);
    }
  });

  it('gets the new binary before its first start, and serves it', async () => {
    expect((await run('sh', ['-c', `docker image inspect -f '{{json .Config.Cmd}}' ${BARE}`])).stdout.trim()).toBe('null');
    configure(['/usr/bin/ollama', 'serve']);
    repo.setMessage('hello from a bare image');
    const result = await runCli(['swap', '--json'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`creating ${NAME} from ${BARE}`);
    expect(JSON.parse(result.stdout).outcome).toBe('swapped');
    expect((await getText(`http://127.0.0.1:${port}/api/hello`)).body).toBe('hello from a bare image');
  });
});
