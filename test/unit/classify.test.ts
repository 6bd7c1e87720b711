import { describe, expect, it } from 'vitest';
import { classifyChange, imageMatcher } from '../../src/plan/classify.js';
import type { BuildGraph } from '../../src/plan/go/graph.js';

const graph = (files: Record<string, string>, packages: string[] = [], excluded: Record<string, string> = {}): BuildGraph => ({
  files: new Map(Object.entries(files)), packages: new Map(packages.map((p) => [p, 'imported'])),
  excluded: new Map(Object.entries(excluded)), includeDirs: [],
});

const BEFORE = graph({ 'server/routes.go': 'imported by ./cmd/app', 'gone.go': 'imported by ./cmd/app' }, ['cmd/app', 'server'],
  { 'server/x_windows.go': 'built only for another platform than linux/amd64' });
const AFTER = graph({ 'server/routes.go': 'imported by ./cmd/app', 'server/new.go': 'imported by ./cmd/app', 'Dockerfile.embed': 'embedded by ./server' },
  ['cmd/app', 'server']);
const SIDES = { before: BEFORE, after: AFTER, main: './cmd/app' };
const isImage = imageMatcher(['models/**/*.gguf']);
const classify = (path: string) => classifyChange(path, SIDES, isImage);

describe('classifyChange', () => {
  it('takes a file in either graph as a binary input: edited, added or deleted', () => {
    expect(classify('server/routes.go')).toEqual({ class: 'binary', why: 'imported by ./cmd/app' });
    expect(classify('server/new.go').class).toBe('binary');
    expect(classify('gone.go').class).toBe('binary');
  });

  it('lets the graph win over the image rules: an embedded Dockerfile is a binary input', () => {
    expect(classify('Dockerfile.embed').class).toBe('binary');
  });

  it('sorts Dockerfiles, CMake, version pins, GPU kernels and imageInputs globs into the image', () => {
    for (const path of ['Dockerfile', 'docker/Dockerfile.rocm', 'CMakeLists.txt', 'ml/x.cmake', 'cmake/Find.txt', 'ROCM_VERSION',
      'k/ggml.cu', 'k/x.cuh', 'k/x.metal', 'k/x.comp', 'k/x.glsl', 'k/x.wgsl', 'k/x.cl', 'models/a/b.gguf']) {
      expect(classify(path).class, path).toBe('image');
    }
  });

  it('ignores tests, test data, docs, excluded files and packages outside the closure, each with why', () => {
    expect(classify('server/routes_test.go')).toEqual({ class: 'ignored', why: 'test file' });
    expect(classify('server/testdata/a.json')).toEqual({ class: 'ignored', why: 'test data' });
    expect(classify('server/x_windows.go')).toEqual({ class: 'ignored', why: 'built only for another platform than linux/amd64' });
    expect(classify('docs/api.md')).toEqual({ class: 'ignored', why: 'documentation' });
    expect(classify('tools/gen/main.go')).toEqual({ class: 'ignored', why: 'package ./tools/gen is not imported by ./cmd/app' });
    expect(classify('.gitignore')).toEqual({ class: 'ignored', why: 'not a build input of ./cmd/app' });
  });
});

describe('classifyChange: where the name rules stop', () => {
  it('says why an image input needs no binary rebuild', () => {
    expect(classify('Dockerfile')).toEqual({ class: 'image', why: 'goes into the image, not the Go binary' });
  });

  it('takes any named .dockerfile, .cmake or version pin into the image', () => {
    for (const path of ['docker/rocm.dockerfile', 'ml/ggml-config.cmake', 'llama/GGML_VERSION']) {
      expect(classify(path).class, path).toBe('image');
    }
  });

  it('reads a rule word only as the whole name: a dockerfile package, a .clang-format, a .md.go file are not image or docs', () => {
    expect(classify('tools/dockerfile/lint.go')).toEqual({ class: 'ignored', why: 'package ./tools/dockerfile is not imported by ./cmd/app' });
    expect(classify('.clang-format')).toEqual({ class: 'ignored', why: 'not a build input of ./cmd/app' });
    expect(classify('tools/help.md.go')).toEqual({ class: 'ignored', why: 'package ./tools is not imported by ./cmd/app' });
  });

  it('takes doc/, docs/ and .github/ at the top as documentation, and testdata/ as test data', () => {
    expect(classify('docs/examples/main.go').why).toBe('documentation');
    expect(classify('doc/examples/main.go').why).toBe('documentation');
    expect(classify('.github/workflows/ci.yaml').why).toBe('documentation');
    expect(classify('testdata/model.json').why).toBe('test data');
  });
});

describe('imageMatcher', () => {
  it('adds plan.imageInputs globs, dotfiles included, to the built-in rules', () => {
    const matches = imageMatcher(['models/**']);
    expect(matches('models/.cache/a.gguf')).toBe(true);
    expect(matches('Dockerfile')).toBe(true);
    expect(matches('server/routes.go')).toBe(false);
  });

  it('without globs, keeps the built-in rules alone', () => {
    const matches = imageMatcher([]);
    expect(matches('Dockerfile')).toBe(true);
    expect(matches('server/routes.go')).toBe(false);
  });
});
