/**
 * The planner against `go list` on the go-graph fixture: every case that decides whether a file goes into
 * ./cmd/app (platform files, build tags, embeds, cgo include dirs, vendoring, other programs, image inputs).
 * Real git, real Go toolchain, no Docker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepo, type GitRepo } from '../../src/git/repo.js';
import type { BuildContext } from '../../src/plan/go/context.js';
import { createPlanner, type Planner } from '../../src/plan/planner.js';
import type { Plan } from '../../src/report.js';
import { makeGoGraphRepo, withOptionalImports, type GoGraphRepo } from '../support/go-history.js';
import { binaryInputsChanged, closeGoTruth, goListInputs, type TruthTarget } from '../support/go-truth.js';

const MAIN = './cmd/app';
const LINUX: BuildContext = { goos: 'linux', goarch: 'amd64', cgo: true, tags: [], goMinor: 19 };
const EXTRA: BuildContext = { ...LINUX, tags: ['extra'] };
/** Headers here may be reported as inputs although nothing includes them: it is a #cgo -I directory. */
const INCLUDE_DIR_HEADER = /^csrc\/include\/[^/]+\.(h|hh|hpp|hxx)$/;

/** What `go list` (and `gcc -MM` for the cgo package) says ./cmd/app is built from on linux/amd64 with cgo and no tags. */
const EXPECTED_LINUX_INPUTS = [
  'cmd/app/main.go',
  'csrc/include/shared.h', // found by gcc -MM through #cgo CFLAGS: -I; go list names only the package's own .h files
  'go.mod',
  'go.sum',
  'internal/assets/assets.go',
  'internal/assets/static/index.html', // static/.hidden and static/_underscore.txt: skipped by a plain dir embed
  'internal/assets/templates/page.tmpl', // templates/notes.txt: not matched by *.tmpl
  'internal/assets/web/.hidden', // all:web takes them
  'internal/assets/web/_partial.html',
  'internal/assets/web/app.js',
  'internal/native/native.c',
  'internal/native/native.go',
  'internal/native/native.h',
  'internal/native/v_darwin.h', // named for darwin, but native.c includes it (gcc -MM)
  'internal/native/w_linux.h', // x_darwin.h, y_windows.c, z_arm64.s: named for other platforms
  'internal/server/server.go',
  'internal/util/util.go',
  'internal/util/x.pb.go',
  'internal/util/x_cgo.go',
  'internal/util/x_linux.go',
  'internal/util/x_noextra.go',
  'internal/util/x_plusbuild.go',
  'vendor/example.com/dep/greet/greet.go',
  'vendor/modules.txt',
];

let repo: GoGraphRepo;
let git: GitRepo;
let planner: Planner;
let fixtureRev: string;

const truthTarget = (c: BuildContext): TruthTarget => ({ main: MAIN, goos: c.goos, goarch: c.goarch, cgo: c.cgo, tags: c.tags });

