// Checks the test support itself: fixture repo, runtime image, container on a free port, HTTP and sha256.
import { afterAll, describe, expect, it } from 'vitest';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { containerSha256, dockerExec, removeContainer, startContainer } from '../support/docker.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

describe('test support', () => {
  const name = `hs-test-support-${process.pid}`;
  let repo: FixtureRepo | undefined;

  afterAll(async () => {
    await removeContainer(name);
    await repo?.remove();
  });

  it('makes a fixture repo with one commit', async () => {
    repo = await makeFixtureRepo();
    expect(await repo.git('rev-list', '--count', 'HEAD')).toBe('1');
    repo.setMessage('hello v2');
    expect(repo.read('server/message.go')).toContain('const Message = "hello v2"');
    expect(await repo.git('status', '--porcelain')).toBe('M server/message.go');
  });

  it('runs the runtime image on a free port', async () => {
    const port = await freePort();
    await startContainer({ name, port });
    expect(await getText(`http://127.0.0.1:${port}/api/hello`)).toEqual({ status: 200, body: 'hello v1' });
    expect((await getText(`http://127.0.0.1:${port}/api/version`)).body.trim()).toBe('{"version":"0.0.0"}');
    expect(await containerSha256(name)).toMatch(/^[0-9a-f]{64}$/);
    const ls = await dockerExec(name, ['stat', '-c', '%a', '/tmp']);
    expect(ls.stdout.trim()).toBe('1777');
  });
});
