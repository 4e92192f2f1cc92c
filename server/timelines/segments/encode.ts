import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { SegmentInfo, SegmentPayload } from '../../../shared/battle/segments.js';

// A segment is encoded once, where it is built: JSON, then gzip and brotli. Only the compressed forms are
// kept (identity requests, rare, are served by gunzipping). Brotli quality 5: within ~3% of quality 9 on
// these payloads at a quarter of the CPU (docs/architecture.md, "Segments").

export const BROTLI_QUALITY = 5;
export const GZIP_LEVEL = 6;

export interface EncodedSegment {
  info: SegmentInfo;
  gzip: Uint8Array;
  br: Uint8Array;
}

/** Bytes an encoded segment holds in memory (what the byte-bounded caches count). */
export function encodedBytes(s: EncodedSegment): number {
  return s.gzip.byteLength + s.br.byteLength + 256;
}

export function encodeSegment(seg: SegmentPayload): EncodedSegment {
  const json = Buffer.from(JSON.stringify(seg));
  const hash = createHash('sha256').update(json).digest('hex');
  const gzip = gzipSync(json, { level: GZIP_LEVEL });
  const br = brotliCompressSync(json, {
    params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
  });
  const events = seg.events;
  return {
    info: {
      index: seg.index,
      startMs: seg.startMs,
      endMs: seg.endMs,
      firstSeq: seg.firstSeq,
      eventCount: events.length,
      bytes: json.length,
      hash,
    },
    gzip,
    br,
  };
}
