import { RESP_TYPES } from 'redis';
import type { BranchManifest } from '../../../shared/battle/segments.js';
import type { RedisClient } from '../../store/redis.js';
import type { EncodedSegment } from '../segments/encode.js';
import { packSegment, unpackSegment, type SharedSegments } from './SharedSegments.js';

// Layout (under `prefix`):
//   segs:v:<member>   the value (member s:<hash>: a packed segment; m<LAYOUT>:<battle>/<branch>: a complete manifest's JSON)
//   segs:lru          sorted set member -> time last written (oldest dropped first past the bound)
//   segs:sizes        hash member -> bytes
//   segs:bytes        total bytes of the members listed
// Every value expires ttl after it was last written; the bookkeeping keys too, refreshed on every write. A
// value that expired on its own stays counted until the bound drops its member, so the count errs high: the
// bound holds. One script per write keeps the count exact under concurrent writers (several processes).
// The script deletes value keys it computes from the member (not passed in KEYS): fine on one Redis (the
// deployment here), not on Redis Cluster.

/**
 * The segment layout a manifest was made with: bumped whenever segment boundaries or the payload format change (2: the
 * ramp follows only non-historical choices; 3: no ramp, parts instead), so a process never reads a manifest listing another layout's segments
 * (rebuilding one of them would give different bytes). Segments themselves are keyed by their hash.
 */
const LAYOUT = 3;

const PUT = `
local v = KEYS[1]
if redis.call('EXISTS', v) == 1 then
  redis.call('PEXPIRE', v, ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  return 0
end
local size = tonumber(ARGV[5])
if size > tonumber(ARGV[6]) then return 0 end
redis.call('SET', v, ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[4], size)
local total = redis.call('INCRBY', KEYS[4], size)
while total > tonumber(ARGV[6]) do
  local old = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not old or old == ARGV[4] then break end
  redis.call('ZREM', KEYS[2], old)
  local sz = tonumber(redis.call('HGET', KEYS[3], old) or '0')
  redis.call('HDEL', KEYS[3], old)
  redis.call('DEL', ARGV[7] .. old)
  total = redis.call('DECRBY', KEYS[4], sz)
end
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1`;

export interface RedisSharedSegmentsOptions {
  prefix: string;
  /** Bound on the bytes held (SEGMENT_CACHE_MB). */
  maxBytes: number;
  /** Expiry of each value after its last write (SEGMENT_CACHE_TTL_S). */
  ttlMs: number;
  now?: () => number;
}

export class RedisSharedSegments implements SharedSegments {
  private readonly bin;

  constructor(
    private readonly client: RedisClient,
    private readonly o: RedisSharedSegmentsOptions,
  ) {
    // Values are binary (compressed segments): read them as Buffers.
    this.bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  }

  private key(part: string): string {
    return `${this.o.prefix}segs:${part}`;
  }

  private async put(member: string, value: Buffer): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    await this.client.eval(PUT, {
      keys: [this.key(`v:${member}`), this.key('lru'), this.key('sizes'), this.key('bytes')],
      arguments: [value, String(this.o.ttlMs), String(now), member, String(value.byteLength), String(this.o.maxBytes), this.key('v:')],
    });
  }

  private async get(member: string): Promise<Buffer | null> {
    const v = (await this.bin.get(this.key(`v:${member}`))) as Buffer | null;
    return v ?? null;
  }

  async segment(hash: string): Promise<EncodedSegment | null> {
    const b = await this.get(`s:${hash}`);
    return b ? unpackSegment(b) : null;
  }

  putSegment(seg: EncodedSegment): Promise<void> {
    return this.put(`s:${seg.info.hash}`, packSegment(seg));
  }

  async manifest(battleId: string, branchId: string): Promise<BranchManifest | null> {
    const b = await this.get(`m${LAYOUT}:${battleId}/${branchId}`);
    return b ? (JSON.parse(b.toString()) as BranchManifest) : null;
  }

  async putManifest(m: BranchManifest): Promise<void> {
    if (m.complete) await this.put(`m${LAYOUT}:${m.battleId}/${m.branchId}`, Buffer.from(JSON.stringify(m)));
  }

  async bytes(): Promise<number> {
    return Number((await this.client.get(this.key('bytes'))) ?? 0);
  }
}
