import { describe, expect, it } from 'vitest';
import { artifactTag, declaresLdflagsArg } from '../../src/builders/artifact-tag.js';
import { builderAction } from '../../src/builders/builder-state.js';
import { chooseBuilder, toolchainFailure, useSync } from '../../src/builders/choose.js';
import { cgoEnabled, goVersionAtLeast, parseGoModVersion, parseGoVersion, whyLocalGoCannotAnswer } from '../../src/toolchain/go-version.js';
import { syncDelta } from '../../src/builders/sync.js';

const tools = (go: boolean, cc: boolean, goVersion: string | null = '1.24.1', goModVersion: string | null = '1.24') =>
  ({ go, cc, ccName: 'gcc/cc', goVersion, goModVersion });

describe('whyLocalGoCannotAnswer (go list)', () => {
  it('says why the local Go cannot list the packages, or nothing when it can', () => {
    expect(whyLocalGoCannotAnswer(tools(true, true))).toBeNull();
    expect(whyLocalGoCannotAnswer(tools(true, true, '1.24.1', null))).toBeNull();
    expect(whyLocalGoCannotAnswer(tools(false, true))).toBe('`go` is not on PATH');
    expect(whyLocalGoCannotAnswer(tools(true, true, null))).toBe('`go version` did not say which Go it is');
    expect(whyLocalGoCannotAnswer(tools(true, true, '1.21.0', '1.26'))).toBe("the local Go 1.21.0 is older than go.mod's go 1.26");
  });
});

describe('chooseBuilder (auto)', () => {
  it('builds locally when go is on PATH and cgo has a C compiler', () => {
    expect(chooseBuilder(tools(true, true), true).builder).toBe('local');
  });

  it('builds locally without a C compiler when cgo is off', () => {
    expect(chooseBuilder(tools(true, false), false).builder).toBe('local');
  });

  it('uses the builder container when go is missing, and says so', () => {
    const choice = chooseBuilder(tools(false, true), false);
    expect(choice).toEqual({ builder: 'container', reason: expect.stringContaining('`go` is not on PATH') });
  });

  it('uses the builder container when cgo is on and no C compiler is found', () => {
    const choice = chooseBuilder(tools(true, false), true);
    expect(choice.builder).toBe('container');
    expect(choice.reason).toContain('no C compiler (gcc/cc)');
  });
});

describe('the local Go against go.mod', () => {
  it('uses the builder container when the local Go is older than go.mod asks, and says both versions', () => {
    const choice = chooseBuilder(tools(true, true, '1.19.8', '1.24'), false);
    expect(choice.builder).toBe('container');
    expect(choice.reason).toContain('Go 1.19.8 is older than go.mod\'s go 1.24');
  });

  it('builds locally when the local Go is new enough, or either version is unknown', () => {
    expect(chooseBuilder(tools(true, true, '1.24.0', '1.24'), false).builder).toBe('local');
    expect(chooseBuilder(tools(true, true, null, '1.24'), false).builder).toBe('local');
    expect(chooseBuilder(tools(true, true, '1.19', null), false).builder).toBe('local');
  });

  it('compares versions numerically and parses go version and go.mod', () => {
    expect(goVersionAtLeast('1.19.8', '1.9')).toBe(true);
    expect(goVersionAtLeast('1.19', '1.19.1')).toBe(false);
    expect(parseGoVersion('go version go1.19.8 linux/amd64')).toBe('1.19.8');
    expect(parseGoModVersion('module x\n\ngo 1.22.3\n\nrequire y v1\n')).toBe('1.22.3');
  });
});

describe('cgoEnabled', () => {
  it('is on by default, like go itself', () => expect(cgoEnabled({}, {})).toBe(true));
  it('follows the environment', () => expect(cgoEnabled({}, { CGO_ENABLED: '0' })).toBe(false));
  it('lets build.env win over the environment', () => expect(cgoEnabled({ CGO_ENABLED: '1' }, { CGO_ENABLED: '0' })).toBe(true));
});

