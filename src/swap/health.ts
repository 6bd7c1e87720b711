/**
 * "Is the new code serving?": the health URL answers 2xx, the version URL reports the stamped version,
 * and the container neither exits nor restart-loops meanwhile. Polls fast (intervalMs) because the
 * listener opens before the server is ready.
 */
import http from 'node:http';
import https from 'node:https';
import { operationError } from '../errors.js';
import type { HealthConfig } from '../config/types.js';
import type { ContainerClient } from '../docker/client.js';

export interface HealthExpectation {
  /** The version /api/version must report; null skips that check. */
  readonly version: string | null;
  /** StartedAt right after our restart: a different one later means the container restarted again. */
  readonly startedAt: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Inspecting on every poll would double the load for nothing; every ~200 ms catches a crash quickly. */
const INSPECT_EVERY_MS = 200;

/**
 * One GET with node:http, not fetch(): undici loads on the first fetch() of a process (~80–100 ms here),
 * which a one-shot swap would pay inside its health phase. Loopback only (the config schema enforces it).
 */
function fetchText(url: string, dial?: Dial): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const request = (url.startsWith('https:') ? https : http).get(url, { agent: false, timeout: 2000, ...tunnelled(url, dial) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', () => resolve(null));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null)); // not listening yet
  });
}

type Dial = NonNullable<ContainerClient['dial']>;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** A loopback URL of a remote engine means its host's loopback: the connection is opened there (SSH). */
function tunnelled(url: string, dial: Dial | undefined): Pick<http.RequestOptions, 'agent' | 'createConnection'> {
  const { hostname, port, protocol } = new URL(url);
  if (!dial || !LOOPBACK.test(hostname)) return {};
  const host = hostname === '[::1]' ? '::1' : hostname;
  const target = Number(port) || (protocol === 'https:' ? 443 : 80);
  return {
    agent: undefined, // with an agent (even agent: false), Node ignores createConnection
    createConnection: (_options, done) => {
      dial(host, target).then((s) => done(null, s as never), (e: Error) => done(e, undefined as never));
      return undefined as never;
    },
  };
}

const reportedVersion = (body: string): string | null => {
  try {
    return (JSON.parse(body) as { version?: unknown }).version?.toString() ?? null;
  } catch {
    return null;
  }
};

async function lastLogLines(container: ContainerClient): Promise<string> {
  const text = await container.logs({ tail: 10 }).catch(() => '');
  return text.trimEnd();
}

async function checkContainer(container: ContainerClient, expect: HealthExpectation): Promise<void> {
  const state = await container.inspect();
  if (!state) throw operationError(`container ${container.name} disappeared during the health check`, { phase: 'health' });
  const looping = state.restarting || (state.running && state.startedAt !== expect.startedAt);
  if (!state.running || looping) {
    const what = looping ? 'is restart-looping' : `exited with code ${state.exitCode}`;
    throw operationError(`${container.name} ${what} after the swap`, {
      phase: 'health', details: await lastLogLines(container), hint: 'see the container log above',
    });
  }
}

/** Resolves once healthy; throws an operation error (phase health) otherwise. */
export async function waitHealthy(container: ContainerClient, health: HealthConfig, expect: HealthExpectation): Promise<string[]> {
  const warnings: string[] = [];
  const deadline = Date.now() + health.timeoutMs;
  let lastInspect = 0;
  let lastProblem = 'no answer yet';
  let urlOk = health.url === null;
  while (Date.now() < deadline) {
    const inspectNow = Date.now() - lastInspect >= INSPECT_EVERY_MS;
    if (inspectNow) lastInspect = Date.now();
    // Both URLs and the inspect at once (a dead container fails the inspect, whatever the URLs say); the version
    // answer is only trusted once the health URL has said 2xx.
    const wantVersion = !!health.versionUrl && expect.version !== null;
    const [answer, versionAnswer] = await Promise.all([
      !urlOk && health.url ? fetchText(health.url, container.dial) : null,
      wantVersion ? fetchText(health.versionUrl!, container.dial) : null,
      inspectNow ? checkContainer(container, expect) : null,
    ]);
    if (!urlOk && health.url) {
      urlOk = !!answer && answer.status >= 200 && answer.status < 300;
      lastProblem = answer ? `${health.url} answered ${answer.status}` : `${health.url} did not answer`;
    }
    if (urlOk && !wantVersion) return warnings;
    if (urlOk && wantVersion) {
      const served = versionAnswer ? reportedVersion(versionAnswer.body) : null;
      if (served === expect.version) return warnings;
      lastProblem = `${health.versionUrl} reports version ${served ?? '(none)'}, expected ${expect.version}`;
    }
    await sleep(health.intervalMs);
  }
  await checkContainer(container, expect);
  throw operationError(`${container.name} was not healthy within ${health.timeoutMs} ms: ${lastProblem}`, {
    phase: 'health', details: await lastLogLines(container),
    hint: 'check target.health in hotswap.config.json, or raise target.health.timeoutMs',
  });
}
