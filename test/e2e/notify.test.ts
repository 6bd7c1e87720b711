// Notifications against the real thing: a private D-Bus, Xvfb and dunst, with dbus-monitor as the witness;
// and the failure modes a daemon meets in dev containers: no bus, a bus nobody serves, a server that hangs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/index.js';
import { newReport, type Report } from '../../src/report.js';
import { requireTools, startNotifyServer, type NotifyServer } from '../support/notify-server.js';

interface LogLine { level: number; msg: string }

function captureLog() {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as LogLine); } });
  return { log, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

const report = (fields: Partial<Report>): Report => ({ ...newReport('watch', 'ollama-gpu'), ...fields });
const swapped = report({ outcome: 'swapped', version: '0.0.0-hotswap.1a2b3c4d', sha256: 'ab'.repeat(32), totalMs: 2850 });
const buildFailed = report({
  outcome: 'failed',
  error: { message: 'go build failed', phase: 'build', details: '# example/server\nserver/routes.go:12:2: undefined: foo' },
});
const plainSkip = report({ outcome: 'skipped', plan: { rebuild: false, reason: 'no change since the last build', files: [], tree: 't', base: 't' } });

let tmp: string;
beforeAll(() => {
  requireTools(['notify-send']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-notify-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Alive and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits until a process is gone (a killed child is reaped a moment later on a loaded machine). */
async function gone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = Date.now();
  await run();
  return Date.now() - start;
}

describe('desktop notifications on a running notification server', () => {
  let server: NotifyServer;
  beforeAll(async () => { server = await startNotifyServer(); });
  afterAll(async () => { await server?.stop(); });

  it('delivers a swap notification with the version and total time', async () => {
    const { log, warnings } = captureLog();
    await createNotifier({ desktop: true, command: null }, log, { env: server.env }).notify(swapped);
    const out = await server.waitForMonitor('string "hotswap: swapped 0.0.0-hotswap.1a2b3c4d"');
    expect(out).toContain('member=Notify');
    expect(out).toContain('string "live in 2.9 s (ollama-gpu)"');
    expect(out).toContain('string "hotswap"'); // app name
    expect(warnings()).toEqual([]);
  });

  it('delivers a failed build with the first compiler lines', async () => {
    await createNotifier({ desktop: true, command: null }, captureLog().log, { env: server.env }).notify(buildFailed);
    const out = await server.waitForMonitor('string "hotswap: build failed"');
    expect(out).toContain('server/routes.go:12:2: undefined: foo');
  });

  it('sends nothing for a plain skip', async () => {
    const before = server.monitorOutput().split('member=Notify').length;
    const notifier = createNotifier({ desktop: true, command: null }, captureLog().log, { env: server.env });
    await notifier.notify(plainSkip);
    // A notification sent after the skip arrives after anything the skip sent: once it is on the bus, the
    // skip's turn has passed, and it must have added nothing.
    await notifier.notify({ ...swapped, version: '0.0.0-hotswap.after-skip' });
    await server.waitForMonitor('string "hotswap: swapped 0.0.0-hotswap.after-skip"');
    expect(server.monitorOutput().split('member=Notify').length).toBe(before + 1);
  });

  it('gives up after 3 s on a server that hangs, kills notify-send, and stops trying', async () => {
    // A notify-send that never returns, as with a notification server that accepts the call and never answers.
    const bin = fs.mkdtempSync(path.join(tmp, 'bin-'));
    const pidFile = path.join(bin, 'pid');
    fs.writeFileSync(path.join(bin, 'notify-send'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`, { mode: 0o755 });
    const env = { ...server.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
    const { log, warnings } = captureLog();
    const notifier = createNotifier({ desktop: true, command: null }, log, { env });
    // The give-up is a timer: it cannot fire early, and a late one is the machine's load, not a bug.
    expect(await timed(() => notifier.notify(swapped))).toBeGreaterThanOrEqual(2900);
    expect(await gone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true);
    expect(warnings()).toEqual(['no notification server (no answer within 3.0 s); desktop notifications off']);
    fs.rmSync(pidFile);
    await notifier.notify(swapped); // stops trying: no notify-send is started again
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(warnings()).toHaveLength(1);
  });
});

describe('desktop notifications without a notification server', () => {
  it('says once that there is no D-Bus session, without spawning anything', async () => {
    const { log, warnings } = captureLog();
    // A notify-send that leaves a mark if it is ever started.
    const bin = fs.mkdtempSync(path.join(tmp, 'bin-'));
    const mark = path.join(bin, 'started');
    fs.writeFileSync(path.join(bin, 'notify-send'), `#!/bin/sh\ntouch '${mark}'\n`, { mode: 0o755 });
    const notifier = createNotifier({ desktop: true, command: null }, log, { env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } });
    await notifier.notify(swapped);
    await notifier.notify(buildFailed);
    expect(fs.existsSync(mark)).toBe(false);
    expect(warnings()).toEqual([
      'no notification server (no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set); desktop notifications off',
    ]);
  });

  it('says once when the bus address points nowhere', async () => {
    const { log, warnings } = captureLog();
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(tmp, 'no-such-bus')}` };
    const notifier = createNotifier({ desktop: true, command: null }, log, { env });
    await notifier.notify(swapped);
    await notifier.notify(swapped);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/^no notification server \(.*Could not connect.*\); desktop notifications off$/);
  });

  it('says once when nobody on the bus serves notifications', async () => {
    const bus = await startNotifyServer({ dunst: false });
    try {
      const { log, warnings } = captureLog();
      const notifier = createNotifier({ desktop: true, command: null }, log, { env: bus.env });
      await notifier.notify(swapped);
      await notifier.notify(swapped);
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toContain('org.freedesktop.Notifications');
    } finally {
      await bus.stop();
    }
  });
});

describe('notify.command', () => {
  const notifierWith = (command: string[], log = captureLog().log) =>
    createNotifier({ desktop: false, command }, log, { commandTimeoutMs: 500 });
  const node = (script: string, ...args: string[]) => [process.execPath, '-e', script, ...args];

  it('runs the argv without a shell, with the report as JSON on stdin', async () => {
    const out = path.join(tmp, 'report.json');
    await notifierWith(node("require('fs').writeFileSync(process.argv[1], require('fs').readFileSync(0))", out)).notify(swapped);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(swapped);
  });

  it('is not run for a plain skip', async () => {
    const out = path.join(tmp, 'skip.json');
    await notifierWith(node("require('fs').writeFileSync(process.argv[1], 'ran')", out)).notify(plainSkip);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('logs a failing command with its last stderr line', async () => {
    const { log, warnings } = captureLog();
    await notifierWith(node("console.error('details'); console.error('boom'); process.exit(3)"), log).notify(buildFailed);
    expect(warnings()).toEqual([`notify.command: ${process.execPath} exited with 3: boom`]);
  });

  it('logs a command that does not exist', async () => {
    const { log, warnings } = captureLog();
    await notifierWith(['/nonexistent/hotswap-hook'], log).notify(swapped);
    expect(warnings()).toEqual(['notify.command: /nonexistent/hotswap-hook not found']);
  });

  it('kills a command that hangs once its time is up', async () => {
    const pidFile = path.join(tmp, 'hook.pid');
    const { log, warnings } = captureLog();
    const hang = node("require('fs').writeFileSync(process.argv[1], String(process.pid)); setTimeout(() => {}, 60000)", pidFile);
    await notifierWith(hang, log).notify(swapped); // a hang would keep this from resolving (the test times out)
    expect(await gone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true);
    expect(warnings()).toEqual([`notify.command: ${process.execPath} ran longer than 0.5 s and was killed`]);
  });
});
