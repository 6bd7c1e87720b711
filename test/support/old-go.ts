// A host Go that says it is older than it is, for the paths taken when the local Go is too old.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './docker.js';

export interface OldGoPath {
  /** PATH with the wrapper first. */
  readonly path: string;
  remove(): Promise<void>;
}

/**
 * A PATH whose `go` says it is Go 1.21.0 and passes everything else to the real toolchain: a host Go
 * older than go.mod asks, while the real one can still build the module.
 */
export async function pathWithOldGo(): Promise<OldGoPath> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hotswap-oldgo-'));
  const real = (await run('sh', ['-c', 'command -v go'])).stdout.trim();
  const script = `#!/bin/sh\nif [ "$1" = version ]; then echo 'go version go1.21.0 linux/amd64'; exit 0; fi\nexec '${real}' "$@"\n`;
  fs.writeFileSync(path.join(dir, 'go'), script, { mode: 0o755 });
  return {
    path: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    remove: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
}
