/** What a run's notification says. Pure: Report in, text out. */
import type { Report } from '../report.js';

export interface Notification {
  readonly title: string;
  readonly message: string;
}

/** A notification is a glance: the first compiler lines, not the whole log (the terminal has that). */
const MAX_LINES = 5;
const MAX_CHARS = 500;
const IMAGE_REBUILD = 'image rebuild needed';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function clip(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const head = lines.slice(0, MAX_LINES).join('\n');
  const more = lines.length > MAX_LINES ? '\n…' : '';
  return head.length > MAX_CHARS ? `${head.slice(0, MAX_CHARS - 1)}…` : head + more;
}

function failure(report: Report): Notification {
  const phase = report.error?.phase;
  const title = `hotswap: ${phase ? `${phase} failed` : 'run failed'}`;
  const text = report.error?.details?.trim() ? report.error.details : (report.error?.message ?? 'no error message');
  return { title, message: clip(text) };
}

/** The notification for a run, or null when there is nothing worth interrupting someone for. */
export function notificationFor(report: Report): Notification | null {
  switch (report.outcome) {
    case 'swapped': {
      const what = report.version ?? (report.sha256 ? `sha256 ${report.sha256.slice(0, 12)}` : 'a new binary');
      return { title: `hotswap: swapped ${what}`, message: `live in ${seconds(report.totalMs)} (${report.container})` };
    }
    case 'failed':
      return failure(report);
    case 'rolled-back':
      return {
        title: 'hotswap: rolled back',
        message: clip(`${report.error?.message ?? 'the new binary failed its checks'}\nthe previous binary is serving again`),
      };
    case 'skipped': {
      const reason = report.plan?.reason ?? '';
      if (!reason.startsWith(IMAGE_REBUILD)) return null; // a plain skip (docs, tests, no change) is noise
      const files = reason.slice(IMAGE_REBUILD.length).replace(/^:\s*/, '');
      return { title: `hotswap: ${IMAGE_REBUILD}`, message: clip(`not swapped; rebuild the image for: ${files || 'image inputs'}`) };
    }
    case 'planned':
      return null;
  }
}
