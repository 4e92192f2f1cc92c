import type { IncomingMessage } from 'node:http';

// Which browser pages may open a socket. Browsers always send Origin on a cross-origin request and on every
// websocket upgrade, so a request without one is a same-origin polling GET or a non-browser client: allowed.

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function originAllowed(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin of sandboxed frames and file: pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (LOCAL_HOSTS.has(url.hostname)) return true;
  if (host !== undefined && url.host === host.toLowerCase()) return true; // the server's own origin
  return allowed.has(url.origin);
}

/** socket.io's `allowRequest`: refuse the handshake (HTTP 403 "origin not allowed") of a foreign page. */
export function originCheck(allowedOrigins: string[], onRejected: () => void) {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const origin = req.headers.origin;
    if (originAllowed(origin, req.headers.host, allowed)) {
      callback(null, true);
      return;
    }
    onRejected();
    callback('origin not allowed', false);
  };
}
