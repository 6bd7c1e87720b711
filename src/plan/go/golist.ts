/**
 * The Go toolchain's own answer: `go list -deps -json` on the work tree, for one main package and build
 * context. Only files inside the repo count (the standard library and the module cache are not the
 * user's edits). Offline: GOPROXY=off and GOTOOLCHAIN=local, so it never downloads anything.
 */
import { execFile } from 'node:child_process';
import { relative, sep } from 'node:path';
import type { BuildContext } from './context.js';

interface ListedPackage {
  readonly Dir?: string;
  readonly ImportPath?: string;
  readonly Standard?: boolean;
  readonly [files: string]: unknown;
}

const FILE_LISTS = ['GoFiles', 'CgoFiles', 'CFiles', 'CXXFiles', 'HFiles', 'SFiles', 'MFiles', 'FFiles', 'SwigFiles', 'SwigCXXFiles', 'SysoFiles', 'EmbedFiles'];
const TIMEOUT_MS = 60_000;

/** `go list -json` prints one object after another, not an array. */
function parseObjects(stdout: string): ListedPackage[] {
  return stdout.split(/\n(?=\{)/).filter((chunk) => chunk.trim()).map((chunk) => JSON.parse(chunk) as ListedPackage);
}

export function goListEnv(context: BuildContext): NodeJS.ProcessEnv {
  const tags = context.tags.length ? ` -tags=${context.tags.join(',')}` : '';
  return {
    ...process.env, GOOS: context.goos, GOARCH: context.goarch, CGO_ENABLED: context.cgo ? '1' : '0',
    GOFLAGS: `${process.env.GOFLAGS ?? ''}${tags}`.trim(), GOPROXY: 'off', GOTOOLCHAIN: 'local',
  };
}

/** Repo-relative path → why, for every file `go build` would read from the repo. */
export function goListFiles(repo: string, main: string, context: BuildContext): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    // Only the fields read here (Go 1.19+ prints less and works less); no VCS stamping (two git runs fewer).
    const args = ['list', '-e', '-deps', '-buildvcs=false', `-json=Dir,ImportPath,Standard,${FILE_LISTS.join(',')}`, main];
    execFile('go', args, { cwd: repo, env: goListEnv(context), maxBuffer: 256 * 1024 * 1024, timeout: TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error && !stdout) return reject(new Error(`go list failed: ${stderr.trim() || error.message}`));
      const files = new Map<string, string>();
      for (const pkg of parseObjects(stdout)) {
        if (pkg.Standard || !pkg.Dir) continue;
        const dir = relative(repo, pkg.Dir);
        if (dir.startsWith('..')) continue;
        for (const list of FILE_LISTS) {
          for (const name of (pkg[list] as string[] | undefined) ?? []) {
            const path = (dir ? `${dir}/${name}` : name).split(sep).join('/');
            files.set(path, `in package ${pkg.ImportPath ?? dir} (go list)`);
          }
        }
      }
      resolve(files);
    });
  });
}
