// Tiny HTTP helpers for health checks against servers on the loopback interface.

export interface TextResponse {
  status: number;
  body: string;
}

/** One GET; rejects on connection errors and timeouts. Only 127.0.0.1 URLs: tests never leave the host. */
export async function getText(url: string, timeoutMs = 2000): Promise<TextResponse> {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') throw new Error(`getText: only http://127.0.0.1 URLs are allowed, got ${url}`);
  const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** Polls `url` until `predicate(body, status)` holds; returns that body. Errors while polling are retried. */
export async function waitForText(
  url: string,
  predicate: (body: string, status: number) => boolean,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const { status, body } = await getText(url, Math.min(2000, Math.max(100, deadline - Date.now())));
      if (predicate(body, status)) return body;
      last = `HTTP ${status}: ${body.slice(0, 200)}`;
    } catch (err) {
      last = String((err as Error)?.cause ?? err);
    }
    if (Date.now() >= deadline) throw new Error(`waitForText ${url}: timed out after ${timeoutMs} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
