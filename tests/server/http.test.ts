import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from './helpers.js';
import { FIXTURE_BATTLE, FIXTURE_BRANCH, FIXTURE_DURATION } from './fixtures/timeline.js';

let s: Booted;
beforeAll(async () => {
  s = await boot();
});
afterAll(() => s.close());

const get = (path: string, init?: RequestInit) => fetch(`${s.url}${path}`, init);
const post = (path: string, body: unknown) =>
  fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('HTTP API', () => {
  it('lists battles without map geometry, with durations', async () => {
    const res = await get('/api/battles');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { battles: Record<string, unknown>[] };
    expect(body.battles).toHaveLength(1);
    expect(body.battles[0]).toMatchObject({ id: FIXTURE_BATTLE, durationMs: FIXTURE_DURATION });
    expect(body.battles[0].map).toBeUndefined();
  });

  it('describes one battle with its canonical timeline summary (no events)', async () => {
    const res = await get(`/api/battles/${FIXTURE_BATTLE}`);
    const body = (await res.json()) as { battle: { id: string }; timeline: Record<string, unknown> };
    expect(body.battle.id).toBe(FIXTURE_BATTLE);
    expect(body.timeline.branchId).toBe(FIXTURE_BRANCH);
    expect(body.timeline.eventCount).toBeGreaterThan(100);
    expect(body.timeline.events).toBeUndefined();
    expect(body.timeline.keyframes).toBeUndefined();
  });

  it('serves the full timeline gzipped with an ETag, and 304 on revalidation', async () => {
    const res = await get(`/api/battles/${FIXTURE_BATTLE}/timeline?branch=${FIXTURE_BRANCH}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const tl = (await res.json()) as { events: unknown[]; keyframes: unknown[] };
    expect(tl.events.length).toBeGreaterThan(100);
    expect(tl.keyframes.length).toBeGreaterThan(5);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/); // gzipped: weak (the plain JSON's is strong)
    const again = await get(`/api/battles/${FIXTURE_BATTLE}/timeline`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    // Weak comparison: a plain request revalidates with it too (and names the plain JSON's strong tag).
    const plain = await get(`/api/battles/${FIXTURE_BATTLE}/timeline`, {
      headers: { 'if-none-match': etag, 'accept-encoding': 'identity' },
    });
    expect(plain.status).toBe(304);
    expect(plain.headers.get('etag')).toBe(etag.slice(2));
  });

  it('answers 413 TOO_LARGE for keyframes too big to build, and still serves keyframes=none', async () => {
    const small = await boot({ maxKeyframeJsonBytes: 1000 });
    try {
      const res = await fetch(`${small.url}/api/battles/${FIXTURE_BATTLE}/timeline`);
      expect(res.status).toBe(413);
      const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe('TOO_LARGE');
      expect(body.error.message).toContain('keyframes=none');
      const lean = await fetch(`${small.url}/api/battles/${FIXTURE_BATTLE}/timeline?keyframes=none`);
      expect(lean.status).toBe(200);
      expect(((await lean.json()) as { events: unknown[] }).events.length).toBeGreaterThan(100);
    } finally {
      await small.close();
    }
  });

  it('404s unknown battles and branches with the error shape', async () => {
    for (const path of [
      '/api/battles/nope',
      '/api/battles/nope/timeline',
      `/api/battles/${FIXTURE_BATTLE}/timeline?branch=nope`,
      '/api/rooms/nope',
      '/api/rooms/nope/annotations',
      '/api/whatever',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('creates a room and returns its state without the instructor key', async () => {
    const res = await post('/api/rooms', { battleId: FIXTURE_BATTLE, settings: { openControl: true } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { roomId: string; instructorKey: string; joinUrl: string };
    expect(created.roomId).toBeTruthy();
    expect(created.instructorKey.length).toBeGreaterThan(16);
    expect(created.joinUrl).toBe(`/room/${created.roomId}`);
    const room = await get(`/api/rooms/${created.roomId}`);
    const text = await room.text();
    expect(text).not.toContain(created.instructorKey);
    const state = JSON.parse(text) as {
      battleId: string;
      branchId: string;
      settings: { openControl: boolean; stepMode: boolean };
      clock: { state: string; durationMs: number };
    };
    expect(state).toMatchObject({ battleId: FIXTURE_BATTLE, branchId: FIXTURE_BRANCH, settings: { openControl: true, stepMode: false } });
    expect(state.clock).toMatchObject({ state: 'paused', durationMs: FIXTURE_DURATION });
  });

  it('rejects bad room bodies with 400 and unknown battles with 404', async () => {
    const bad = [{}, { battleId: '' }, { battleId: FIXTURE_BATTLE, settings: { openControl: 'yes' } }, '{not json'];
    for (const body of bad) {
      const res = await post('/api/rooms', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const unknown = await post('/api/rooms', { battleId: 'nope' });
    expect(unknown.status).toBe(404);
    const unknownBranch = await post('/api/rooms', { battleId: FIXTURE_BATTLE, branchId: 'nope' });
    expect(unknownBranch.status).toBe(404);
  });

  it('reports health and Prometheus metrics', async () => {
    const h = await get('/healthz');
    expect(await h.json()).toMatchObject({ ok: true });
    const m = await (await get('/metrics')).text();
    expect(m).toContain('wardroom_rooms_active');
    expect(m).toContain('wardroom_broadcasts_total');
    expect(m).toContain('wardroom_loop_lag_ms');
  });
});

describe('static client', () => {
  it('serves client/dist with SPA fallback for / and /room/:id, JSON 404 for unknown API routes', async () => {
    const dist = new URL('./fixtures/dist/', import.meta.url).pathname;
    const web = await boot({ clientDist: dist });
    try {
      for (const path of ['/', '/room/abc123']) {
        const res = await fetch(`${web.url}${path}`);
        expect(res.status, path).toBe(200);
        expect(await res.text()).toContain('wardroom test shell');
      }
      const js = await fetch(`${web.url}/app.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      const api = await fetch(`${web.url}/api/nope`);
      expect(api.status).toBe(404);
      expect(await api.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      await web.close();
    }
  });
});
