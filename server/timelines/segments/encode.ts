import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliCompressSync,
  constants,
  crc32,
  deflateRaw as deflateRawCb,
  deflateRawSync,
  gzip as gzipCb,
  gzipSync,
  type BrotliOptions,
} from 'node:zlib';
import type { PartInfo, PartPayload, SegmentInfo, SegmentPayload } from '../../../shared/battle/segments.js';

// A segment is encoded once, where it is built: JSON, then gzip and brotli. Only the compressed forms are
// kept (identity requests, rare, are served by gunzipping). Brotli quality 5: within ~3% of quality 9 on
// these payloads at a quarter of the CPU (docs/architecture.md, "Segments").

export const BROTLI_QUALITY = 5;
export const GZIP_LEVEL = 6;

/**
 * A fork's first own segment is waited on (fork -> first frame): it is compressed at the lowest effort. On a
 * 20,000-unit start state (1.8 MB of JSON): brotli 1 ~60 ms, 157 KiB; brotli 5 ~550-850 ms, 93 KiB (shared
 * machine, docs/benchmarks.md). The JSON and its hash are the same either way (the route's ETag of a compressed
 * body is weak: W/"hash").
 */
export const FAST = { brotli: 1, gzip: 1 } as const;

export interface EncodedSegment {
  info: SegmentInfo;
  gzip: Uint8Array;
  br: Uint8Array;
}

/**
 * A segment whose start state is already serialized (`JSON.stringify(payload.start)` as bytes): a fork's first
 * own segment starts where its parent's segment ending at the same decision point starts, with the same world,
 * so the parent's bytes are spliced in instead of packing and stringifying 20,000 units again.
 */
export type SplicedSegment = Omit<SegmentPayload, 'start'> & {
  startJson: Buffer;
  /** JSON.stringify(events), when made already (from the parts the segment was cut in). */
  eventsJson?: Buffer;
  /** startJson as raw deflate at FAST effort, sync-flushed (deflateStart), when made: the gzip is stitched around it. */
  startDeflated?: Buffer;
};

/** Bytes an encoded segment holds in memory (what the byte-bounded caches count). */
export function encodedBytes(s: EncodedSegment): number {
  return s.gzip.byteLength + s.br.byteLength + 256;
}

/** The start state's JSON bytes, as encodeSegment would write them (what a SplicedSegment carries). */
export function startJsonOf(seg: SegmentPayload): Buffer {
  return Buffer.from(JSON.stringify(seg.start));
}

/** `fast`: compress at FAST effort (a segment someone waits on, or a compiling fork's); same JSON and hash. */
export function encodeSegment(seg: SegmentPayload | SplicedSegment, fast = false): EncodedSegment {
  return compressSegment(serializeSegment(seg, fast));
}

/** A segment serialized and hashed (its SegmentInfo known), not compressed yet. */
export interface SerializedSegment {
  info: SegmentInfo;
  json: Buffer;
  fast: boolean;
  /** A spliced start state's place in `json` and its deflate made ahead: a FAST gzip compresses only the rest. */
  start?: { at: number; end: number; deflated: Buffer };
}

/** encodeSegment's first half: the JSON and its hash (what a manifest lists). */
export function serializeSegment(seg: SegmentPayload | SplicedSegment, fast = false): SerializedSegment {
  const json = 'startJson' in seg ? splice(seg) : Buffer.from(JSON.stringify(seg));
  const at = 'startJson' in seg && seg.startDeflated ? spliceAt(seg) : -1;
  const hash = createHash('sha256').update(json).digest('hex');
  const info: SegmentInfo = {
    index: seg.index,
    startMs: seg.startMs,
    endMs: seg.endMs,
    firstSeq: seg.firstSeq,
    eventCount: seg.events.length,
    bytes: json.length,
    hash,
  };
  if (at < 0 || !('startJson' in seg) || !seg.startDeflated) return { info, json, fast };
  return { info, json, fast, start: { at, end: at + seg.startJson.byteLength, deflated: seg.startDeflated } };
}

