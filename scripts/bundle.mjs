// `npm run build`: src/ typechecked by tsc, then bundled by esbuild into dist/cli.js and the program it loads,
// files that Node reads and compiles at once instead of ~300 (start-up), and that a packed install needs no
// node_modules for, but node-notifier (its vendored notifier binaries are found by path at run time).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// Modules of dependencies hotswap never calls, replaced by a stub that says so. dockerode requires ./session
// (BuildKit over gRPC, ~100 ms and 8 MB of @grpc and protobufjs) at load, and ./buildkit (protobufjs, 280 KB
// parsed at every start) for Docker#followProgress; hotswap opens no BuildKit session and follows a build's
// progress through docker.modem.followProgress.
const STUBS = { session: 'open BuildKit sessions', buildkit: 'decode BuildKit progress' };
const dockerodeStubs = {
  name: 'dockerode-stubs',
  setup(b) {
    b.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) => (/dockerode[\\/]lib/.test(args.importer) ? { path: args.path.slice(2), namespace: 'stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({
      contents: `module.exports = () => { throw new Error('hotswap does not ${STUBS[args.path]}'); };`,
      loader: 'js',
    }));
  },
};

// ssh2 (~700 KB with its dependencies, ~20 ms to evaluate) is needed only for an ssh:// engine. It is bundled on
// its own into dist/chunks/ssh2.cjs, which the chunks require when first asked (src/docker/ssh2.ts, and
// docker-modem's ./ssh, which it requires at load and calls only for an ssh:// DOCKER_HOST: a shim requires the
// real one on its first call), so no command parses it unless it uses it.
const SSH2_FILE = './ssh2.cjs';
const lazySsh = {
  name: 'lazy-ssh',
  setup(b) {
    b.onResolve({ filter: /^\.\/ssh$/ }, (args) => (/docker-modem[\\/]lib/.test(args.importer)
      ? { path: 'docker-modem/lib/ssh.js', namespace: 'lazy-ssh', pluginData: { resolveDir: args.resolveDir } } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-ssh' }, (args) => ({
      contents: "module.exports = function lazySsh(options) { return require('./ssh.js')(options); };",
      loader: 'js',
      resolveDir: args.pluginData.resolveDir,
    }));
    b.onResolve({ filter: /^(ssh2|\.\/ssh2\.cjs)$/ }, () => ({ path: SSH2_FILE, external: true }));
    // The source's loader resolves ssh2 from node_modules (tsc's build, the tests); the bundle's from its own file.
    b.onLoad({ filter: /[\\/]src[\\/]docker[\\/]ssh2\.ts$/ }, () => ({
      contents: `export const loadSsh2 = () => require('${SSH2_FILE}');`,
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // ESM builds first: jsonc-parser's CommonJS build is UMD, whose require('./impl/…') esbuild cannot follow.
  mainFields: ['module', 'main'],
  // Optional native parts of ssh2 (each required in a try/catch, with a JS fallback) and node-notifier.
  external: ['node-notifier', 'cpu-features', '*.node'],
  // Bundled CommonJS (dockerode, pino, ssh2) calls require() for Node's own modules and reads __dirname.
  banner: {
    js: [
      "import { createRequire as __hotswapRequire } from 'node:module';",
      "import { fileURLToPath as __hotswapPath } from 'node:url';",
      "import { dirname as __hotswapDirname } from 'node:path';",
      'const require = __hotswapRequire(import.meta.url);',
      'const __filename = __hotswapPath(import.meta.url);',
      'const __dirname = __hotswapDirname(__filename);',
    ].join(' '),
  },
  plugins: [dockerodeStubs, lazySsh],
};

// The program (every command) is one CommonJS file, dist/chunks/hotswap.cjs: Node 20 compiles CommonJS with V8's
// code cache and ES modules without (src/cli/code-cache.ts). Commands stay lazy: esbuild turns each
// `await import()` of a bundled module into a deferred init. dist/cli.js loads it through a chunk of its own
// (src/cli/cached-program.ts in load-program.ts's place), so `--version` reads neither.
const programLoader = {
  name: 'program-loader',
  setup(b) {
    b.onResolve({ filter: /^\.\/cli\/load-program\.js$/ }, (args) => ({ path: join(args.resolveDir, 'cli', 'cached-program.ts') }));
  },
};

// Chunk names carry a content hash: an old build's chunks would pile up in the package.
rmSync('dist/chunks', { recursive: true, force: true });
await build({ ...common, plugins: [...common.plugins, programLoader], splitting: true, chunkNames: 'chunks/[name]-[hash]', entryPoints: { cli: 'src/cli.ts', 'config/gen-schema': 'src/config/gen-schema.ts' }, outdir: 'dist' });
// In dist/chunks, where the program's chunks were, so its relative paths resolve as theirs did: import.meta.url
// becomes the file's own URL (../../config, the hasher's source found upwards), require('./ssh2.cjs') is beside it.
await build({
  ...common,
  format: 'cjs',
  define: { 'import.meta.url': '__hotswapUrl' },
  banner: { js: "const __hotswapUrl = require('node:url').pathToFileURL(__filename).href;" },
  entryPoints: { 'chunks/hotswap': 'src/program.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
});
// An ASCII file is read without a UTF-8 decode (~5 ms; src/cli/code-cache.ts): the little that is not ASCII (a
// regex's ✗, comments) becomes \u escapes, which mean the same in strings, templates, regexes and comments.
const PROGRAM = 'dist/chunks/hotswap.cjs';
writeFileSync(PROGRAM, readFileSync(PROGRAM, 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
// Every chunk lies in dist/chunks, so each one's require('./ssh2.cjs') finds this file.
await build({ ...common, format: 'cjs', banner: {}, plugins: [], entryPoints: { 'chunks/ssh2': 'ssh2' }, outdir: 'dist', outExtension: { '.js': '.cjs' } });
