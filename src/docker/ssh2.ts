/**
 * ssh2, loaded on first use: only an ssh:// engine needs it, and its ~700 KB would otherwise be parsed at
 * every start. The bundle replaces this module with a require of its own copy (scripts/bundle.mjs).
 */
import { createRequire } from 'node:module';

export const loadSsh2 = (): typeof import('ssh2') => createRequire(import.meta.url)('ssh2') as typeof import('ssh2');
