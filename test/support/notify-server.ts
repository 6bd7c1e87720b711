// A real desktop notification stack for tests: a private D-Bus session bus, Xvfb, dunst, and dbus-monitor
// recording what reaches org.freedesktop.Notifications. Everything it starts it stops by pid; a missing tool
// fails the suite with the package to install, never skips it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TOOLS: Record<string, string> = {
  'dbus-daemon': 'dbus-daemon', 'dbus-monitor': 'dbus-bin', 'dbus-send': 'dbus-bin', Xvfb: 'xvfb', dunst: 'dunst',
  'notify-send': 'libnotify-bin',
};

// A session bus of our own, with no service directories: nothing is activated behind the test's back, so
// every process on it is one this harness started. eavesdrop lets dbus-monitor see method calls.
const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=@DIR@</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>`;

export interface NotifyServer {
  /** process.env plus DBUS_SESSION_BUS_ADDRESS and DISPLAY pointing at this stack. */
  readonly env: NodeJS.ProcessEnv;
  readonly address: string;
  /** Everything dbus-monitor printed so far. */
  monitorOutput(): string;
  /** Waits until dbus-monitor has printed `text`; returns the whole output. */
  waitForMonitor(text: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function requireTools(names: readonly string[]): void {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  const missing = names.filter((n) => !dirs.some((d) => fs.existsSync(path.join(d, n))));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((n) => TOOLS[n] ?? n))].join(' ');
    throw new Error(`notification tests need ${missing.join(', ')}: apt-get install ${pkgs}`);
  }
}

/** Resolves with the first line a child prints on stdout. */
function firstLine(child: ChildProcess, what: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} printed nothing in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); resolve(out.slice(0, nl).trim()); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}): ${err}`)); });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function dbusSend(address: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('dbus-send', [`--bus=${address}`, '--print-reply', ...args], { timeout: 5000 }, (_e, stdout, stderr) => resolve(stdout + stderr));
  });
}

async function until(what: () => string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(50);
  }
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
};

/** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signal(pid, 'SIGTERM');
  const timer = setTimeout(() => signal(pid, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Starts the bus and dbus-monitor; with `dunst` (the default) also Xvfb and dunst, so notifications are shown. */
export async function startNotifyServer(options: { dunst?: boolean } = {}): Promise<NotifyServer> {
  const withDunst = options.dunst ?? true;
  requireTools(['dbus-daemon', 'dbus-monitor', 'dbus-send', ...(withDunst ? ['Xvfb', 'dunst'] : [])]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotswap-notify-'));
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.writeFileSync(path.join(dir, 'bus.conf'), BUS_CONFIG.replace('@DIR@', dir));
    const bus = start('dbus-daemon', [`--config-file=${path.join(dir, 'bus.conf')}`, '--nofork', '--print-address=1']);
    const address = await firstLine(bus, 'dbus-daemon');
    let env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
    if (withDunst) {
      // -displayfd: Xvfb picks a free display itself and prints its number once it accepts clients.
      const display = `:${await firstLine(start('Xvfb', ['-displayfd', '1', '-screen', '0', '640x480x24', '-nolisten', 'tcp']), 'Xvfb')}`;
      env = { ...env, DISPLAY: display };
      const dunst = start('dunst', [], env);
      let dunstLog = '';
      dunst.stderr?.on('data', (d: Buffer) => { dunstLog += d.toString(); });
      dunst.stdout?.on('data', (d: Buffer) => { dunstLog += d.toString(); });
      const owned = (out: string) => out.includes('boolean true');
      await until(() => `dunst to own org.freedesktop.Notifications (exit ${dunst.exitCode}): ${dunstLog}`, async () => owned(await dbusSend(address, [
        '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.Notifications',
      ])));
    }
    const monitor = start('dbus-monitor', [`--address`, address, "interface='org.freedesktop.Notifications'"]);
    let output = '';
    monitor.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
    // Probe until the monitor shows it: from then on it sees every call.
    await until(() => 'dbus-monitor to see calls', async () => {
      await dbusSend(address, ['--dest=org.freedesktop.Notifications', '/org/freedesktop/Notifications', 'org.freedesktop.Notifications.GetServerInformation']);
      return output.includes('member=GetServerInformation');
    });
    const waitForMonitor = async (text: string, timeoutMs = 10_000) => {
      await until(() => `"${text}" on the bus; dbus-monitor saw:\n${output}`, () => output.includes(text), timeoutMs);
      return output;
    };
    return { env, address, monitorOutput: () => output, waitForMonitor, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
