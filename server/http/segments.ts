import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { SegmentStore } from '../timelines/SegmentStore.js';
import { FORK_TRACE, mark } from '../timelines/forkTrace.js';
import { etagFor, etagMatches } from './send.js';

// The data plane over HTTP: a branch's manifest and its immutable segments (docs/protocol.md, "Segments").
// Segments are encoded once where they are built and answered from memory; a CDN may cache them forever.

const gunzipAsync = promisify(gunzip);
const idParam = z.string().min(1).max(128);
/** A segment index: a plain non-negative integer (no sign, exponent, hex or padding), below a million. */
const indexParam = z.string().regex(/^(0|[1-9]\d{0,5})$/, 'index must be a non-negative integer below 1000000');
const partParam = z.string().regex(/^(0|[1-9]\d{0,5})$/, 'part must be a non-negative integer below 1000000');
const Query = z.object({ room: idParam.optional() });
/** `h`: the hash the client's manifest lists for the segment. It makes the URL name content (a CDN key that
 * never changes meaning, even across server versions that cut segments differently); a mismatch is a 404. */
const SegmentQuery = Query.extend({
  h: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'h must be a segment hash (64 hex digits)')
    .optional(),
});
/** `after` (manifest): the compiledMs the client holds; the answer waits until the frontier passes it. */
const ManifestQuery = Query.extend({
  after: z
    .string()
    .regex(/^(0|[1-9]\d{0,9})$/, 'after must be a non-negative integer (ms)')
    .optional(),
});
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Longest a manifest request with `after` is held before it answers as is (below common 30-60 s proxy timeouts). */
export const MANIFEST_WAIT_MS = 4_000;

