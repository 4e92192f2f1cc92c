import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionAddresses } from '../../server/limits/address.js';
import { until } from './helpers.js';

// What a connection keeps of its websocket upgrade request (docs/benchmarks.md, "viewerrss"): engine.io's upgrade
// path leaves listeners that hold the request for the life of the socket. connectionAddresses reads the client
// address once and releases the request and those listeners; the connection itself must work as before.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

async function server(release: boolean) {
  const http = createServer();
  const io = new Server(http);
  const addressOf = release ? connectionAddresses(io, 0) : null;
  // The upgrade request of each connection, weakly: collectable once nothing holds it.
  const requests: WeakRef<IncomingMessage>[] = [];
  io.engine.on('initial_headers', (_h: unknown, req: IncomingMessage) => requests.push(new WeakRef(req)));
  const seen: { address: string | null; disconnected: boolean }[] = [];
  io.on('connection', (socket) => {
    const s = { address: addressOf?.(socket) ?? null, disconnected: false };
    seen.push(s);
    socket.on('echo', (x: unknown, ack: (y: unknown) => void) => ack(x));
    socket.on('disconnect', () => {
      s.disconnected = true;
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => io.close(() => r())));
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requests, seen };
}

async function client(url: string): Promise<ClientSocket> {
  const c = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  closers.push(async () => void c.disconnect());
  await new Promise<void>((resolve, reject) => {
    c.on('connect', resolve);
    c.on('connect_error', reject);
  });
  return c;
}

/**
 * Whether the request is collected: full GCs until it is gone or `withinMs` has passed (it may be young, or held by
 * a pending microtask for a moment). Polls the condition; a held request is the negative case of the same window.
 */
async function collected(ref: WeakRef<object>, withinMs = 2000): Promise<boolean> {
  const end = performance.now() + withinMs;
  while (ref.deref() && performance.now() < end) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return ref.deref() === undefined;
}

describe('the websocket upgrade request', () => {
  it('is held for the life of the socket by a bare socket.io server (what the release fixes)', async () => {
    const s = await server(false);
    await client(s.url);
    expect(s.requests).toHaveLength(1);
    expect(await collected(s.requests[0], 300)).toBe(false); // still held after 300 ms of full GCs
  });

  it('is released once the client address is read; the socket still answers, and its disconnect is still seen', async () => {
    const s = await server(true);
    const c = await client(s.url);
    expect(s.seen[0].address).toBe('127.0.0.1');
    expect(await collected(s.requests[0])).toBe(true);
    const raw = [...s.io.of('/').sockets.values()][0].conn as unknown as {
      transport: { socket: { listeners(e: string): { name: string }[]; _socket: { listenerCount(e: string): number } } };
    };
    expect(raw.transport.socket.listeners('error').map((f) => f.name)).not.toContain('onUpgradeError');
    expect(raw.transport.socket.listeners('error').length).toBeGreaterThan(0); // the transport's own stays
    expect(await c.timeout(2000).emitWithAck('echo', { n: 1 })).toEqual({ n: 1 });
    c.disconnect();
    await until(() => s.seen[0].disconnected, 5000, 'server-side disconnect');
  });

  it('a client that drops its TCP connection is still seen to disconnect', async () => {
    const s = await server(true);
    const c = await client(s.url);
    (c.io.engine as unknown as { transport: { ws: { _socket: { destroy(): void } } } }).transport.ws._socket.destroy();
    await until(() => s.seen[0].disconnected, 5000, 'server-side disconnect after a TCP drop');
  });
});
