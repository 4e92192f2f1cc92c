import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { keyMatches } from '../../server/rooms/access.js';
import { originAllowed } from '../../server/security/origin.js';
import { MemoryStore } from '../../server/store/memory.js';
import type { Member } from '../../shared/protocol/events.js';
import { type Booted, boot } from './helpers.js';

// Origin allow-list on the socket handshake, security headers on HTML and JSON, the instructor key kept out
// of the logs (issue #13 item 4). Real server, real socket.io clients sending the Origin a browser would.

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dist');
let s: Booted | null = null;
let sockets: Socket[] = [];
afterEach(async () => {
  for (const x of sockets) x.disconnect();
  sockets = [];
  await s?.close();
  s = null;
});

function tryConnect(url: string, origin: string | null, transport: 'websocket' | 'polling' = 'websocket'): Promise<boolean> {
  const sock = connect(url, {
    transports: [transport],
    forceNew: true,
    reconnection: false,
    ...(origin ? { extraHeaders: { Origin: origin } } : {}),
  });
  sockets.push(sock);
  return new Promise((resolve) => {
    sock.on('connect', () => resolve(true));
    sock.on('connect_error', () => resolve(false));
  });
}

describe('Origin allow-list (allowRequest)', () => {
  it('refuses a foreign page, on websocket and on polling; allows own origin, localhost, ALLOWED_ORIGINS and non-browsers', async () => {
    s = await boot({ allowedOrigins: ['https://class.example'] });
    expect(await tryConnect(s.url, 'http://evil.example')).toBe(false);
    expect(await tryConnect(s.url, 'http://evil.example', 'polling')).toBe(false);
    expect(await tryConnect(s.url, 'null')).toBe(false);
    expect(await tryConnect(s.url, 'https://class.example.evil.example')).toBe(false);
    expect(await tryConnect(s.url, s.url)).toBe(true);
    expect(await tryConnect(s.url, 'http://localhost:5173')).toBe(true);
    expect(await tryConnect(s.url, 'https://class.example')).toBe(true);
    expect(await tryConnect(s.url, null)).toBe(true);
    expect(await s.app.metrics.registry.getSingleMetricAsString('wardroom_origin_rejected_total')).toMatch(/ 4$/m);
  });

  it('matches origins exactly', () => {
    const allowed = new Set(['https://class.example']);
    expect(originAllowed('https://class.example', 'wardroom.example', allowed)).toBe(true);
    expect(originAllowed('http://class.example', 'wardroom.example', allowed)).toBe(false);
    expect(originAllowed('https://wardroom.example', 'wardroom.example', allowed)).toBe(true);
    expect(originAllowed('https://wardroom.example:444', 'wardroom.example', allowed)).toBe(false);
    expect(originAllowed('ftp://localhost', 'wardroom.example', allowed)).toBe(false);
    expect(originAllowed('not a url', 'wardroom.example', allowed)).toBe(false);
  });
});

describe('security headers', () => {
  it('HTML and JSON carry a strict CSP, nosniff, no-referrer and frame-ancestors', async () => {
    s = await boot({ clientDist: dist });
    for (const p of ['/', '/room/abc', '/api/battles', '/api/nope', '/healthz']) {
      const res = await fetch(`${s.url}${p}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, p).toContain("script-src 'self'");
      expect(csp, p).toContain("default-src 'self'");
      expect(csp, p).toContain("frame-ancestors 'none'");
      expect(csp, p).toContain("object-src 'none'");
      expect(csp, p).not.toContain('unsafe-inline');
      expect(csp, p).not.toContain('unsafe-eval');
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), p).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), p).toBe('SAMEORIGIN');
      expect(res.headers.get('x-powered-by'), p).toBeNull();
    }
  });
});

describe('instructor key', () => {
  it('is compared through equal-length digests (timingSafeEqual) and matches only itself', () => {
    expect(keyMatches('k3y', 'k3y')).toBe(true);
    expect(keyMatches('k3y', 'k3y-longer')).toBe(false);
    expect(keyMatches('', 'k3y')).toBe(false);
    expect(keyMatches(undefined, 'k3y')).toBe(false);
  });

  it('never appears in the logs, even at trace level and through failures', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    // A store that fails the second write of a member: the join handler's failure is logged (INTERNAL).
    class FlakyMembers extends MemoryStore {
      writes = 0;
      override async upsertMember(roomId: string, m: Member): Promise<void> {
        if (++this.writes === 2) throw new Error('disk on fire');
        return super.upsertMember(roomId, m);
      }
    }
    s = await boot({ store: new FlakyMembers(), logger: pino({ level: 'trace' }, sink) });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey, pings: 1 });
    await inst.ready;
    expect(await inst.call('room:join', { roomId, name: 'Sisko', instructorKey })).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
    const wrong = s.client({ roomId, name: 'Dukat', role: 'instructor', instructorKey: `${instructorKey}x`, pings: 0 });
    await expect(wrong.ready).rejects.toThrow(/FORBIDDEN/);
    await inst.call('room:join', { roomId, name: 'x'.repeat(100), instructorKey });
    await fetch(`${s.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"instructorKey":"${instructorKey}"`,
    });
    expect(logged).toContain('socket handler failed'); // the failure was logged ...
    expect(logged).not.toContain(instructorKey); // ... without the key
  });
});
