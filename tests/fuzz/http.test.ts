import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Booted, boot } from '../server/helpers.js';
import { hostileValue } from './hostile.js';

// Fuzzed HTTP (issue #13 item 5): bodies, query strings and paths, including traversal attempts on the static
// server. Every answer is a success or a 4xx with the error shape (JSON routes) or a plain 404 (static); never a
// 5xx, never a file from outside the client build.

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'server', 'fixtures', 'dist');
let s: Booted;
let logged = '';
let roomId: string;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      logged += chunk.toString();
      cb();
    },
  });
  s = await boot({ clientDist: dist, logger: pino({ level: 'warn' }, sink), limits: { roomsPerMin: 100_000 } });
  ({ roomId } = await s.createRoom());
});
afterAll(() => s.close());

// Markers of files outside client/dist: the repo's package.json, a server source, /etc/passwd.
const LEAKS = [/"rate-limiter-flexible"/, /createApp\(/, /root:.*:0:0:/];

async function expectSafe(res: Response, what: string): Promise<void> {
  const body = await res.text();
  expect(res.status, what).toBeLessThan(500);
  for (const leak of LEAKS) expect(body, what).not.toMatch(leak);
  if (res.status >= 400 && (res.headers.get('content-type') ?? '').includes('json')) {
    const parsed = JSON.parse(body) as { ok: boolean; error: { code: string; message: string } };
    expect(parsed.ok, what).toBe(false);
    expect(typeof parsed.error.code, what).toBe('string');
  }
}

const segment = fc.oneof(
  fc.constantFrom('..', '%2e%2e', '%2E%2E', '..%2f..%2f', '..%5c..%5c', '%252e%252e', '....//', '.%00.', '%00', '%', '%zz', '~', '.git'),
  fc.constantFrom('etc/passwd', 'package.json', 'server/app.ts', 'index.html', 'app.js', 'api', 'room', 'rooms', 'battles'),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.string({ maxLength: 12 }),
);
const pathArb = fc.array(segment, { minLength: 1, maxLength: 8 }).map((parts) => `/${parts.join('/')}`);
const queryArb = fc
  .dictionary(
    fc.constantFrom('branch', 'room', 'keyframes', 'format', 'x', 'branch[]', '__proto__', 'constructor[prototype]'),
    fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('all', 'none', 'md', 'json', '%00', '..')),
  )
  .map((q) => new URLSearchParams(q).toString());

describe('fuzzed HTTP', () => {
  it('the raw client sees what the static server serves (so the leak check can fail)', async () => {
    expect((await rawGet(s.port, '/app.js')).status).toBe(200);
    expect((await rawGet(s.port, '/../package.json')).status).toBe(404);
  });

  it('paths, including traversal, never leak a file outside the client build nor fail with 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(pathArb, async (p) => {
        // fetch() would normalize "..": send the raw path on a socket-level request instead.
        const res = await rawGet(s.port, p);
        expect(res.status, p).toBeGreaterThanOrEqual(200);
        expect(res.status, p).toBeLessThan(500);
        for (const leak of LEAKS) expect(res.body, p).not.toMatch(leak);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('query strings on every GET route', async () => {
    const routes = [
      '/api/battles/fixture-skirmish/timeline',
      `/api/rooms/${roomId}/annotations`,
      `/api/rooms/${roomId}/branches`,
      '/api/battles',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), queryArb, async (route, q) => {
        await expectSafe(await fetch(`${s.url}${route}?${q}`), `${route}?${q}`);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('POST /api/rooms bodies: hostile JSON, malformed JSON, wrong content types', async () => {
    const body = fc.oneof(
      hostileValue.map((v) => JSON.stringify({ battleId: v }) ?? 'null'),
      fc
        .dictionary(fc.constantFrom('battleId', 'branchId', 'settings', '__proto__', 'constructor'), hostileValue)
        .map((v) => JSON.stringify(v) ?? 'null'),
      fc.constantFrom('{', '{"battleId":', '[]', 'null', '"x"', '{"__proto__":{"polluted":1},"battleId":"fixture-skirmish"}', '\u0000'),
      fc.string({ maxLength: 200 }),
    );
    const type = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16');
    await fc.assert(
      fc.asyncProperty(body, type, async (b, t) => {
        const res = await fetch(`${s.url}/api/rooms`, { method: 'POST', headers: { 'content-type': t }, body: b });
        await expectSafe(res, `${t} ${b.slice(0, 100)}`);
      }),
      { numRuns: RUNS },
    );
    const tooBig = await fetch(`${s.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"x":"${'y'.repeat(2_000_000)}"}`,
    });
    expect(tooBig.status).toBe(413);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(logged).not.toMatch(/http handler failed/);
  }, 120_000);
});

/** A GET with the path sent byte for byte (no URL normalization). */
async function rawGet(port: number, p: string): Promise<{ status: number; body: string }> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let data = '';
    c.setEncoding('latin1');
    c.on('data', (d: string) => (data += d));
    c.on('error', reject);
    c.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    c.write(`GET ${p.replace(/[\s]/g, '%20')} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}
