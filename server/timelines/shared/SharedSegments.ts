import type { BranchManifest } from '../../../shared/battle/segments.js';
import type { EncodedSegment } from '../segments/encode.js';

// Segments shared between processes: a segment is immutable and named by its content hash, and a complete
// manifest never changes, so any process may serve what another built. With REDIS_URL a process that never
// compiled a branch reads its manifest and segments from Redis (a few ms) instead of resuming the fork from a
// checkpoint and encoding again (a fork's cost, growing with the battle's size). Bounded in bytes, with expiry.

export interface SharedSegments {
  /** A segment by content hash (SegmentInfo.hash); null when not held. */
  segment(hash: string): Promise<EncodedSegment | null>;
  /** Keep a segment (a no-op, but for its expiry, when already held). */
  putSegment(seg: EncodedSegment): Promise<void>;
  /** A branch's complete manifest; null when not held. */
  manifest(battleId: string, branchId: string): Promise<BranchManifest | null>;
  /** Keep a complete manifest (incomplete ones are refused: they grow, and only their builder knows how far). */
  putManifest(m: BranchManifest): Promise<void>;
  /** Bytes held (as counted for the bound). */
  bytes(): Promise<number>;
}

/** One segment as one binary value: u32 header length, header JSON {info, gzip length}, gzip bytes, brotli bytes. */
export function packSegment(seg: EncodedSegment): Buffer {
  const header = Buffer.from(JSON.stringify({ info: seg.info, gzip: seg.gzip.byteLength }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([len, header, seg.gzip, seg.br]);
}

export function unpackSegment(buf: Buffer): EncodedSegment {
  const n = buf.readUInt32BE(0);
  const header = JSON.parse(buf.subarray(4, 4 + n).toString()) as { info: EncodedSegment['info']; gzip: number };
  const at = 4 + n;
  return { info: header.info, gzip: buf.subarray(at, at + header.gzip), br: buf.subarray(at + header.gzip) };
}
