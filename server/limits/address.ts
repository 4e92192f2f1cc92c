import type { IncomingMessage } from 'node:http';

/**
 * The client address a per-address limit counts against. With `trustProxy` hops (TRUST_PROXY), the address
 * that many entries from the right of X-Forwarded-For (what the last trusted proxy saw); else the peer address.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return normalize(peer);
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const pick = hops[hops.length - trustProxy] ?? hops[0];
  return normalize(pick ?? peer);
}

// IPv4-mapped IPv6 (::ffff:1.2.3.4) and plain IPv4 are one address; cap the length of what becomes a key.
const normalize = (a: string): string => a.replace(/^::ffff:/, '').slice(0, 64);
