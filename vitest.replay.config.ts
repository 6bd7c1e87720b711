import { defineConfig } from 'vitest/config';

// `npm run replay`: the history replay on a real clone (HOTSWAP_REPLAY_REPO); no Docker, not in `npm test`.
export default defineConfig({ test: { include: ['test/replay/*.replay.ts'], testTimeout: 3_600_000 } });