/** Edits made one commit each, in this order, on top of the fixture: name → [parent, commit]. */
const commits = new Map<string, [string, string]>();
const EDITS: [string, (r: GoGraphRepo) => void][] = [
  ['unused', (r) => r.append('internal/unused/unused.go', '// edited\n')],
  ['gen', (r) => r.append('internal/gen/gen.go', '// edited\n')],
  ['tools', (r) => r.append('tools/gen/main.go', '// edited\n')],
  ['windows', (r) => r.append('internal/util/x_windows.go', '// edited\n')],
  ['arm64', (r) => r.append('internal/util/x_linux_arm64.go', '// edited\n')],
  ['notlinux', (r) => r.append('internal/util/x_notlinux.go', '// edited\n')],
  ['ignore', (r) => r.append('internal/util/x_ignore.go', '// edited\n')],
  ['extra', (r) => r.append('internal/util/x_extra.go', '// edited\n')],
  ['noextra', (r) => r.append('internal/util/x_noextra.go', '// edited\n')],
  ['cgo-file', (r) => r.append('internal/util/x_cgo.go', '// edited\n')],
  ['plus-build', (r) => r.append('internal/util/x_plusbuild.go', '// edited\n')],
  ['static', (r) => r.append('internal/assets/static/index.html', '<p>edited</p>\n')],
  ['static-hidden', (r) => r.append('internal/assets/static/.hidden', 'edited\n')],
  ['static-underscore', (r) => r.append('internal/assets/static/_underscore.txt', 'edited\n')],
  ['web-hidden', (r) => r.append('internal/assets/web/.hidden', 'edited\n')],
  ['template', (r) => r.append('internal/assets/templates/page.tmpl', 'edited\n')],
  ['template-txt', (r) => r.append('internal/assets/templates/notes.txt', 'edited\n')],
  ['unembedded', (r) => r.append('internal/assets/unembedded.txt', 'edited\n')],
  ['include-header', (r) => r.append('csrc/include/shared.h', '/* edited */\n')],
  ['package-header', (r) => r.append('internal/native/native.h', '/* edited */\n')],
  ['c-file', (r) => r.append('internal/native/native.c', '/* edited */\n')],
  ['darwin-header', (r) => r.append('internal/native/x_darwin.h', '/* edited */\n')],
  ['windows-c', (r) => r.append('internal/native/y_windows.c', '/* edited */\n')],
  ['arm64-asm', (r) => r.append('internal/native/z_arm64.s', '// edited\n')],
  ['linux-header', (r) => r.append('internal/native/w_linux.h', '/* edited */\n')],
  ['included-darwin-header', (r) => r.append('internal/native/v_darwin.h', '/* edited */\n')],
  ['csrc-readme', (r) => r.append('csrc/README.md', 'edited\n')],
  ['vendored', (r) => r.append('vendor/example.com/dep/greet/greet.go', '// edited\n')],
  ['vendored-unused', (r) => r.append('vendor/example.com/dep/spare/spare.go', '// edited\n')],
  ['pb', (r) => r.append('internal/util/x.pb.go', '// edited\n')],
  ['test', (r) => r.append('internal/util/x_test.go', '// edited\n')],
  ['testdata', (r) => r.append('internal/util/testdata/golden.txt', 'edited\n')],
  ['readme', (r) => r.append('README.md', 'edited\n')],
  ['docs', (r) => r.append('docs/design.md', 'edited\n')],
  ['dockerfile', (r) => r.append('Dockerfile', '# edited\n')],
  ['cmake', (r) => r.append('CMakeLists.txt', '# edited\n')],
  ['cuda', (r) => r.append('kernels/scale.cu', '// edited\n')],
  ['vulkan-version', (r) => r.write('VULKAN_VERSION', '1.3.280\n')],
  ['dockerfile-and-go', (r) => {
    r.append('Dockerfile', '# edited again\n');
    r.append('internal/server/server.go', '// edited\n');
  }],
  ['go-mod', (r) => r.append('go.mod', '// edited\n')],
  ['import-unused', (r) => r.write('internal/server/server.go', withOptionalImports(r.read('internal/server/server.go'), ['unused']))],
  ['unused-after-import', (r) => r.append('internal/unused/unused.go', '// edited again\n')],
  ['vendored-unused-after-import', (r) => r.append('vendor/example.com/dep/spare/spare.go', '// edited again\n')],
];

async function planOf(name: string, context: BuildContext = LINUX): Promise<Plan> {
  const [from, to] = commits.get(name)!;
  return planner.plan(await git.treeOf(from), await git.treeOf(to), { main: MAIN, context });
}

const show = (plan: Plan) => `${plan.rebuild ? 'rebuild' : 'no rebuild'}: ${plan.reason}\n${plan.files.map((f) => `  ${f.class} ${f.path} (${f.why ?? ''})`).join('\n')}`;
const classOf = (plan: Plan, path: string) => plan.files.find((f) => f.path === path)?.class;

beforeAll(async () => {
  repo = await makeGoGraphRepo();
  fixtureRev = await repo.git('rev-parse', 'HEAD');
  for (const [name, edit] of EDITS) {
    const parent = await repo.git('rev-parse', 'HEAD');
    edit(repo);
    commits.set(name, [parent, await repo.commit(`edit: ${name}`)]);
  }
  git = await openRepo(repo.dir);
  planner = createPlanner(git, { imageInputs: [] });
});

afterAll(async () => {
  await git?.close();
  await repo?.dispose();
  await closeGoTruth();
});

