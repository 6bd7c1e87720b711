import { describe, expect, it } from 'vitest';
import type { BuildContext } from '../../src/plan/go/context.js';
import { buildGraph, embeddedFiles, parentOf, visitPackage, type GraphSource, type Walk } from '../../src/plan/go/graph.js';
import { parseGoHeader, parseIncludes } from '../../src/plan/go/header.js';
import { packageDirOf, readModuleLayout } from '../../src/plan/go/modules.js';

const LINUX: BuildContext = { goos: 'linux', goarch: 'amd64', cgo: true, tags: [], goMinor: 24 };

/** A tree as path → text, read the way the planner reads git objects. */
function sourceOf(tree: Record<string, string>): GraphSource {
  return {
    paths: Object.keys(tree),
    async headers(paths) {
      return new Map(paths.map((p) => [p, parseGoHeader(tree[p]!)]));
    },
    async includes(paths) {
      return new Map(paths.map((p) => [p, parseIncludes(tree[p]!)]));
    },
    async text(path) {
      return tree[path] ?? null;
    },
  };
}

const go = (pkg: string, ...imports: string[]) =>
  `package ${pkg}\n\nimport (\n${imports.map((i) => `\t"${i}"`).join('\n')}\n)\n`;

const MODULE = {
  'go.mod': 'module example.com/app\n\ngo 1.22\n',
  'go.sum': '',
  'cmd/app/main.go': go('main', 'fmt', 'example.com/app/server'),
  'server/server.go': go('server', 'example.com/app/util', 'embed') + '\n//go:embed static\nvar static embed.FS\n',
  'server/static/index.html': '<html>',
  'server/static/.hidden': 'x',
  'server/notes.txt': 'not embedded',
  'server/server_windows.go': go('server'),
  'server/off.go': '//go:build ignore\n\n' + go('server'),
  'server/server_test.go': go('server', 'testing'),
  'util/util.go': go('util'),
  'unused/unused.go': go('unused'),
  'tools/gen/main.go': go('main', 'example.com/app/unused'),
  'README.md': '# app',
};

describe('buildGraph', () => {
  it('walks the import closure of the main package and says why each file is in it', async () => {
    const graph = await buildGraph(sourceOf(MODULE), './cmd/app', LINUX);
    expect(Object.fromEntries(graph.files)).toEqual({
      'go.mod': 'module definition',
      'go.sum': 'module definition',
      'cmd/app/main.go': 'in the main package ./cmd/app',
      'server/server.go': 'imported by ./cmd/app',
      'server/static/index.html': 'embedded by ./server (//go:embed static)',
      'util/util.go': 'imported by ./server via ./cmd/app',
    });
    expect(graph.excluded.get('server/server_windows.go')).toBe('built only for another platform than linux/amd64');
    expect(graph.excluded.get('server/off.go')).toBe('excluded by //go:build ignore');
    expect([...graph.packages.keys()].sort()).toEqual(['cmd/app', 'server', 'util']);
  });

  it('follows vendored packages and local replace directories', async () => {
    const tree = {
      'go.mod': 'module example.com/app\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n',
      'main.go': go('main', 'example.com/dep/sub'),
      'vendor/modules.txt': '# example.com/dep v1.0.0\n## explicit\nexample.com/dep/sub\n',
      'vendor/example.com/dep/sub/sub.go': go('sub'),
      'vendor/example.com/other/o.go': go('other'),
    };
    const graph = await buildGraph(sourceOf(tree), '.', LINUX);
    expect(graph.files.get('vendor/example.com/dep/sub/sub.go')).toBe('imported by .');
    expect(graph.files.has('vendor/example.com/other/o.go')).toBe(false);
    expect(graph.files.get('vendor/modules.txt')).toBe('module definition');

    const replaced = {
      'go.mod': 'module example.com/app\n\ngo 1.22\n\nreplace example.com/lib => ./third_party/lib\n',
      'main.go': go('main', 'example.com/lib/x'),
      'third_party/lib/go.mod': 'module example.com/lib\n',
      'third_party/lib/x/x.go': go('x'),
    };
    const graph2 = await buildGraph(sourceOf(replaced), '.', LINUX);
    expect(graph2.files.has('third_party/lib/x/x.go')).toBe(true);
    expect(graph2.files.get('third_party/lib/go.mod')).toBe('module definition');
  });

  it('takes cgo sources, and headers below #cgo -I directories', async () => {
    const tree = {
      'go.mod': 'module m\n\ngo 1.22\n',
      'main.go': go('main', 'm/llama'),
      'llama/llama.go': '/*\n#cgo CFLAGS: -I${SRCDIR}/../include\n#include "x.h"\n*/\nimport "C"\n',
      'llama/llama.c': '',
      'llama/sub/impl.c': '',
      'include/x.h': '',
      'include/README.md': '',
    };
    const graph = await buildGraph(sourceOf({ ...tree, 'llama/llama.go': `package llama\n\n${tree['llama/llama.go']}` }), '.', LINUX);
    expect(graph.files.has('llama/llama.c')).toBe(true);
    expect(graph.files.has('llama/sub/impl.c')).toBe(true);
    expect(graph.files.has('include/x.h')).toBe(true);
    expect(graph.files.has('include/README.md')).toBe(false);
    const noCgo = await buildGraph(sourceOf({ ...tree, 'llama/llama.go': `package llama\n\n${tree['llama/llama.go']}` }), '.', { ...LINUX, cgo: false });
    expect(noCgo.excluded.get('llama/llama.go')).toBe('uses cgo, and cgo is off');
    expect(noCgo.files.has('include/x.h')).toBe(false);
  });
});

