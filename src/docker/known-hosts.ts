/**
 * The keys ~/.ssh/known_hosts holds for one host (pure): plain and hashed (`|1|salt|hmac`) names, `[host]:port`
 * for a port other than 22, as OpenSSH writes them. Markers (@cert-authority, @revoked) and wildcards are not
 * read: such a host is unknown here, and the message says how to add it.
 */
import { createHmac } from 'node:crypto';

const hashedMatch = (pattern: string, name: string) => {
  const [, , salt, hash] = pattern.split('|');
  return !!salt && !!hash && createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
};

/** The base64 key blobs recorded for `host` on `port`. */
export function knownHostKeys(text: string, host: string, port: number): string[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  return text.split('\n').flatMap((line) => {
    const [patterns, , key] = line.trim().split(/\s+/);
    if (!patterns || !key || patterns.startsWith('#') || patterns.startsWith('@')) return [];
    const matches = patterns.split(',').some((p) => (p.startsWith('|1|') ? hashedMatch(p, name) : p === name));
    return matches ? [key] : [];
  });
}
