import { describe, expect, it } from 'vitest';
import { classifyPath, goFileMatchesTarget } from '../../src/plan/classify.js';

const AMD64 = { goos: 'linux', goarch: 'amd64' };
const ARM64 = { goos: 'linux', goarch: 'arm64' };
const classOf = (path: string, target = AMD64) => classifyPath(path, target).class;

describe('classifyPath', () => {
  it('rebuilds for Go source built on the target', () => {
    expect(classifyPath('server/routes.go', AMD64)).toEqual({ class: 'binary', why: 'Go source' });
    expect(classOf('server/routes_linux.go')).toBe('binary');
    expect(classOf('server/routes_amd64.go')).toBe('binary');
    expect(classOf('server/routes_linux_amd64.go')).toBe('binary');
  });

  it('ignores Go source built only for Windows', () => {
    const result = classifyPath('server/platform_windows.go', AMD64);
    expect(result.class).toBe('ignored');
    expect(result.why).toContain('linux/amd64');
  });

  it('ignores _linux_arm64.go for an amd64 target, and rebuilds for it on arm64', () => {
    expect(classOf('gpu/cpu_linux_arm64.go', AMD64)).toBe('ignored');
    expect(classOf('gpu/cpu_linux_arm64.go', ARM64)).toBe('binary');
    expect(classOf('gpu/cpu_arm64.go', AMD64)).toBe('ignored');
    expect(classOf('gpu/cpu_darwin_amd64.go', AMD64)).toBe('ignored');
  });

  it('ignores tests, even ones for the target platform', () => {
    expect(classifyPath('server/routes_test.go', AMD64)).toEqual({ class: 'ignored', why: 'test file' });
    expect(classOf('server/routes_linux_test.go')).toBe('ignored');
  });

  it('ignores anything under testdata/, Go files included', () => {
    expect(classifyPath('server/testdata/model.gguf', AMD64)).toEqual({ class: 'ignored', why: 'test data' });
    expect(classOf('testdata/helper.go')).toBe('ignored');
  });

  it('ignores documentation', () => {
    expect(classOf('docs/api.md')).toBe('ignored');
    expect(classOf('README.md')).toBe('ignored');
    expect(classOf('docs/images/logo.png')).toBe('ignored');
  });

  it('rebuilds for go.mod and go.sum', () => {
    expect(classifyPath('go.mod', AMD64)).toEqual({ class: 'binary', why: 'module definition' });
    expect(classOf('go.sum')).toBe('binary');
  });

  it('says the image, not the binary, needs Dockerfile, CMakeLists.txt and CUDA changes', () => {
    expect(classOf('Dockerfile')).toBe('image');
    expect(classOf('CMakeLists.txt')).toBe('image');
    expect(classOf('ml/backend/ggml/ggml/src/ggml-cuda/mmq.cu')).toBe('image');
    expect(classOf('ml/backend/ggml/ggml/src/ggml-cuda/common.cuh')).toBe('image');
  });

  it('rebuilds for cgo C sources and headers', () => {
    expect(classifyPath('llama/llama.c', AMD64)).toEqual({ class: 'binary', why: 'C source or header (cgo)' });
    expect(classOf('llama/llama.h')).toBe('binary');
    expect(classOf('llama/sampling.cpp')).toBe('binary');
  });

  it('rebuilds for a file it does not know, since it may be embedded', () => {
    const result = classifyPath('server/banner.txt', AMD64);
    expect(result.class).toBe('binary');
    expect(result.why).toContain('unsure');
    expect(classOf('template/alpaca.gotmpl')).toBe('binary');
  });
});

describe('goFileMatchesTarget', () => {
  it('follows Go: a name without an OS or arch suffix builds everywhere', () => {
    expect(goFileMatchesTarget('server/routes.go', AMD64)).toBe(true);
    expect(goFileMatchesTarget('windows.go', AMD64)).toBe(true);
    expect(goFileMatchesTarget('server/foo_bar.go', AMD64)).toBe(true);
  });

  it('builds _linux.go files for android too, as Go does', () => {
    expect(goFileMatchesTarget('x_linux.go', { goos: 'android', goarch: 'arm64' })).toBe(true);
    expect(goFileMatchesTarget('x_android.go', AMD64)).toBe(false);
  });
});
