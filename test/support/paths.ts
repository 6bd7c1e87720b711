// Absolute paths the tests need, independent of the cwd vitest was started from.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'ollama-mini');
/** The built CLI; tests run the product as a user would, from dist/. */
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
