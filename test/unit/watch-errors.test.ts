import { describe, expect, it } from 'vitest';
import { HotswapError } from '../../src/errors.js';
import { watchError } from '../../src/watch/errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: failed, watch '/repo/x'`), { code });

describe('watchError', () => {
  it('turns inotify ENOSPC into the max_user_watches hint', () => {
    const error = watchError(errno('ENOSPC'), '/repo');
    expect(error).toBeInstanceOf(HotswapError);
    expect(error.message).toBe('watching /repo: the system ran out of inotify watches');
    expect(error.hint).toContain('fs.inotify.max_user_watches');
    expect(error.hint).toContain('watch.poll');
  });

  it('turns EMFILE into the max_user_instances hint', () => {
    expect(watchError(errno('EMFILE'), '/repo').hint).toContain('fs.inotify.max_user_instances');
  });

  it('names the action for anything else and keeps the cause', () => {
    const cause = errno('EACCES');
    const error = watchError(cause, '/repo');
    expect(error.message).toBe("watching /repo: EACCES: failed, watch '/repo/x'");
    expect(error.cause).toBe(cause);
  });
});