function parse<S extends z.ZodType>(schema: S, value: unknown, name: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError('BAD_REQUEST', `${name}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/** Pick the encoding from Accept-Encoding: brotli, else gzip, else identity (`;q=0` refuses one). */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Set<string>();
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

/**
 * The body in the encoding the request accepts (brotli when made, else gzip, else plain), or 304 when If-None-Match
 * names `tag` (quoted): the ETag is strong only for the plain JSON (etagFor).
 */
async function sendEncoded(req: Request, res: Response, tag: string, body: { gzip: Uint8Array; br?: Uint8Array }): Promise<void> {
  const picked = pickEncoding(req.headers['accept-encoding']);
  const enc = picked === 'br' && !body.br ? 'gzip' : picked;
  res.setHeader('ETag', etagFor(tag, enc !== 'identity'));
  if (etagMatches(req.headers['if-none-match'], tag)) {
    res.status(304).end();
    return;
  }
  res.type('application/json');
  if (enc === 'br' && body.br) {
    res.setHeader('Content-Encoding', 'br');
    res.end(body.br);
  } else if (enc !== 'identity') {
    res.setHeader('Content-Encoding', 'gzip');
    res.end(body.gzip);
  } else {
    res.end(await gunzipAsync(body.gzip));
  }
}

export interface SegmentRouteDeps {
  segments: SegmentStore;
  rooms: RoomService;
}

export function segmentRouter(d: SegmentRouteDeps): express.Router {
  const r = express.Router();
  const base = '/api/battles/:battleId/branches/:branchId';

  const target = async (req: Request) => {
    const battleId = parse(idParam, req.params.battleId, 'battleId');
    const branchId = parse(idParam, req.params.branchId, 'branchId');
    const q = parse(Query, req.query, 'query');
    // The room's record of the branch is needed only to rebuild a branch this process does not know: none read when
    // the manifest is held (it names the decisions), and otherwise read beside the shared cache's read (a promise).
    const recipe = q.room && !d.segments.peekManifest(battleId, branchId) ? d.rooms.branchRecipe(q.room, branchId) : undefined;
    recipe?.catch(() => {}); // a failed read fails the rebuild that awaits it; unawaited (a shared-cache hit), it is moot
    return { battleId, branchId, recipe };
  };

  // Errors here are never cached (a branch unknown now may be compiled a moment later).
  r.use(base, (_req, res, next) => {
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  r.get(`${base}/manifest`, async (req, res) => {
    mark('http:manifest', req.params.branchId?.slice(0, 12));
    const after = parse(ManifestQuery, req.query, 'query').after;
    const { battleId, branchId, recipe } = await target(req);
    let entry = await d.segments.manifest(battleId, branchId, recipe);
    if (!entry) throw new AppError('NOT_FOUND', `unknown branch ${branchId} of battle ${battleId}`);
    if (after !== undefined && !entry.manifest.complete && entry.manifest.compiledMs <= Number(after)) {
      // A blocking reload: answered when the next part or segment is out (or the wait is over, or the client left).
      const left = new AbortController();
      res.on('close', () => left.abort());
      await d.segments.whenCompiled(battleId, branchId, Number(after) + 1, { timeoutMs: MANIFEST_WAIT_MS, signal: left.signal });
      entry = d.segments.peekManifest(battleId, branchId) ?? entry;
    }
    // Revalidated every time: it grows while a fork compiles.
    res.setHeader('Cache-Control', 'no-cache');
    await sendEncoded(req, res, entry.etag, { gzip: entry.gzip });
  });

  r.get(`${base}/segments`, () => {
    throw new AppError('BAD_REQUEST', 'index: missing (GET .../segments/:index)');
  });

  r.get(`${base}/segments/:index`, async (req, res) => {
    const index = Number(parse(indexParam, req.params.index, 'index'));
    // Guarded here (mark() tests it too): off, the route builds no trace strings.
    if (FORK_TRACE) mark('http:segment', `${req.params.branchId?.slice(0, 12)}#${index}`);
    const { battleId, branchId, recipe } = await target(req);
    const found = await d.segments.serve(battleId, branchId, index, recipe);
    if (FORK_TRACE) mark('http:found', found.ok ? ('br' in found.segment ? 'full' : 'early') : found.reason);
    if (!found.ok) {
      if (found.reason === 'branch') throw new AppError('NOT_FOUND', `unknown branch ${branchId} of battle ${battleId}`);
      const m = found.manifest;
      if (found.reason === 'index') {
        throw new AppError('NOT_FOUND', `segment ${index} is past the end of branch ${branchId} (${m?.segments.length ?? 0} segments)`);
      }
      res.setHeader('Retry-After', '1');
      const upTo = m?.compiledMs ?? 0;
      throw new AppError('NOT_FOUND', `segment ${index} of branch ${branchId} is not compiled yet (compiled to ${upTo} ms); retry`);
    }
    const h = parse(SegmentQuery, req.query, 'query').h;
    if (h && h !== found.segment.info.hash) {
      throw new AppError('NOT_FOUND', `segment ${index} of branch ${branchId} is not ${h} (its manifest changed); re-read the manifest`);
    }
    res.setHeader('Cache-Control', IMMUTABLE);
    // gzip when only that is out yet (a fork's first segment, briefly): a stitched gzip, weak-tagged like any other.
    await sendEncoded(req, res, `"${found.segment.info.hash}"`, found.segment);
  });

  r.get(`${base}/segments/:index/parts/:part`, async (req, res) => {
    const index = Number(parse(indexParam, req.params.index, 'index'));
    const n = Number(parse(partParam, req.params.part, 'part'));
    const battleId = parse(idParam, req.params.battleId, 'battleId');
    const branchId = parse(idParam, req.params.branchId, 'branchId');
    const h = parse(SegmentQuery, req.query, 'query').h;
    // Only from memory: parts are pushed by the compile they come from (no rebuild for them, so no room record read).
    const found = d.segments.part(battleId, branchId, index, n);
    if (!found) {
      throw new AppError(
        'NOT_FOUND',
        `part ${index}/${n} of branch ${branchId} is not held (parts live only while a branch compiles, for its newest segments): fetch segment ${index}`,
      );
    }
    if (h && h !== found.info.hash)
      throw new AppError('NOT_FOUND', `part ${index}/${n} of branch ${branchId} is not ${h}; re-read the manifest`);
    res.setHeader('Cache-Control', IMMUTABLE);
    await sendEncoded(req, res, `"${found.info.hash}"`, found);
  });

  return r;
}
