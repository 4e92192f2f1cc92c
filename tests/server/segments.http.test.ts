import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSegment, type BranchManifest, type SegmentPayload } from '../../shared/battle/segments.js';
import { boot, type Booted } from './helpers.js';
import { buildFixtureTimeline, FIXTURE_BATTLE, FIXTURE_BRANCH, FIXTURE_DURATION } from './fixtures/timeline.js';

// The data-plane routes over a real server: manifest and segments, their caching headers, ETag/304,
// encodings, and the error shape for bad input.

let s: Booted;
beforeAll(async () => {
  s = await boot();
});
afterAll(() => s.close());

const base = `/api/battles/${FIXTURE_BATTLE}/branches/${FIXTURE_BRANCH}`;
/** node's fetch decodes bodies itself; raw bytes and headers need the low-level request. */
async function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET .../manifest', () => {
  it('lists every segment of a complete branch, no-cache with an ETag (weak when compressed), 304 on revalidation', async () => {
    const res = await raw(`${base}/manifest`, { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('vary')).toMatch(/Accept-Encoding/i);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"m-[0-9a-f]+"$/);
    const m = JSON.parse(gunzipSync(res.body).toString()) as BranchManifest;
    expect(m).toMatchObject({
      battleId: FIXTURE_BATTLE,
      branchId: FIXTURE_BRANCH,
      complete: true,
      compiledMs: FIXTURE_DURATION,
      durationMs: FIXTURE_DURATION,
    });
    expect(m.segments.length).toBeGreaterThanOrEqual(Math.ceil(FIXTURE_DURATION / m.segmentMs));
    expect(m.segments.map((x) => x.index)).toEqual(m.segments.map((_x, i) => i));
    for (const [i, x] of m.segments.entries()) expect(x.startMs).toBe(i ? m.segments[i - 1].endMs : 0); // contiguous
    expect(m.segments.at(-1)!.endMs).toBeGreaterThanOrEqual(FIXTURE_DURATION);
    expect(m.strength).not.toBeNull();
    expect(m.phases.length).toBeGreaterThan(0);
    const again = await raw(`${base}/manifest`, { 'if-none-match': etag, 'accept-encoding': 'gzip' });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const plain = await raw(`${base}/manifest`);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('etag')).toBe(etag.slice(2)); // the plain JSON: strong
    // If-None-Match compares weakly: either form revalidates either encoding.
    expect((await raw(`${base}/manifest`, { 'if-none-match': etag })).status).toBe(304);
    expect((await raw(`${base}/manifest`, { 'if-none-match': etag.slice(2), 'accept-encoding': 'gzip' })).status).toBe(304);
    expect((JSON.parse(plain.body.toString()) as BranchManifest).segments).toEqual(m.segments);
  });
});

describe('GET .../segments/:index', () => {
  it('serves each segment immutable, brotli or gzip or plain, identical to the shared builder, 304 by hash (weak when compressed)', async () => {
    const m = (await (await fetch(`${s.url}${base}/manifest`)).json()) as BranchManifest;
    const tl = buildFixtureTimeline();
    for (const info of m.segments) {
      const br = await raw(`${base}/segments/${info.index}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.status).toBe(200);
      expect(br.headers.get('content-encoding')).toBe('br');
      expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(br.headers.get('etag')).toBe(`W/"${info.hash}"`);
      expect(br.headers.get('content-type')).toMatch(/application\/json/);
      const json = brotliDecompressSync(br.body);
      expect(json.length).toBe(info.bytes);
      const seg = JSON.parse(json.toString()) as SegmentPayload;
      expect(seg).toEqual(JSON.parse(JSON.stringify(buildSegment(tl, tl.events, tl.keyframes, info.index, info.startMs, info.endMs))));
      expect(seg.events).toHaveLength(info.eventCount);
      expect(seg.firstSeq).toBe(info.firstSeq);
      const gz = await raw(`${base}/segments/${info.index}`, { 'accept-encoding': 'gzip' });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(gz.headers.get('etag')).toBe(`W/"${info.hash}"`);
      expect(gunzipSync(gz.body)).toEqual(json);
      const plain = await raw(`${base}/segments/${info.index}`, { 'accept-encoding': 'identity' });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(plain.headers.get('etag')).toBe(`"${info.hash}"`); // the JSON whose hash it is: strong
      expect(plain.body).toEqual(json);
      const noBr = await raw(`${base}/segments/${info.index}`, { 'accept-encoding': 'br;q=0, gzip' });
      expect(noBr.headers.get('content-encoding')).toBe('gzip');
      // Named by its hash (what clients send): the same segment; another hash is refused, a malformed one is 400.
      expect((await raw(`${base}/segments/${info.index}?h=${info.hash}`, { 'accept-encoding': 'gzip' })).body).toEqual(gz.body);
      const stale = await raw(`${base}/segments/${info.index}?h=${'0'.repeat(64)}`, {});
      expect(stale.status).toBe(404);
      expect(JSON.parse(stale.body.toString())).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect((await raw(`${base}/segments/${info.index}?h=xyz`, {})).status).toBe(400);
      const cached = await raw(`${base}/segments/${info.index}`, { 'if-none-match': `"${info.hash}"` });
      expect(cached.status).toBe(304);
      expect(cached.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const cachedBr = await raw(`${base}/segments/${info.index}`, { 'if-none-match': `W/"${info.hash}"`, 'accept-encoding': 'br' });
      expect(cachedBr.status).toBe(304);
      expect(cachedBr.headers.get('etag')).toBe(`W/"${info.hash}"`);
    }
  });

  it('answers bad input with the error shape, never cached', async () => {
    const cases: [string, number, string][] = [
      [`${base}/segments/-1`, 400, 'BAD_REQUEST'],
      [`${base}/segments/1.5`, 400, 'BAD_REQUEST'],
      [`${base}/segments/1e3`, 400, 'BAD_REQUEST'],
      [`${base}/segments/0x1`, 400, 'BAD_REQUEST'],
      [`${base}/segments/007`, 400, 'BAD_REQUEST'],
      [`${base}/segments/abc`, 400, 'BAD_REQUEST'],
      [`${base}/segments/99999999999999999999`, 400, 'BAD_REQUEST'],
      [`${base}/segments`, 400, 'BAD_REQUEST'],
      [`${base}/segments/`, 400, 'BAD_REQUEST'],
      [`${base}/segments/999999`, 404, 'NOT_FOUND'],
      [`${base}/segments/60`, 404, 'NOT_FOUND'],
      [`/api/battles/${FIXTURE_BATTLE}/branches/nope/segments/0`, 404, 'NOT_FOUND'],
      [`/api/battles/${FIXTURE_BATTLE}/branches/nope/manifest`, 404, 'NOT_FOUND'],
      [`/api/battles/nope/branches/${FIXTURE_BRANCH}/manifest`, 404, 'NOT_FOUND'],
      [`/api/battles/nope/branches/${FIXTURE_BRANCH}/segments/0`, 404, 'NOT_FOUND'],
      [`/api/battles/${FIXTURE_BATTLE}/branches/${'x'.repeat(200)}/manifest`, 400, 'BAD_REQUEST'],
      [`${base}/manifest?room=${'r'.repeat(200)}`, 400, 'BAD_REQUEST'],
    ];
    for (const [path, status, code] of cases) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status, path).toBe(status);
      expect(await res.json(), path).toMatchObject({ ok: false, error: { code } });
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    // The server is still fine.
    expect((await fetch(`${s.url}${base}/segments/0`)).status).toBe(200);
  });
});
