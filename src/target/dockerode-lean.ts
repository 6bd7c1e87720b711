/**
 * dockerode loads @grpc/grpc-js and @grpc/proto-loader at start-up, only for BuildKit sessions, which
 * hotswap never opens: ~100 ms of every one-shot command here. Seeding require's cache with a stub for that
 * one module skips the load. Imported before dockerode (ESM evaluates imports in order); when dockerode's
 * layout differs, nothing is stubbed and it loads whole, as before.
 */
import Module, { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  const path = require.resolve('dockerode/lib/session.js');
  if (!require.cache[path]) {
    const stub = new Module(path);
    stub.filename = path;
    stub.loaded = true;
    stub.exports = () => {
      throw new Error('hotswap does not open BuildKit sessions');
    };
    require.cache[path] = stub;
  }
} catch {
  // another dockerode: load it whole
}