describe("go/build's file-name rule for C-side files", () => {
  const tree = {
    'go.mod': 'module m\n\ngo 1.22\n',
    'main.go': go('main', 'm/native'),
    'native/native.go': 'package native\n\n// #include "native.h"\nimport "C"\n',
    'native/native.h': '#include "chain_darwin.h"\n',
    'native/chain_darwin.h': '#  include <deep_ios.h>\n',
    'native/deep_ios.h': '',
    'native/native.c': '#include "v_darwin.h"\n',
    'native/v_darwin.h': '',
    'native/x_darwin.h': '',
    'native/w_linux.h': '',
    'native/y_windows.c': '#include "helper_windows.h"\n',
    'native/helper_windows.h': '',
    'native/z_arm64.s': '',
    'native/gpu_darwin.m': '',
    'native/rsrc_windows_amd64.syso': '',
    'native/rsrc_linux_amd64.syso': '',
  };

  it('leaves out files named for another platform, unless a file of this build #includes them', async () => {
    const graph = await buildGraph(sourceOf(tree), '.', LINUX);
    const native = [...graph.files.keys()].filter((p) => p.startsWith('native/')).sort();
    expect(native).toEqual([
      'native/chain_darwin.h', 'native/deep_ios.h', 'native/native.c', 'native/native.go', 'native/native.h',
      'native/rsrc_linux_amd64.syso', 'native/v_darwin.h', 'native/w_linux.h',
    ]);
    expect(graph.files.get('native/v_darwin.h')).toMatch(/#included by this build although named for another platform$/);
    // helper_windows.h: only a file left out of this build includes it.
    for (const path of ['native/x_darwin.h', 'native/y_windows.c', 'native/helper_windows.h', 'native/z_arm64.s', 'native/gpu_darwin.m', 'native/rsrc_windows_amd64.syso']) {
      expect(graph.excluded.get(path), path).toBe('built only for another platform than linux/amd64');
    }
  });

  it('takes them for their own platform', async () => {
    const darwin = await buildGraph(sourceOf(tree), '.', { ...LINUX, goos: 'darwin', goarch: 'arm64' });
    expect([...darwin.files.keys()]).toEqual(expect.arrayContaining(['native/x_darwin.h', 'native/z_arm64.s', 'native/gpu_darwin.m']));
    expect(darwin.files.has('native/w_linux.h')).toBe(false);
  });
});

describe('parseIncludes', () => {
  it('reads #include and #import lines of C files and cgo preambles, as written', () => {
    const source = '#include <stdio.h>\n  # include "a/b_darwin.h"\n// #include "pre.h"\n * #include "star.h"\n#import "x.h"\nint include;\n#define X "y.h"\n#include "a/b_darwin.h"\n';
    expect(parseIncludes(source)).toEqual(['stdio.h', 'a/b_darwin.h', 'pre.h', 'star.h', 'x.h']);
  });
});

describe('embeddedFiles', () => {
  const paths = ['p/web/a.js', 'p/web/.env', 'p/web/_x/y.js', 'p/web/sub/go.mod', 'p/web/sub/z', 'p/t/a.tmpl', 'p/t/b.txt', 'p/p.go'];
  it('takes a directory without . and _ names, and all: with them', () => {
    expect(embeddedFiles('web', 'p', paths).sort()).toEqual(['p/web/a.js']);
    expect(embeddedFiles('all:web', 'p', paths).sort()).toEqual(['p/web/.env', 'p/web/_x/y.js', 'p/web/a.js']);
  });
  it('matches globs per path element, and names files explicitly even with a leading dot', () => {
    expect(embeddedFiles('t/*.tmpl', 'p', paths)).toEqual(['p/t/a.tmpl']);
    expect(embeddedFiles('web/.env', 'p', paths)).toEqual(['p/web/.env']);
    expect(embeddedFiles('*.tmpl', 'p', paths)).toEqual([]);
  });
});

describe('module layout', () => {
  const read = (files: Record<string, string>) => async (p: string) => files[p] ?? null;
  it('maps imports to the main module, replaces and vendor/', async () => {
    const layout = await readModuleLayout(read({
      'go.mod': 'module a.b/app // comment\n\ngo 1.21\n\nreplace (\n\ta.b/lib v1.2.0 => ../outside\n\ta.b/loc => ./loc\n)\n',
    }));
    expect(packageDirOf('a.b/app/x/y', layout)).toBe('x/y');
    expect(packageDirOf('a.b/app', layout)).toBe('');
    expect(packageDirOf('a.b/loc/z', layout)).toBe('loc/z');
    expect(packageDirOf('fmt', layout)).toBeNull();
    expect(packageDirOf('a.b/lib/q', layout)).toBe('../outside/q');
  });
  it('uses go.work modules', async () => {
    const layout = await readModuleLayout(read({
      'go.work': 'go 1.22\n\nuse (\n\t./a\n\t./b\n)\n', 'a/go.mod': 'module x/a\n', 'b/go.mod': 'module x/b\n',
    }));
    expect(packageDirOf('x/b/pkg', layout)).toBe('b/pkg');
    expect(layout.definitionFiles).toContain('a/go.mod');
    expect(layout.vendor).toBe(false);
  });
});

describe('visitPackage', () => {
  it('takes one package: built files, exclusions, embeds, and the repo packages it imports once', async () => {
    const paths = Object.keys(MODULE);
    const byDir = new Map<string, string[]>();
    for (const path of paths) byDir.set(parentOf(path), [...(byDir.get(parentOf(path)) ?? []), path]);
    const walk: Walk = {
      files: new Map(), excluded: new Map(), chains: new Map([['server', ['cmd/app']]]), includeDirs: new Set(), cgoFiles: [],
      layout: await readModuleLayout(async (p) => MODULE[p as keyof typeof MODULE] ?? null), paths, byDir, context: LINUX,
    };
    const headers = new Map(paths.filter((p) => p.startsWith('server/') && p.endsWith('.go')).map((p) => [p, parseGoHeader(MODULE[p as keyof typeof MODULE])]));
    expect(visitPackage(walk, 'server', headers)).toEqual(['util']);
    expect(walk.chains.get('util')).toEqual(['cmd/app', 'server']);
    expect([...walk.files.keys()].sort()).toEqual(['server/server.go', 'server/static/index.html']);
    expect(walk.files.get('server/server.go')).toBe('imported by ./cmd/app');
    expect([...walk.excluded.keys()].sort()).toEqual(['server/off.go', 'server/server_windows.go']);
    expect(visitPackage(walk, 'server', headers)).toEqual([]); // util is already met
  });
});
