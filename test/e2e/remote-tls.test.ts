/**
 * An engine over tcp:// with TLS, as DOCKER_TLS_VERIFY/DOCKER_CERT_PATH and a docker context's TLS files give it.
 * The engine is this run's own behind a TLS front on a loopback port (a Node TLS server that demands a client
 * certificate from the test's throwaway CA and relays to the engine's unix socket): a client without the right
 * certificate is refused, so a passing swap proves hotswap presented the files.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { ENGINE_SOCKET, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-tls';
let repo: FixtureRepo;
let port: number;
let dir: string;
let front: tls.Server;
let host: string;

/** A key and a certificate signed by the test CA in `dir`, with `ext` (an openssl extension line). */
function issue(name: string, ext: string) {
  const file = (suffix: string) => path.join(dir, `${name}${suffix}`);
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('-key.pem'), '-out', file('.csr'), '-subj', `/CN=${name}`], { stdio: 'ignore' });
  fs.writeFileSync(file('.ext'), `${ext}\n`);
  execFileSync('openssl', ['x509', '-req', '-in', file('.csr'), '-CA', path.join(dir, 'ca.pem'), '-CAkey', path.join(dir, 'ca-key.pem'), '-CAcreateserial', '-days', '1', '-out', file('-cert.pem'), '-extfile', file('.ext')], { stdio: 'ignore' });
}

/** docker's names in a cert dir: ca.pem, cert.pem, key.pem. */
function certDir(at: string): string {
  fs.mkdirSync(at, { recursive: true });
  fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(at, 'ca.pem'));
  fs.copyFileSync(path.join(dir, 'client-cert.pem'), path.join(at, 'cert.pem'));
  fs.copyFileSync(path.join(dir, 'client-key.pem'), path.join(at, 'key.pem'));
  return at;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'ca-key.pem'), '-out', path.join(dir, 'ca.pem'), '-days', '1', '-subj', '/CN=hotswap-test-ca'], { stdio: 'ignore' });
  issue('server', 'subjectAltName=IP:127.0.0.1');
  issue('client', 'extendedKeyUsage=clientAuth');
  const read = (name: string) => fs.readFileSync(path.join(dir, name));
  const socket = ENGINE_SOCKET;
  front = tls.createServer({ key: read('server-key.pem'), cert: read('server-cert.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true, allowHalfOpen: true }, (client) => {
    const engine = net.connect({ path: socket, allowHalfOpen: true }); // exec's stdin ends before its output
    client.pipe(engine).pipe(client);
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  host = `tcp://127.0.0.1:${(front.address() as net.AddressInfo).port}`;
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  writeTestConfig(repo.dir, { container: NAME, port });
  await startContainer({ name: NAME, port });
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo?.remove();
  await new Promise((resolve) => front?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an engine over tcp:// with TLS', () => {
  it('DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: doctor has no plain-TCP warning, and swap works', async () => {
    const env = { DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir(path.join(dir, 'env-certs')) };
    const doctor = await runCli(['doctor'], { cwd: repo.dir, env });
    expect(doctor.stdout).toMatch(/^OK +docker +Docker .* at tcp:\/\/127\.0\.0\.1:\d+ \(from DOCKER_HOST\)$/m);
    expect(doctor.stdout).not.toContain('plain TCP');
    repo.setMessage('hello over TLS');
    const r = await runCli(['swap'], { cwd: repo.dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect((await getText(`http://127.0.0.1:${port}/api/hello`)).body).toBe('hello over TLS');
  });

  it('without the client certificate the engine refuses: exit 3 naming it', async () => {
    const r = await runCli(['swap'], { cwd: repo.dir, env: { DOCKER_HOST: host } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Docker is not reachable at ${host} (chosen by DOCKER_HOST`);
  });

  it('a docker context with TLS files under contexts/tls/ is used with them', async () => {
    const config = path.join(dir, 'docker-config');
    const id = createHash('sha256').update('tls-box').digest('hex');
    fs.mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
    fs.writeFileSync(path.join(config, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: 'tls-box', Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
    certDir(path.join(config, 'contexts', 'tls', id, 'docker'));
    const r = await runCli(['doctor'], { cwd: repo.dir, env: { DOCKER_HOST: '', DOCKER_CONFIG: config, DOCKER_CONTEXT: 'tls-box' } });
    expect(r.stdout).toMatch(/^OK +docker +Docker .* at tcp:\/\/127\.0\.0\.1:\d+ \(from DOCKER_CONTEXT=tls-box\)$/m);
  });
});
