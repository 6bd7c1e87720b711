/** Facts about Go toolchains and what a repo asks of them: pure, shared by the planner, the builders and doctor. */

export interface HostTools {
  readonly go: boolean;
  /** `go version`'s "1.19.8", null when unknown. */
  readonly goVersion: string | null;
  /** go.mod's `go` line ("1.24", "1.22.3"), null when there is none. */
  readonly goModVersion: string | null;
  /** A C compiler: $CC, gcc or cc on PATH. */
  readonly cc: boolean;
  readonly ccName: string;
}

/** Go's own default: cgo is on unless CGO_ENABLED=0 (build.env wins over the environment). */
export const cgoEnabled = (buildEnv: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): boolean =>
  (buildEnv.CGO_ENABLED ?? env.CGO_ENABLED ?? '1') !== '0';

/** Compares dotted Go versions numerically: 1.9 < 1.19 < 1.19.8 < 1.24. */
export function goVersionAtLeast(have: string, want: string): boolean {
  const a = have.split('.').map(Number);
  const b = want.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** "go version go1.19.8 linux/amd64" → "1.19.8"; go.mod's "go 1.24" line → "1.24". */
export const parseGoVersion = (output: string): string | null => /\bgo(\d+(?:\.\d+)*)/.exec(output)?.[1] ?? null;
export const parseGoModVersion = (gomod: string): string | null => /^go\s+(\d+(?:\.\d+)*)\s*$/m.exec(gomod)?.[1] ?? null;

/** Why the local Go cannot answer `go list` for this repo, or null when it can. */
export function whyLocalGoCannotAnswer(tools: HostTools): string | null {
  if (!tools.go) return '`go` is not on PATH';
  if (tools.goVersion === null) return '`go version` did not say which Go it is';
  if (tools.goModVersion && !goVersionAtLeast(tools.goVersion, tools.goModVersion)) {
    return `the local Go ${tools.goVersion} is older than go.mod's go ${tools.goModVersion}`;
  }
  return null;
}

/** The local toolchain can answer for this repo: go is there and at least go.mod's go line. */
export const localGoCanAnswer = (tools: HostTools): boolean => whyLocalGoCannotAnswer(tools) === null;

/** The go binary PATH finds: where it resolves to (symlinks followed), and what changes when it is replaced. */
export interface GoBinary {
  readonly path: string;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** What `go version` answers from: that binary, and the variables that pick another toolchain or root. */
export const goVersionKey = (go: GoBinary, env: NodeJS.ProcessEnv): string =>
  JSON.stringify([go.path, go.ino, go.size, go.mtimeMs, env.GOTOOLCHAIN ?? '', env.GOROOT ?? '']);

/** The saved answer (`{ key, version }`) when it was saved for `key`, else undefined: ask go. */
export function savedGoVersion(saved: unknown, key: string): string | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const { key: savedKey, version } = saved as Record<string, unknown>;
  return savedKey === key && typeof version === 'string' ? version : undefined;
}
