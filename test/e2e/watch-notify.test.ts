/**
 * Notifications from the real CLI: `hotswap watch` on a real D-Bus + Xvfb + dunst session (dbus-monitor is
 * the witness), and a swap with desktop notifications on but no D-Bus at all, which must still succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { waitForText } from '../support/http.js';
import { startNotifyServer, type NotifyServer } from '../support/notify-server.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-notify';
let repo: FixtureRepo;
let port: number;
let server: NotifyServer;

beforeAll(async () => {
  server = await startNotifyServer();
  repo = await makeFixtureRepo();
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port, extra: { notify: { desktop: true } } });
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await server?.stop();
  await removeContainer(NAME);
  await repo?.remove();
});

describe('notifications from hotswap itself', () => {
  it('sends a desktop notification for a swap made by watch, a build error, and an image-only change', async () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: server.env.DBUS_SESSION_BUS_ADDRESS!, DISPLAY: server.env.DISPLAY ?? '' };
    const daemon = startCli(['watch'], { cwd: repo.dir, env });
    try {
      const out = await server.waitForMonitor('string "hotswap: swapped 0.0.0-hotswap.', 30_000);
      expect(out).toContain('member=Notify');
      repo.write('server/message.go', `${repo.read('server/message.go')}\nfunc broken( {\n`);
      const failed = await server.waitForMonitor('syntax error', 30_000);
      expect(failed).toMatch(/server\/message\.go:\d+:\d+: syntax error/);
      repo.write('server/message.go', 'package server\n\nconst Message = "fixed"\n');
      await waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === 'fixed', 30_000);
      repo.write('Dockerfile', 'FROM scratch\n');
      const image = await server.waitForMonitor('hotswap: image rebuild needed', 30_000);
      expect(image).toContain('rebuild the image for: Dockerfile');
    } finally {
      expect((await daemon.stop('SIGTERM')).code).toBe(0);
    }
  });

  it('swaps fine with desktop notifications on and no D-Bus session at all', async () => {
    repo.write('server/message.go', 'package server\n\nconst Message = "no bus"\n');
    const result = await runCli(['swap'], { cwd: repo.dir, env: { DBUS_SESSION_BUS_ADDRESS: '', XDG_RUNTIME_DIR: '/nonexistent' } });
    expect(result.code, result.stderr).toBe(0);
    await waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === 'no bus', 10_000);
  });
});