describe('the ground truth (go list) of the go-graph fixture', () => {
  it('lists exactly the expected inputs of ./cmd/app for linux/amd64 with cgo', async () => {
    const truth = await goListInputs(repo.dir, fixtureRev, truthTarget(LINUX));
    expect([...truth.keys()]).toEqual(EXPECTED_LINUX_INPUTS);
  });

  it('follows tags, cgo and the platform', async () => {
    const files = async (c: BuildContext) => [...(await goListInputs(repo.dir, fixtureRev, truthTarget(c))).keys()];
    const extra = await files(EXTRA);
    expect(extra).toContain('internal/util/x_extra.go');
    expect(extra).not.toContain('internal/util/x_noextra.go');
    const noCgo = await files({ ...LINUX, cgo: false });
    expect(noCgo).toContain('internal/native/native_nocgo.go');
    expect(noCgo).not.toContain('internal/native/native.go');
    expect(noCgo).not.toContain('internal/native/native.c');
    expect(noCgo).not.toContain('internal/util/x_cgo.go');
    expect(await files({ ...LINUX, goarch: 'arm64' })).toContain('internal/util/x_linux_arm64.go');
    const windows = await files({ ...LINUX, goos: 'windows' });
    expect(windows).toEqual(expect.arrayContaining(['internal/util/x_windows.go', 'internal/util/x_notlinux.go']));
    expect(windows).not.toContain('internal/util/x_linux.go');
    expect(windows).not.toContain('internal/util/x_plusbuild.go');
  });
});

describe('planner.inputs covers the ground truth', () => {
  const contexts: [string, BuildContext][] = [
    ['linux/amd64 with cgo', LINUX],
    ['linux/amd64 with cgo and -tags extra', EXTRA],
    ['linux/amd64 without cgo', { ...LINUX, cgo: false }],
    ['linux/arm64 with cgo', { ...LINUX, goarch: 'arm64' }],
    ['windows/amd64 with cgo', { ...LINUX, goos: 'windows' }],
  ];
  for (const [title, context] of contexts) {
    it(`misses no input, and adds only -I headers, for ${title}`, async () => {
      const truth = await goListInputs(repo.dir, fixtureRev, truthTarget(context));
      const inputs = await planner.inputs(await git.treeOf(fixtureRev), { main: MAIN, context });
      const missing = [...truth.keys()].filter((f) => !inputs.files.has(f));
      const extra = [...inputs.files.keys()].filter((f) => !truth.has(f) && !INCLUDE_DIR_HEADER.test(f)).sort();
      expect({ missing, extra }, `missing: ${missing.join(', ') || '-'}; extra: ${extra.join(', ') || '-'}`)
        .toEqual({ missing: [], extra: [] });
    });
  }
});

/** name of the edit, the path it changed, and what the plan must say for linux/amd64 with cgo. */
const CASES: [title: string, edit: string, path: string, rebuild: boolean][] = [
  ['a package nothing imports', 'unused', 'internal/unused/unused.go', false],
  ['a package only another program (tools/gen) imports', 'gen', 'internal/gen/gen.go', false],
  ['another main package (tools/gen)', 'tools', 'tools/gen/main.go', false],
  ['a _windows.go file', 'windows', 'internal/util/x_windows.go', false],
  ['a _linux_arm64.go file', 'arm64', 'internal/util/x_linux_arm64.go', false],
  ['a //go:build !linux file', 'notlinux', 'internal/util/x_notlinux.go', false],
  ['a //go:build ignore file', 'ignore', 'internal/util/x_ignore.go', false],
  ['a //go:build extra file without the tag', 'extra', 'internal/util/x_extra.go', false],
  ['its //go:build !extra counterpart', 'noextra', 'internal/util/x_noextra.go', true],
  ['a //go:build cgo && linux file', 'cgo-file', 'internal/util/x_cgo.go', true],
  ['an old-style // +build linux file', 'plus-build', 'internal/util/x_plusbuild.go', true],
  ['a file of an embedded directory', 'static', 'internal/assets/static/index.html', true],
  ['a dot file of a plainly embedded directory', 'static-hidden', 'internal/assets/static/.hidden', false],
  ['an underscore file of a plainly embedded directory', 'static-underscore', 'internal/assets/static/_underscore.txt', false],
  ['a dot file of an all: embedded directory', 'web-hidden', 'internal/assets/web/.hidden', true],
  ['a file an embed glob matches', 'template', 'internal/assets/templates/page.tmpl', true],
  ['a file an embed glob does not match', 'template-txt', 'internal/assets/templates/notes.txt', false],
  ['a file next to the embedded directories', 'unembedded', 'internal/assets/unembedded.txt', false],
  ['a header under the #cgo -I directory', 'include-header', 'csrc/include/shared.h', true],
  ['a header of the cgo package', 'package-header', 'internal/native/native.h', true],
  ['a C file of the cgo package', 'c-file', 'internal/native/native.c', true],
  ['a _darwin.h header of the cgo package', 'darwin-header', 'internal/native/x_darwin.h', false],
  ['a _windows.c file of the cgo package', 'windows-c', 'internal/native/y_windows.c', false],
  ['a _arm64.s file of the cgo package', 'arm64-asm', 'internal/native/z_arm64.s', false],
  ['a _linux.h header of the cgo package', 'linux-header', 'internal/native/w_linux.h', true],
  ['a _darwin.h header a C file of the build includes', 'included-darwin-header', 'internal/native/v_darwin.h', true],
  ['a README in the C sources', 'csrc-readme', 'csrc/README.md', false],
  ['a vendored package the server imports', 'vendored', 'vendor/example.com/dep/greet/greet.go', true],
  ['a vendored package nothing imports', 'vendored-unused', 'vendor/example.com/dep/spare/spare.go', false],
  ['a generated .pb.go file', 'pb', 'internal/util/x.pb.go', true],
  ['a _test.go file', 'test', 'internal/util/x_test.go', false],
  ['testdata', 'testdata', 'internal/util/testdata/golden.txt', false],
  ['the README', 'readme', 'README.md', false],
  ['docs', 'docs', 'docs/design.md', false],
  ['go.mod', 'go-mod', 'go.mod', true],
  ['a package nothing imported until the last commit', 'unused-after-import', 'internal/unused/unused.go', true],
  ['a vendored package that became imported', 'vendored-unused-after-import', 'vendor/example.com/dep/spare/spare.go', true],
];

