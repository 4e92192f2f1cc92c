import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';

// Large, immutable-per-branch payloads (a full timeline is ~MBs of JSON) are serialized and gzipped
// once per timeline object and revalidated with a strong ETag, instead of a general compression middleware.

interface Encoded {
  etag: string;
  json: Buffer;
  gzip: Buffer | null;
}

const cache = new WeakMap<object, Encoded>();

export function sendCachedJson(req: Request, res: Response, key: object, etag: string, body: () => unknown): void {
  let enc = cache.get(key);
  if (!enc) {
    enc = { etag: `"${etag}"`, json: Buffer.from(JSON.stringify(body())), gzip: null };
    cache.set(key, enc);
  }
  res.setHeader('ETag', enc.etag);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === enc.etag) {
    res.status(304).end();
    return;
  }
  res.type('application/json');
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && enc.json.length > 1024) {
    enc.gzip ??= gzipSync(enc.json);
    res.setHeader('Content-Encoding', 'gzip');
    res.send(enc.gzip);
    return;
  }
  res.send(enc.json);
}
