/**
 * What `hotswap init` writes, as pure text transforms: each returns the new content, or null when the file
 * already has what it needs (so a second run changes nothing).
 */
import { applyEdits, modify, parse } from 'jsonc-parser';
import type { ContainerCreation } from '../docker/client.js';

/** The npm package (its command is `hotswap`; the npm package named hotswap is someone else's). */
export const PACKAGE_NAME = 'go-hotswap';

/**
 * How files that other developers and dev containers run call hotswap: `npx --yes go-hotswap@MAJOR`, never a bare
 * `hotswap`, since nothing guarantees a global install there. npx runs the repo's own install when it matches,
 * else fetches the release once; the major keeps a breaking release from arriving unasked.
 */
export const runnerFor = (version: string): string => `npx --yes ${PACKAGE_NAME}@${version.split('.')[0]}`;

/** The schema as the published package serves it: valid on every machine, and it follows the same major. */
export const schemaUrlFor = (version: string): string =>
  `https://unpkg.com/${PACKAGE_NAME}@${version.split('.')[0]}/config/hotswap.schema.json`;

export function withGitignore(current: string): string | null {
  if (/^\/?\.hotswap\/?\s*$/m.test(current)) return null;
  return `${current}${current && !current.endsWith('\n') ? '\n' : ''}.hotswap/\n`;
}

/** What an older init wrote, `npx hotswap …`, runs the unrelated npm package named hotswap: call the runner instead. */
const OLD_RUNNER = 'npx hotswap ';
const withRunner = (text: string, runner: string) => text.replaceAll(OLD_RUNNER, `${runner} `);

export function withMakeTarget(current: string, runner: string): string | null {
  if (/^hot-swap\s*:/m.test(current)) return current.includes(OLD_RUNNER) ? withRunner(current, runner) : null;
  const sep = current === '' ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  return `${current}${sep}.PHONY: hot-swap\nhot-swap:\n\t${runner} swap --restart --verify\n`;
}

/** Adds postStartCommand to a devcontainer.json (JSONC: comments and formatting are kept). */
export function withPostStart(current: string, runner: string): string | null {
  const postStart = `${runner} watch --detach`;
  const text = current.trim() === '' ? '{\n}\n' : current;
  const existing = (parse(text) ?? {}) as { postStartCommand?: unknown };
  const command = typeof existing.postStartCommand === 'string' ? existing.postStartCommand : '';
  const present = /hotswap(@\d+)? watch/.test(command);
  if (present && !command.includes(OLD_RUNNER)) return null;
  const value = present ? withRunner(command, runner) : command.trim() ? `${command} && ${postStart}` : postStart;
  const edits = modify(text, ['postStartCommand'], value, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
  return applyEdits(text, edits);
}

/** The container a new config names (the old script's default). */
export const INIT_CONTAINER = 'ollama-gpu';

export interface InitConfig {
  readonly schema: string;
  readonly main: string;
  readonly versionVar: string | null;
  /** `build.tags`: written only when there are some. */
  readonly tags?: readonly string[];
  readonly container: string;
  /** The running (or stopped) container's image and `docker run` settings, so a removed one can be recreated. */
  readonly image?: string;
  readonly create?: ContainerCreation['create'];
  /** `plan.imageInputs`: written only when there are some (the ollama preset). */
  readonly imageInputs?: readonly string[];
}

export const configText = (c: InitConfig): string => `${JSON.stringify({
  $schema: c.schema,
  repo: '.',
  main: c.main,
  build: {
    versionVar: c.versionVar, ...(c.tags?.length ? { tags: c.tags } : {}),
  },
  target: { container: c.container, ...(c.image ? { image: c.image } : {}), ...(c.create ? { create: c.create } : {}) },
  ...(c.imageInputs?.length ? { plan: { imageInputs: c.imageInputs } } : {}),
}, null, 2)}\n`;