const IMAGE_CASES: [edit: string, path: string][] = [
  ['dockerfile', 'Dockerfile'], ['cmake', 'CMakeLists.txt'], ['cuda', 'kernels/scale.cu'], ['vulkan-version', 'VULKAN_VERSION'],
];

describe('plans for one edit (linux/amd64, cgo)', () => {
  for (const [title, edit, path, rebuild] of CASES) {
    it(`${rebuild ? 'rebuilds' : 'does not rebuild'} for ${title} (${path})`, async () => {
      const plan = await planOf(edit);
      expect(plan.rebuild, show(plan)).toBe(rebuild);
      expect(classOf(plan, path), show(plan)).toBe(rebuild ? 'binary' : 'ignored');
    });
  }

  for (const [edit, path] of IMAGE_CASES) {
    it(`asks for an image rebuild, not a binary one, for ${path}`, async () => {
      const plan = await planOf(edit);
      expect(plan.rebuild, show(plan)).toBe(false);
      expect(plan.reason, show(plan)).toMatch(/^image rebuild needed: /);
      expect(classOf(plan, path), show(plan)).toBe('image');
    });
  }

  it('rebuilds for a Dockerfile edit together with a Go edit', async () => {
    const plan = await planOf('dockerfile-and-go');
    expect(plan.rebuild, show(plan)).toBe(true);
    expect(classOf(plan, 'Dockerfile'), show(plan)).toBe('image');
    expect(classOf(plan, 'internal/server/server.go'), show(plan)).toBe('binary');
  });

  it('rebuilds when the server starts importing the unused package', async () => {
    const plan = await planOf('import-unused');
    expect(plan.rebuild, show(plan)).toBe(true);
    expect(classOf(plan, 'internal/server/server.go'), show(plan)).toBe('binary');
  });

  it('rebuilds for the //go:build extra file with -tags extra, and not for its counterpart', async () => {
    const extra = await planOf('extra', EXTRA);
    expect(extra.rebuild, show(extra)).toBe(true);
    expect(classOf(extra, 'internal/util/x_extra.go'), show(extra)).toBe('binary');
    const plain = await planOf('noextra', EXTRA);
    expect(plain.rebuild, show(plain)).toBe(false);
  });

  it('agrees with go list on every edit commit', async () => {
    const truthOf = (rev: string) => goListInputs(repo.dir, rev, truthTarget(LINUX));
    await Promise.all([...commits.values()].map(([, to]) => truthOf(to))); // in parallel, then from the cache
    const wrong: string[] = [];
    for (const [name, [from, to]] of commits) {
      const plan = await planOf(name);
      if (binaryInputsChanged(await truthOf(from), await truthOf(to)).length && !plan.rebuild) wrong.push(`${name}: wrong skip\n${show(plan)}`);
    }
    expect(wrong.join('\n'), 'false skips').toBe('');
  });
});
