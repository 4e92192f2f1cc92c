import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';

// Large, immutable-per-branch payloads (a full timeline is ~MBs of JSON) are serialized and gzipped
// once per timeline object and revalidated with an ETag, instead of a general compression middleware.

const gzipAsync = promisify(gzip);

interface Encoded {
  etag: string;
  json: Buffer;
  /** Compressed on the libuv thread pool (a big timeline takes seconds): shared by concurrent requests. */
  gzip: Promise<Buffer> | null;
}

const cache = new WeakMap<object, Encoded>();

/**
 * The ETag header for `tag` (quoted): strong for the plain JSON, weak (`W/`) when the body is content-coded. A strong
 * ETag promises byte-identical bodies (RFC 9110, 8.8.1); compressed bytes of one JSON differ between codings, and
 * within one coding between effort levels or a stitched and a whole stream (segments), so only the JSON is strong.
 */
export function etagFor(tag: string, coded: boolean): string {
  return coded ? `W/${tag}` : tag;
}

/** If-None-Match by weak comparison (RFC 9110, 13.1.2): `W/"x"` and `"x"` match either form of `tag`; `*` matches. */
export function etagMatches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  const opaque = (t: string) => (t.startsWith('W/') ? t.slice(2) : t);
  return header.split(',').some((t) => t.trim() === '*' || opaque(t.trim()) === opaque(tag));
}

export async function sendCachedJson(req: Request, res: Response, key: object, etag: string, body: () => unknown): Promise<void> {
  let enc = cache.get(key);
  if (!enc) {
    enc = { etag: `"${etag}"`, json: Buffer.from(JSON.stringify(body())), gzip: null };
    cache.set(key, enc);
  }
  const gzipped = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && enc.json.length > 1024;
  res.setHeader('ETag', etagFor(enc.etag, gzipped));
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Vary', 'Accept-Encoding');
  if (etagMatches(req.headers['if-none-match'], enc.etag)) {
    res.status(304).end();
    return;
  }
  res.type('application/json');
  if (gzipped) {
    enc.gzip ??= gzipAsync(enc.json, { level: 6 });
    const body = await enc.gzip;
    res.setHeader('Content-Encoding', 'gzip');
    res.send(body);
    return;
  }
  res.send(enc.json);
}