const SYNC_FLUSHED = { level: FAST.gzip, finishFlush: constants.Z_SYNC_FLUSH } as const;

/**
 * A start state's JSON as raw deflate blocks (FAST effort), ending byte-aligned and not final: a gzip of a segment
 * holding it is its head's deflate, these bytes, its tail's deflate and the trailer (stitchGzip), with no compression
 * of the start state (~2.3 MB of a 22,401-unit world) when the segment is made. Made once per kept start state.
 */
export function deflateStart(json: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => deflateRawCb(json, SYNC_FLUSHED, (err, out) => (err ? reject(err) : resolve(out))));
}

/** gzip's fixed header: no name, no mtime (deterministic), XFL 4 (fastest), OS 3 (Unix). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3]);

/**
 * A FAST gzip of a segment whose start state was deflated ahead: the head and tail deflated now (each an independent
 * raw deflate, the head sync-flushed so the next blocks start on a byte), the start's blocks between them. A decoder
 * reads one deflate stream: the same JSON as gzipSync(json) gives, in slightly different compressed bytes.
 */
function stitchGzip(json: Buffer, start: NonNullable<SerializedSegment['start']>): Buffer {
  return Buffer.concat([
    GZIP_HEADER,
    deflateRawSync(json.subarray(0, start.at), SYNC_FLUSHED),
    start.deflated,
    deflateRawSync(json.subarray(start.end), { level: FAST.gzip }),
    gzipTrailer(json),
  ]);
}

/** gzip's trailer: CRC-32 and length (mod 2^32) of the uncompressed bytes. */
function gzipTrailer(json: Buffer): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(json), 0);
  trailer.writeUInt32LE(json.length % 2 ** 32, 4);
  return trailer;
}

const deflateRawAsync = promisify(deflateRawCb);

/** stitchGzip with the head and tail deflated on libuv's thread pool (compressSegmentAsync's callers keep their thread). */
async function stitchGzipAsync(json: Buffer, start: NonNullable<SerializedSegment['start']>): Promise<Buffer> {
  const [head, tail] = await Promise.all([
    deflateRawAsync(json.subarray(0, start.at), SYNC_FLUSHED),
    deflateRawAsync(json.subarray(start.end), { level: FAST.gzip }),
  ]);
  return Buffer.concat([GZIP_HEADER, head, start.deflated, tail, gzipTrailer(json)]);
}

/** A FAST gzip: stitched around the start state's deflate made ahead when there is one. */
function fastGzip(s: SerializedSegment): Buffer {
  return s.start ? stitchGzip(s.json, s.start) : gzipSync(s.json, { level: FAST.gzip });
}

/**
 * A segment someone waits on, gzipped (FAST) before its brotli is made: served first (brotli 1 of a 20,000-unit start
 * state is several times gzip 1), replaced by the full EncodedSegment when that is out. Same JSON, same hash.
 */
export interface EarlySegment {
  info: SegmentInfo;
  gzip: Uint8Array;
}

export function gzipFirst(s: SerializedSegment): EarlySegment {
  return { info: s.info, gzip: fastGzip(s) };
}

function brotliOptions(s: SerializedSegment): BrotliOptions {
  return {
    params: { [constants.BROTLI_PARAM_QUALITY]: s.fast ? FAST.brotli : BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: s.json.length },
  };
}

function earlyGzip(s: SerializedSegment, early?: EarlySegment): Uint8Array | null {
  return early && s.fast && early.info.hash === s.info.hash ? early.gzip : null;
}

/** encodeSegment's second half: gzip and brotli. `early`: the gzip made already (gzipFirst), reused. */
export function compressSegment(s: SerializedSegment, early?: EarlySegment): EncodedSegment {
  const gzip = earlyGzip(s, early) ?? (s.fast ? fastGzip(s) : gzipSync(s.json, { level: GZIP_LEVEL }));
  return { info: s.info, gzip, br: brotliCompressSync(s.json, brotliOptions(s)) };
}

