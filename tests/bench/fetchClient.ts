import { request, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { segmentIndexAt, type BranchManifest } from '../../shared/battle/segments.js';

// The forks bench's client of another server process (tests/bench/forks.ts), as a Node process of its own: it fetches
// a branch's manifest and the segment at a moment and times them here, so neither the forking server's compile nor
// the bench's other work shares its thread. node:http, not fetch: the compressed bytes are timed as they arrive (the
// issue's "first segment": request -> last byte), and their decoding separately (a browser decodes natively).

export interface FetchClientRequest {
  id: number;
  url: string;
  battleId: string;
  branchId: string;
  atMs: number;
  room: string;
}

/** ms from the manifest request (t0) except `segment` and `decode`; t0/t1 as epoch ms (for trace windows). */
export interface FirstSegmentTiming {
  /** Manifest request -> the segment's last byte in (compressed, not decoded). */
  total: number;
  /** The manifest's body in. */
  manifest: number;
  /** The segment's response headers in. */
  headers: number;
  /** The segment's request -> its last byte in (the segment alone). */
  segment: number;
  /** Decoding the segment's body (brotli / gzip) after it was in. */
  decode: number;
  encoding: string;
  /** Compressed bytes received. */
  bytes: number;
  t0: number;
  t1: number;
}

export type FetchClientReply = { id: number; ok: true; result: FirstSegmentTiming } | { id: number; ok: false; error: string };

interface Got {
  res: IncomingMessage;
  headersAt: number;
  body: Buffer;
}

function get(url: string, acceptEncoding: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': acceptEncoding }, agent: false }, (res) => {
      const headersAt = performance.now();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, headersAt, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'gzip') return gunzipSync(body);
  return body;
}

export async function firstSegment(q: Omit<FetchClientRequest, 'id'>): Promise<FirstSegmentTiming> {
  const base = `${q.url}/api/battles/${q.battleId}/branches/${q.branchId}`;
  const t0 = performance.now();
  const m = await get(`${base}/manifest?room=${q.room}`, 'gzip');
  if (m.res.statusCode !== 200) throw new Error(`manifest: ${m.res.statusCode} ${decode(m.body, m.res.headers['content-encoding'])}`);
  const tm = performance.now();
  const manifest = JSON.parse(decode(m.body, m.res.headers['content-encoding']).toString()) as BranchManifest;
  const index = segmentIndexAt(manifest.segments, q.atMs);
  const ts = performance.now();
  const s = await get(`${base}/segments/${index}?room=${q.room}`, 'br, gzip');
  const tb = performance.now();
  const encoding = s.res.headers['content-encoding'] ?? 'identity';
  if (s.res.statusCode !== 200) throw new Error(`segment: ${s.res.statusCode} ${decode(s.body, encoding)}`);
  const json = decode(s.body, encoding);
  const td = performance.now();
  if (json.byteLength !== manifest.segments[index]?.bytes)
    throw new Error(`segment ${index}: ${json.byteLength} bytes decoded, manifest lists ${manifest.segments[index]?.bytes}`);
  return {
    total: tb - t0,
    manifest: tm - t0,
    headers: s.headersAt - t0,
    segment: tb - ts,
    decode: td - tb,
    encoding,
    bytes: s.body.byteLength,
    t0: performance.timeOrigin + t0,
    t1: performance.timeOrigin + tb,
  };
}

process.on('message', async (raw) => {
  const { id, ...q } = raw as FetchClientRequest;
  try {
    process.send?.({ id, ok: true, result: await firstSegment(q) } satisfies FetchClientReply);
  } catch (err) {
    process.send?.({ id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies FetchClientReply);
  }
});
// The bench gone: go too.
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
