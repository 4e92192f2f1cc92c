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

/** What `connectionAddresses` needs of a socket.io server: its engine's connections and their first request. */
interface EngineLike {
  engine: { on(event: 'connection', listener: (raw: { request: IncomingMessage | null }) => void): unknown };
}

/**
 * Each connection's client address, taken once from its handshake request, which is then released: socket.io
 * otherwise keeps that first request (headers, parser state) for the life of the socket, a few KB per viewer
 * (the documented remedy: https://socket.io/docs/v4/memory-usage/). Nothing else here reads `socket.request`.
 */
export function connectionAddresses(io: EngineLike, trustProxy: number): (socket: { conn: object }) => string {
  const addresses = new WeakMap<object, string>();
  io.engine.on('connection', (raw) => {
    if (raw.request) addresses.set(raw, clientAddress(raw.request, trustProxy));
    raw.request = null;
  });
  return (socket) => addresses.get(socket.conn) ?? 'unknown';
}
