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
  engine: { on(event: 'connection', listener: (raw: { request: IncomingMessage | null; transport?: unknown }) => void): unknown };
}

/** The parts of ws's WebSocket and its TCP socket that `releaseUpgrade` touches (both are EventEmitters). */
interface Emitter {
  listeners(event: string): unknown[];
  rawListeners(event: string): unknown[];
  off(event: string, listener: (...args: never[]) => unknown): unknown;
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
    releaseUpgrade(raw.transport);
  });
  return (socket) => addresses.get(socket.conn) ?? 'unknown';
}

/**
 * engine.io's websocket upgrade leaves two listeners behind that hold the upgrade request (IncomingMessage, its
 * headers and raw headers, the parsed query) for the life of the connection, even after `request = null` above:
 * `onUpgradeError` on the ws socket (a no-op once the transport listens for errors itself) and the `close` relay of
 * its WebSocketResponse on the TCP socket (for engine.io middlewares watching the response; Wardroom has none).
 * Dropping both frees ~1.5 KB per viewer (docs/benchmarks.md, "viewerrss"). Only a websocket transport has them
 * (the client connects with websocket only); anything unrecognised is left alone, so an engine.io change keeps
 * working, only costing the memory again.
 */
export function releaseUpgrade(transport: unknown): void {
  const t = transport as { name?: string; socket?: Partial<Emitter> & { _socket?: Partial<Emitter> } } | undefined;
  const ws = t?.name === 'websocket' ? t.socket : undefined;
  if (!ws || !isEmitter(ws)) return;
  const tcp = ws._socket;
  // Safe only while the transport has its own error listener (engine.io's WebSocket transport adds it first).
  const errors = ws.listeners('error');
  if (errors.length > 1) for (const f of errors) if (isFn(f) && f.name === 'onUpgradeError') ws.off('error', f);
  if (!tcp || !isEmitter(tcp)) return;
  for (const f of tcp.rawListeners('close')) {
    const inner = (f as { listener?: unknown }).listener;
    if (isFn(inner) && RESPONSE_CLOSE.test(String(inner))) tcp.off('close', inner);
  }
}

// WebSocketResponse's constructor: `socket.once("close", () => this.emit("close"))` (engine.io 6).
const RESPONSE_CLOSE = /^\(\)\s*=>\s*this\.emit\(["']close["']\)$/;
const isFn = (f: unknown): f is (...args: never[]) => unknown => typeof f === 'function';
const isEmitter = <T extends Partial<Emitter>>(x: T): x is T & Emitter =>
  typeof x.listeners === 'function' && typeof x.rawListeners === 'function' && typeof x.off === 'function';
