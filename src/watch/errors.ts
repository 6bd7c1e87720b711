/** Watcher failures turned into advice: the kernel's limits are the usual cause. Pure. */
import { environmentError, HotswapError, messageOf } from '../errors.js';

const codeOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;

export function watchError(e: unknown, repo: string): HotswapError {
  if (e instanceof HotswapError) return e;
  switch (codeOf(e)) {
    case 'ENOSPC':
      // inotify reports "no space" when the per-user watch limit is reached (one watch per file and dir).
      return environmentError(`watching ${repo}: the system ran out of inotify watches`, {
        hint: 'raise fs.inotify.max_user_watches (sudo sysctl fs.inotify.max_user_watches=524288), '
          + 'ignore big directories in watch.ignore, or set watch.poll: true',
        cause: e,
      });
    case 'EMFILE':
      return environmentError(`watching ${repo}: too many open files or inotify instances`, {
        hint: 'raise fs.inotify.max_user_instances (sudo sysctl fs.inotify.max_user_instances=512) or ulimit -n',
        cause: e,
      });
    default:
      return environmentError(`watching ${repo}: ${messageOf(e)}`, { cause: e });
  }
}
