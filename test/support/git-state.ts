// What a user's repo shows them, to prove a command left it alone: HEAD, the index file byte for byte, the
// work tree's status, one file's content and the user's own `git bisect` (none: '').
import fs from 'node:fs';
import path from 'node:path';
import type { FixtureRepo } from './fixture.js';

export const userGitState = async (repo: FixtureRepo, file = 'server/message.go') => ({
  head: await repo.git('rev-parse', 'HEAD'),
  index: fs.readFileSync(path.join(repo.dir, '.git', 'index')).toString('base64'),
  // --no-optional-locks: status must not refresh the index it is checking.
  status: await repo.git('--no-optional-locks', 'status', '--porcelain', '--untracked-files=all'),
  content: repo.read(file),
  bisectLog: await repo.git('bisect', 'log').catch(() => ''),
});
