import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';

// Large, immutable-per-branch payloads (a full timeline is ~MBs of JSON) are serialized and gzipped
// once per timeline object and revalidated with a strong ETag, instead of a general compression middleware.

const gzipAsync = promisify(gzip);

interface Encoded {
  etag: string;
  json: Buffer;
  /** Compressed on the libuv thread pool (a big timeline takes seconds): shared by concurrent requests. */
  gzip: Promise<Buffer> | null;
}

const cache = new WeakMap<object, Encoded>();

export async function sendCachedJson(req: Request, res: Response, key: object, etag: string, body: () => unknown): Promise<void> {
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
    enc.gzip ??= gzipAsync(enc.json, { level: 6 });
    const body = await enc.gzip;
    res.setHeader('Content-Encoding', 'gzip');
    res.send(body);
    return;
  }
  res.send(enc.json);
}