describe('toolchainFailure', () => {
  it.each([
    ['go: go.mod requires go >= 1.22 (running go 1.19.8; GOTOOLCHAIN=local)', 'older than go.mod'],
    ['note: module requires Go 1.22', 'older than the module'],
    ['# runtime/cgo\ncgo: C compiler "gcc" not found: exec: "gcc": executable file not found in $PATH', 'no C compiler'],
    ['ml/backend.go:3:10: fatal error: ggml.h: No such file or directory', 'C header is missing'],
    ['no Go toolchain: `go` is not on PATH', '`go` is not on PATH'],
  ])('blames the toolchain for %j', (output, why) => {
    expect(toolchainFailure(output)).toContain(why);
  });

  it.each([
    'server/routes.go:12:2: undefined: Foo',
    'server/message.go:4:7: Message redeclared in this block',
    './main.go:5:1: syntax error: non-declaration statement outside function body',
    'server/routes.go:3:8: package github.com/x/y is not in GOROOT',
  ])('blames the code for %j', (output) => {
    expect(toolchainFailure(output)).toBeNull();
  });
});

describe('useSync', () => {
  it('bind-mounts for a local unix socket', () => expect(useSync(false, 'unix:///var/run/docker.sock')).toBe(false));
  it('bind-mounts when DOCKER_HOST is unset', () => expect(useSync(false, undefined)).toBe(false));
  it('syncs when asked to', () => expect(useSync(true, undefined)).toBe(true));
  it('syncs for a remote engine', () => expect(useSync(false, 'tcp://10.0.0.2:2376')).toBe(true));
  it('syncs over ssh', () => expect(useSync(false, 'ssh://me@box')).toBe(true));
  it('bind-mounts for a local Windows named pipe', () => expect(useSync(false, 'npipe:////./pipe/docker_engine')).toBe(false));
});

describe('builderAction', () => {
  const labels = { 'hotswap.source': 'bind', 'hotswap.builder': 'ollama-build' };
  it('creates a missing builder', () => expect(builderAction(null, 'sha256:a', 'bind')).toBe('create'));
  it('starts a stopped one', () => expect(builderAction({ imageId: 'sha256:a', running: false, labels }, 'sha256:a', 'bind')).toBe('start'));
  it('reuses a running one', () => expect(builderAction({ imageId: 'sha256:a', running: true, labels }, 'sha256:a', 'bind')).toBe('ready'));
  it('recreates one whose image changed', () => expect(builderAction({ imageId: 'sha256:old', running: true, labels }, 'sha256:a', 'bind')).toBe('recreate'));
  it('recreates a bind-mounted one for sync mode (a sync must never write into the repo)', () => {
    expect(builderAction({ imageId: 'sha256:a', running: true, labels }, 'sha256:a', 'sync')).toBe('recreate');
  });
  it("never touches a container of that name that hotswap did not create, whatever its image", () => {
    const theirs = { 'hotswap.source': 'bind' };
    expect(builderAction({ imageId: 'sha256:old', running: true, labels: theirs }, 'sha256:a', 'bind')).toBe('foreign');
    expect(builderAction({ imageId: 'sha256:a', running: false, labels: {} }, 'sha256:a', 'bind')).toBe('foreign');
  });
});

describe('syncDelta', () => {
  it('sends everything the first time', () => {
    expect(syncDelta(null, { 'a.go': '1', 'b.go': '2' })).toEqual({ put: ['a.go', 'b.go'], remove: [] });
  });

  it('then only what changed, and removes what is gone', () => {
    const held = { 'a.go': '1', 'b.go': '2', 'gone.go': '3' };
    expect(syncDelta(held, { 'a.go': '1', 'b.go': '2*', 'new.go': '4' })).toEqual({ put: ['b.go', 'new.go'], remove: ['gone.go'] });
  });
});

describe('artifact stamping', () => {
  it('tags the image with the tree of the version', () => {
    expect(artifactTag('0.0.0-hotswap.1a2b3c4d')).toBe('hotswap-artifact:1a2b3c4d');
    expect(artifactTag(null)).toBe('hotswap-artifact:unstamped');
  });

  it('sees ARG HOTSWAP_LDFLAGS with or without a default, in any case', () => {
    expect(declaresLdflagsArg('FROM x\nARG HOTSWAP_LDFLAGS\nRUN go build')).toBe(true);
    expect(declaresLdflagsArg('FROM x\n  arg HOTSWAP_LDFLAGS="-w -s"\n')).toBe(true);
    expect(declaresLdflagsArg('FROM x\nARG HOTSWAP_LDFLAGS_EXTRA\n# ARG HOTSWAP_LDFLAGS\n')).toBe(false);
  });
});