const gzipAsync = promisify(gzipCb);
const brotliAsync = promisify(brotliCompress);

/**
 * compressSegment on libuv's thread pool: the same bytes (same levels), while the calling thread stays free. The
 * compile worker compresses a compiling fork's segments so: brotli 5 of a 20,000-unit segment is 0.5-0.8 s, and
 * another fork's ack (or a segment request) waited behind it on the worker's one JS thread.
 */
export async function compressSegmentAsync(s: SerializedSegment, early?: EarlySegment): Promise<EncodedSegment> {
  const [gzip, br] = await Promise.all([
    earlyGzip(s, early) ??
      (s.fast && s.start ? stitchGzipAsync(s.json, s.start) : gzipAsync(s.json, { level: s.fast ? FAST.gzip : GZIP_LEVEL })),
    brotliAsync(s.json, brotliOptions(s)),
  ]);
  return { info: s.info, gzip, br };
}

const EVENTS_KEY = Buffer.from(',"events":');
const CLOSE = Buffer.from('}');
const COMMA = Buffer.from(',');
const OPEN = Buffer.from('[');
const CLOSE_ARRAY = Buffer.from(']');

/** The head splice() writes before the start state's bytes. */
function spliceHead(seg: SplicedSegment): string {
  const { battleId, index, startMs, endMs, firstSeq } = seg;
  return `${JSON.stringify({ battleId, index, startMs, endMs, firstSeq }).slice(0, -1)},"start":`;
}

/** Where splice() puts the start state's bytes. */
function spliceAt(seg: SplicedSegment): number {
  return Buffer.byteLength(spliceHead(seg));
}

/** Exactly JSON.stringify(payload) of SegmentPayload (same key order), with the start's bytes spliced in. */
function splice(seg: SplicedSegment): Buffer {
  const events = seg.eventsJson ?? Buffer.from(JSON.stringify(seg.events));
  return Buffer.concat([Buffer.from(spliceHead(seg)), seg.startJson, EVENTS_KEY, events, CLOSE]);
}

/** A part (a compiling branch's newest events, no start state: shared/battle/segments.ts), gzipped at FAST effort. */
export interface EncodedPart {
  info: PartInfo;
  gzip: Uint8Array;
}

/**
 * Serialize, hash and gzip a part: ~1 s of events, a few ms at 20,000 units (no brotli: it lives only while the branch
 * compiles). Also hands back the events' own JSON (`[...]`, bytes of the part's JSON): the segment the parts make up
 * is then listed from them (joinEventsJson) instead of stringifying its events a second time.
 */
export function encodePart(p: PartPayload): { part: EncodedPart; eventsJson: Buffer } {
  const { battleId, index, part, startMs, endMs, firstSeq } = p;
  const eventsJson = Buffer.from(JSON.stringify(p.events));
  // Exactly JSON.stringify(p) (the same key order, events last).
  const head = `${JSON.stringify({ battleId, index, part, startMs, endMs, firstSeq }).slice(0, -1)},"events":`;
  const json = Buffer.concat([Buffer.from(head), eventsJson, CLOSE]);
  const info: PartInfo = {
    index,
    part,
    startMs,
    endMs,
    firstSeq,
    eventCount: p.events.length,
    bytes: json.length,
    hash: createHash('sha256').update(json).digest('hex'),
  };
  return { part: { info, gzip: gzipSync(json, { level: FAST.gzip }) }, eventsJson };
}

/**
 * JSON.stringify of a run of events, from the JSON of consecutive pieces of it (each `[...]`): an array's JSON is
 * its items' joined by commas, so the pieces' insides joined by commas are the same bytes.
 */
export function joinEventsJson(pieces: readonly Buffer[]): Buffer {
  const out: Buffer[] = [OPEN];
  for (const p of pieces) {
    if (p.length <= 2) continue; // []
    if (out.length > 1) out.push(COMMA);
    out.push(p.subarray(1, p.length - 1));
  }
  out.push(CLOSE_ARRAY);
  return Buffer.concat(out);
}
