/**
 * Pure decisions of the builders: which one `auto` picks, which local failures are the toolchain's
 * (fall back to the container) rather than the code's (report them), and when the source is synced.
 */

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

export interface Choice {
  readonly builder: 'local' | 'container';
  readonly reason: string;
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

export function chooseBuilder(tools: HostTools, cgo: boolean): Choice {
  if (!tools.go) return { builder: 'container', reason: 'auto: `go` is not on PATH, using the builder container' };
  // Go before 1.21 does not check go.mod's line and fails with confusing compile errors instead.
  if (tools.goVersion && tools.goModVersion && !goVersionAtLeast(tools.goVersion, tools.goModVersion)) {
    return { builder: 'container', reason: `auto: the local Go ${tools.goVersion} is older than go.mod's go ${tools.goModVersion}, using the builder container` };
  }
  if (cgo && !tools.cc) {
    return { builder: 'container', reason: `auto: cgo is on and no C compiler (${tools.ccName}) is on PATH, using the builder container` };
  }
  return { builder: 'local', reason: 'auto: the local Go toolchain' };
}

/**
 * Output of a failed local build that says the toolchain, not the code, is wrong. Compile errors in the
 * user's code must never match: the container would fail the same way, only slower.
 */
const TOOLCHAIN_FAILURES: readonly [RegExp, string][] = [
  [/no Go toolchain: `go` is not on PATH/, '`go` is not on PATH'],
  [/go\.mod requires go >= ?\S+/, 'the local Go is older than go.mod requires'],
  [/note: module requires Go \S+/, 'the local Go is older than the module requires'],
  [/toolchain not available|go: downloading go\d/, 'the Go toolchain go.mod asks for is not available'],
  [/cgo: C compiler "[^"]*" not found|exec: "[^"]*(gcc|cc|clang)[^"]*": executable file not found/, 'no C compiler for cgo'],
  [/fatal error: [^:\n]+\.(h|hpp|hh): No such file or directory/, 'a C header is missing on this host'],
  [/cannot find GOROOT|go: cannot find main module.*GOROOT/, 'the local Go installation is broken'],
];

/** Why a failed local build is the toolchain's fault, or null when it is the code's. */
export function toolchainFailure(output: string): string | null {
  for (const [pattern, why] of TOOLCHAIN_FAILURES) {
    const match = output.match(pattern);
    if (match) return `${why} (${match[0]})`;
  }
  return null;
}

/** Sync instead of a bind mount when asked to, or when the engine is remote (tcp/ssh: its disk is not ours). */
export function useSync(sync: boolean, dockerHost: string | undefined): boolean {
  return sync || (dockerHost !== undefined && dockerHost !== '' && !/^(unix|npipe):\/\//.test(dockerHost));
}

export const ARTIFACT_REPOSITORY = 'hotswap-artifact';

/** `<base>-hotswap.<tree8>` → `hotswap-artifact:<tree8>`: one tag per built tree. */
export function artifactTag(version: string | null): string {
  const tree8 = version?.match(/hotswap\.([0-9a-f]{8})$/)?.[1];
  return `${ARTIFACT_REPOSITORY}:${tree8 ?? 'unstamped'}`;
}

/** Does the Dockerfile take the version stamp (`ARG HOTSWAP_LDFLAGS`, with or without a default)? */
export const declaresLdflagsArg = (dockerfile: string): boolean => /^\s*ARG\s+HOTSWAP_LDFLAGS(\s*=|\s|$)/im.test(dockerfile);

export type BuilderAction = 'create' | 'recreate' | 'start' | 'ready' | 'foreign';

/** Every builder hotswap creates carries it (builder-engine.ts): a container without it is the user's. */
export const BUILDER_LABEL = 'hotswap.builder';

/** The builder's source mode, kept as a label: a bind-mounted /src must never receive a sync (it is the repo). */
export const SOURCE_LABEL = 'hotswap.source';

interface BuilderFacts { readonly imageId: string; readonly running: boolean; readonly labels: Readonly<Record<string, string>> }

/**
 * What the persistent builder container needs: it follows its image and the source mode (bind or sync),
 * and is kept running between builds. A container of that name that hotswap did not create is never
 * removed, recreated or used ('foreign').
 */
export function builderAction(state: BuilderFacts | null, imageId: string, source: 'bind' | 'sync'): BuilderAction {
  if (!state) return 'create';
  if (state.labels[BUILDER_LABEL] === undefined) return 'foreign';
  if (state.imageId !== imageId || state.labels[SOURCE_LABEL] !== source) return 'recreate';
  return state.running ? 'ready' : 'start';
}
