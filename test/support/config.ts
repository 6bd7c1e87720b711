// Writes a hotswap.config.json for a test: the target container on the host network at `port`.
import fs from 'node:fs';
import path from 'node:path';
import { RUNTIME_IMAGE } from './docker.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface TestConfigOptions {
  container: string;
  port: number;
  /** Image to create the container from; default RUNTIME_IMAGE, null for none. */
  image?: string | null;
  /** Deep-merged over the base (objects merge, everything else, arrays included, replaces). */
  extra?: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** Writes `<dir>/hotswap.config.json` and returns its path. */
export function writeTestConfig(dir: string, { container, port, image, extra = {} }: TestConfigOptions): string {
  const base: { [k: string]: Json } = {
    repo: '.',
    main: 'auto',
    build: { env: { CGO_ENABLED: '0' }, versionVar: 'github.com/ollama/ollama/version.Version' },
    target: {
      container,
      image: image === undefined ? RUNTIME_IMAGE : image,
      create: { network: 'host', ports: [], env: { OLLAMA_HOST: `127.0.0.1:${port}` } },
      stopTimeoutS: 5,
      health: {
        url: `http://127.0.0.1:${port}/`,
        versionUrl: `http://127.0.0.1:${port}/api/version`,
        timeoutMs: 15000,
      },
    },
    notify: { desktop: false },
  };
  const file = path.join(dir, 'hotswap.config.json');
  fs.writeFileSync(file, JSON.stringify(deepMerge(base, extra), null, 2) + '\n');
  return file;
}
