// `npm run build`: src/ typechecked by tsc, then bundled by esbuild into dist/cli.js, one ES module that Node
// reads and compiles at once instead of ~300 files (start-up), and that a packed install needs no
// node_modules for, but node-notifier (its vendored notifier binaries are found by path at run time).
// Commands stay lazy: esbuild keeps each `await import()` of a bundled module as a deferred init.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// dockerode requires ./session (BuildKit over gRPC, ~100 ms and 8 MB of @grpc and protobufjs) at load;
// hotswap never opens a BuildKit session, so it is replaced by a stub that says so.
const noBuildkitSession = {
  name: 'no-buildkit-session',
  setup(b) {
    b.onResolve({ filter: /^\.\/session$/ }, (args) => (/dockerode[\\/]lib/.test(args.importer) ? { path: 'session', namespace: 'stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "module.exports = () => { throw new Error('hotswap does not open BuildKit sessions'); };",
      loader: 'js',
    }));
  },
};

// docker-modem requires ./ssh, and through it all of ssh2 (~20 ms to evaluate), at load; only an ssh:// DOCKER_HOST
// calls it. It is replaced by a shim that requires the real one on its first call.
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
  plugins: [noBuildkitSession, lazySsh],
};

// Chunk names carry a content hash: an old build's chunks would pile up in the package.
rmSync('dist/chunks', { recursive: true, force: true });
await build({ ...common, splitting: true, chunkNames: 'chunks/[name]-[hash]', entryPoints: { cli: 'src/cli.ts', 'config/gen-schema': 'src/config/gen-schema.ts' }, outdir: 'dist' });
