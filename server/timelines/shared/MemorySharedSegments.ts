import type { BranchManifest } from '../../../shared/battle/segments.js';
import { ByteLru } from '../../../shared/cache/ByteLru.js';
import type { EncodedSegment } from '../segments/encode.js';
import { packSegment, unpackSegment, type SharedSegments } from './SharedSegments.js';

/**
 * SharedSegments in this process's memory (tests; processes that share one object). Least recently used dropped
 * past `maxBytes`; entries expire `ttlMs` after they were last written.
 */
export class MemorySharedSegments implements SharedSegments {
  private readonly lru: ByteLru<{ value: Buffer; until: number }>;

  constructor(
    maxBytes: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lru = new ByteLru({ maxBytes, sizeOf: (e) => e.value.byteLength });
  }

  private read(key: string): Buffer | null {
    const e = this.lru.get(key);
    if (!e) return null;
    if (e.until <= this.now()) {
      this.lru.delete(key);
      return null;
    }
    return e.value;
  }

  private write(key: string, value: Buffer): void {
    this.lru.set(key, { value, until: this.now() + this.ttlMs });
  }

  async segment(hash: string): Promise<EncodedSegment | null> {
    const b = this.read(`s:${hash}`);
    return b ? unpackSegment(b) : null;
  }

  async putSegment(seg: EncodedSegment): Promise<void> {
    this.write(`s:${seg.info.hash}`, packSegment(seg));
  }

  async manifest(battleId: string, branchId: string): Promise<BranchManifest | null> {
    const b = this.read(`m:${battleId}/${branchId}`);
    return b ? (JSON.parse(b.toString()) as BranchManifest) : null;
  }

  async putManifest(m: BranchManifest): Promise<void> {
    if (m.complete) this.write(`m:${m.battleId}/${m.branchId}`, Buffer.from(JSON.stringify(m)));
  }

  async bytes(): Promise<number> {
    return this.lru.bytes;
  }
}
