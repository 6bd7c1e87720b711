/**
 * The notifier stage: Report → desktop notification and `notify.command`. Invariant: a notification failure
 * never fails a run, so `notify` never rejects and every failure ends as a log line.
 */
import type { NotifyConfig } from '../config/types.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Report } from '../report.js';
import { runNotifyCommand } from './command.js';
import { createDesktopNotifier } from './desktop.js';
import { notificationFor } from './message.js';

export { notificationFor, type Notification } from './message.js';

export interface Notifier {
  notify(report: Report): Promise<void>;
}

export interface NotifierOptions {
  /** The environment notify-send and the command run with (tests point it at their own D-Bus). */
  readonly env?: NodeJS.ProcessEnv;
  readonly desktopTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
}

export function createNotifier(config: NotifyConfig, log: Logger, options: NotifierOptions = {}): Notifier {
  const desktop = config.desktop ? createDesktopNotifier(log, { env: options.env, timeoutMs: options.desktopTimeoutMs }) : null;
  const command = config.command && config.command.length > 0 ? config.command : null;

  async function deliver(report: Report): Promise<void> {
    // The command hears about the same runs as the desktop: plain skips are not news to either.
    const notification = notificationFor(report);
    if (!notification) return;
    await Promise.all([
      desktop?.show(notification),
      command && runNotifyCommand(command, report, log, { env: options.env, timeoutMs: options.commandTimeoutMs }),
    ]);
  }

  return {
    async notify(report) {
      try {
        await deliver(report);
      } catch (e) {
        log.warn({ err: e }, `notification failed: ${messageOf(e)}`); // belt and braces: the parts do not throw
      }
    },
  };
}
