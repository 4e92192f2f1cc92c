import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
  type RedisClientType,
} from 'redis';
import type { Annotation, BranchInfo, Member } from '../../shared/protocol/events.js';
import type { RoomSettings } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';
import { redisClient } from './redisClient.js';
import {
  DEFAULT_MEMBER_GRACE_MS,
  DEFAULT_ROOM_TTL_MS,
  sortAnnotations,
  touchEveryMs,
  type BranchAdd,
  type CappedAdd,
  type CasResult,
  type Playhead,
  type Retention,
  type RoomRecord,
  type Store,
} from './types.js';

export type RedisClient = RedisClientType;

/** Where the store announces playhead writes (RedisClockBus). */
export interface ClockAnnouncer {
  readonly channel: string;
  encode(m: { kind: 'clock'; roomId: string; playhead: Playhead }): string;
  publishedByStore: boolean;
}

// Layout (all keys under `prefix`; every key of a room carries the room's TTL, see docs/architecture.md):
//   room:<id>            JSON of RoomRecord minus settings
//   room:<id>:settings   hash flag -> '1' | '0' (HSET merges patches atomically)
//   room:<id>:ph         hash { v: clock.version, json: Playhead } (CAS by Lua on v)
//   room:<id>:members    hash memberId -> JSON Member
//   room:<id>:gone       sorted set memberId -> time it disconnected (pruned after the grace period)
//   room:<id>:ann        hash annotationId -> JSON Annotation (HSETNX = idempotent add)
//   room:<id>:branches   hash branchId -> JSON BranchInfo
/**
 * Every per-room key suffix ('' = the meta key): TOUCH refreshes them all. A new per-room key must be listed here
 * (and get its TTL when created). votes/studies: the vote and study stores' fixed keys (server/votes, server/study),
 * which set the TTL on what they write, per-vote keys (room:<id>:vote:<voteId>:*) included; chat/react/camera:
 * server/chat, server/camera (their dedup keys expire by themselves).
 */
export const ROOM_KEY_PARTS = [
  ...['', 'settings', 'ph', 'members', 'gone', 'ann', 'branches'],
  ...['votes', 'votes:status', 'votes:open', 'studies'],
  ...['chat', 'chat:muted', 'react', 'camera'],
] as const;
type Part = (typeof ROOM_KEY_PARTS)[number];

// Writes that may create a key set its TTL in the same script, so no key of a room ever lives without one.
// ARGV[5], ARGV[6] (optional): a channel and message announcing the write (the clock bus), published in the same
// atomic step, so the other processes hear of the new clock as soon as the writer hears its write succeed.
// A lost race returns the winner's playhead JSON (false: no room), so the retry needs no read of its own.
const CAS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'v') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  if ARGV[5] then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
  return 1
end
return {redis.call('HGET', KEYS[1], 'json')}`;

// Update only an annotation that still exists (an edit racing a delete must not resurrect it).
const UPDATE_IF_EXISTS = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`;

const TOUCH = `
for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, ARGV[1]) end
return 1`;

// KEYS: members, gone. ARGV: memberId, json, connected '1'|'0', now, ttl.
const UPSERT_MEMBER = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '1' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
return 1`;

// KEYS: members, gone. ARGV: memberId, json (connected), cap, ttl. Present members = members not in `gone`
// (gone holds exactly the disconnected ones), so the count is O(1). 1 = admitted, 0 = room full.
const ADMIT_MEMBER = `
local present = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 and not redis.call('ZSCORE', KEYS[2], ARGV[1])
if not present and redis.call('HLEN', KEYS[1]) - redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

// KEYS: ann. ARGV: cap, ttl, then id, json pairs. All or nothing: {0} when the new ids would pass the cap;
// else {1, r1, r2, ...} with ri = 1 (created) or the stored JSON (the id was there).
const ADD_ANNOTATIONS_CAPPED = `
local fresh, n = {}, 0
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  if not fresh[id] and redis.call('HEXISTS', KEYS[1], id) == 0 then fresh[id] = true; n = n + 1 end
end
if redis.call('HLEN', KEYS[1]) + n > tonumber(ARGV[1]) then return {0} end
local out = {1}
for i = 3, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then out[#out + 1] = 1
  else out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return out`;

// KEYS: branches. ARGV: branchId, json, cap ('' = none), ttl.
const ADD_BRANCH = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'exists' end
if ARGV[3] ~= '' and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 'created'`;

// KEYS: members, gone. ARGV: cutoff (disconnected at or before it = pruned), memberId or ''.
// Returns the member's JSON (memberId given) or every remaining member's JSON.
const PRUNE_AND_READ = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, id in ipairs(gone) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
if ARGV[2] ~= '' then return redis.call('HGET', KEYS[1], ARGV[2]) end
return redis.call('HVALS', KEYS[1])`;

const SETTING_KEYS = ['openControl', 'playersAnnotate', 'stepMode'] as const;

const OUTAGE_ERRORS = [
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
];

/** Is this error a Redis outage (connection down, timed out) rather than a reply or a bug? */
export function isOutage(err: unknown, client: { isReady: boolean }): boolean {
  return !client.isReady || OUTAGE_ERRORS.some((E) => err instanceof E);
}

/**
 * Wrap another Redis-backed store (votes, studies) so a Redis outage rejects with UNAVAILABLE, like RedisStore,
 * instead of INTERNAL. Methods are bound to the store itself (its private fields keep working).
 */
export function unavailableOnOutage<T extends object>(store: T, client: { isReady: boolean }): T {
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const out = method.apply(target, args);
        if (!(out instanceof Promise)) return out;
        return out.catch((err: unknown) => {
          throw isOutage(err, client) ? new AppError('UNAVAILABLE', 'storage (Redis) unavailable; retry shortly') : err;
        });
      };
    },
  });
}

export class RedisStore implements Store {
  private readonly ttlMs: number;
  private readonly graceMs: number;
  private readonly now: () => number;
  private announcer: ClockAnnouncer | null = null;
  /** roomId -> when this process last refreshed the room's TTL (throttles TOUCH to one per touchEveryMs). */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly client: RedisClient,
    private readonly prefix = 'wardroom:',
    private readonly ownsClient = false,
    retention: Retention = {},
  ) {
    this.ttlMs = Math.round(retention.roomTtlMs ?? DEFAULT_ROOM_TTL_MS);
    this.graceMs = retention.memberGraceMs ?? DEFAULT_MEMBER_GRACE_MS;
    this.now = retention.now ?? Date.now;
  }

  /** Connect a dedicated, fail-fast client (commands reject while Redis is away); close() will quit it. */
  static async connect(
    url: string,
    prefix = 'wardroom:',
    onError: (err: unknown) => void = () => {},
    retention: Retention = {},
  ): Promise<RedisStore> {
    const client = redisClient(url, { onError, failFast: true });
    await client.connect();
    return new RedisStore(client, prefix, true, retention);
  }

  /** Is the connection up? (`/healthz`) */
  get isReady(): boolean {
    return this.client.isReady;
  }

  private key(roomId: string, part: Part | string = ''): string {
    return `${this.prefix}room:${roomId}${part ? `:${part}` : ''}`;
  }

  private get ttl(): string {
    return String(this.ttlMs);
  }

  /** Any use of a room refreshes the TTL of all its keys (at most once per touchEveryMs per process). */
  private use(roomId: string): void {
    const now = this.now();
    const last = this.touched.get(roomId);
    if (last !== undefined && now - last < touchEveryMs(this.ttlMs)) return;
    if (this.touched.size > 50_000) this.touched.clear(); // bounded; forgetting only costs an early refresh
    this.touched.set(roomId, now);
    void this.client
      .eval(TOUCH, { keys: ROOM_KEY_PARTS.map((p) => this.key(roomId, p)), arguments: [this.ttl] })
      .catch(() => this.touched.delete(roomId));
  }

  /** Run a room operation: refresh the room's TTL, and turn a Redis outage into UNAVAILABLE (a retryable ack). */
  private async room<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.use(roomId);
      return await fn();
    } catch (err) {
      if (isOutage(err, this.client)) {
        throw new AppError('UNAVAILABLE', 'storage (Redis) unavailable; retry shortly');
      }
      throw err;
    }
  }

  createRoom(room: RoomRecord, playhead: Playhead): Promise<void> {
    const { settings, ...meta } = room;
    return this.room(room.roomId, async () => {
      await this.client
        .multi()
        .set(this.key(room.roomId), JSON.stringify(meta), { expiration: { type: 'PX', value: this.ttlMs } })
        .hSet(this.key(room.roomId, 'settings'), settingsToHash(settings))
        .pExpire(this.key(room.roomId, 'settings'), this.ttlMs)
        .hSet(this.key(room.roomId, 'ph'), { v: String(playhead.clock.version), json: JSON.stringify(playhead) })
        .pExpire(this.key(room.roomId, 'ph'), this.ttlMs)
        .exec();
    });
  }

  getRoom(roomId: string): Promise<RoomRecord | null> {
    return this.room(roomId, async () => {
      const [meta, settings] = await Promise.all([this.client.get(this.key(roomId)), this.client.hGetAll(this.key(roomId, 'settings'))]);
      if (!meta) return null;
      return { ...(JSON.parse(meta) as Omit<RoomRecord, 'settings'>), settings: hashToSettings(settings) };
    });
  }

  updateSettings(roomId: string, patch: Partial<RoomSettings>): Promise<RoomRecord | null> {
    return this.room(roomId, async () => {
      if (!(await this.client.exists(this.key(roomId)))) return null;
      const fields = settingsToHash(patch);
      if (Object.keys(fields).length) {
        await this.client.multi().hSet(this.key(roomId, 'settings'), fields).pExpire(this.key(roomId, 'settings'), this.ttlMs).exec();
      }
      return this.getRoom(roomId);
    });
  }

  getPlayhead(roomId: string): Promise<Playhead | null> {
    return this.room(roomId, async () => {
      const json = await this.client.hGet(this.key(roomId, 'ph'), 'json');
      return json ? (JSON.parse(json) as Playhead) : null;
    });
  }

  /**
   * Publish every successful playhead write on `bus`'s channel from inside the compare-and-set (see CAS_SCRIPT);
   * the bus then leaves clock messages to the store (`publishedByStore`).
   */
  announceClocks(bus: ClockAnnouncer): void {
    this.announcer = bus;
    bus.publishedByStore = true;
  }

  casPlayhead(roomId: string, expectedVersion: number, next: Playhead): Promise<CasResult> {
    return this.room(roomId, async () => {
      const a = this.announcer;
      const announce = a ? [a.channel, a.encode({ kind: 'clock', roomId, playhead: next })] : [];
      const res = await this.client.eval(CAS_SCRIPT, {
        keys: [this.key(roomId, 'ph')],
        arguments: [String(expectedVersion), String(next.clock.version), JSON.stringify(next), this.ttl, ...announce],
      });
      if (res === 1) return { ok: true } as const;
      const json = Array.isArray(res) ? res[0] : null;
      return { ok: false, current: typeof json === 'string' ? (JSON.parse(json) as Playhead) : null } as const;
    });
  }

  upsertMember(roomId: string, member: Member): Promise<void> {
    return this.room(roomId, async () => {
      await this.client.eval(UPSERT_MEMBER, {
        keys: [this.key(roomId, 'members'), this.key(roomId, 'gone')],
        arguments: [member.memberId, JSON.stringify(member), member.connected ? '1' : '0', String(this.now()), this.ttl],
      });
    });
  }

  admitMember(roomId: string, member: Member, cap: number): Promise<boolean> {
    return this.room(roomId, async () => {
      const res = await this.client.eval(ADMIT_MEMBER, {
        keys: [this.key(roomId, 'members'), this.key(roomId, 'gone')],
        arguments: [member.memberId, JSON.stringify({ ...member, connected: true }), String(cap), this.ttl],
      });
      return res === 1;
    });
  }

  private pruneAndRead(roomId: string, memberId: string): Promise<unknown> {
    return this.client.eval(PRUNE_AND_READ, {
      keys: [this.key(roomId, 'members'), this.key(roomId, 'gone')],
      arguments: [String(this.now() - this.graceMs), memberId],
    });
  }

  getMember(roomId: string, memberId: string): Promise<Member | null> {
    return this.room(roomId, async () => {
      const json = await this.pruneAndRead(roomId, memberId);
      return typeof json === 'string' ? (JSON.parse(json) as Member) : null;
    });
  }

  listMembers(roomId: string): Promise<Member[]> {
    return this.room(roomId, async () => {
      const all = (await this.pruneAndRead(roomId, '')) as string[];
      return all.map((j) => JSON.parse(j) as Member);
    });
  }

  addAnnotation(a: Annotation): Promise<{ created: boolean; annotation: Annotation }> {
    return this.room(a.roomId, async () => {
      const key = this.key(a.roomId, 'ann');
      const [created] = await this.client.multi().hSetNX(key, a.id, JSON.stringify(a)).pExpire(key, this.ttlMs).exec();
      if (Number(created) === 1) return { created: true, annotation: a };
      const stored = await this.getAnnotation(a.roomId, a.id);
      return { created: false, annotation: stored ?? a };
    });
  }

  addAnnotationsCapped(roomId: string, list: Annotation[], cap: number): Promise<CappedAdd> {
    return this.room(roomId, async () => {
      const res = (await this.client.eval(ADD_ANNOTATIONS_CAPPED, {
        keys: [this.key(roomId, 'ann')],
        arguments: [String(cap), this.ttl, ...list.flatMap((a) => [a.id, JSON.stringify(a)])],
      })) as (number | string)[];
      if (res[0] === 0) return { full: true };
      const results = list.map((a, i) => {
        const r = res[i + 1];
        return typeof r === 'string' ? { created: false, annotation: JSON.parse(r) as Annotation } : { created: true, annotation: a };
      });
      return { full: false, results };
    });
  }

  getAnnotation(roomId: string, id: string): Promise<Annotation | null> {
    return this.room(roomId, async () => {
      const json = await this.client.hGet(this.key(roomId, 'ann'), id);
      return json ? (JSON.parse(json) as Annotation) : null;
    });
  }

  updateAnnotation(a: Annotation): Promise<boolean> {
    return this.room(a.roomId, async () => {
      const res = await this.client.eval(UPDATE_IF_EXISTS, { keys: [this.key(a.roomId, 'ann')], arguments: [a.id, JSON.stringify(a)] });
      return res === 1;
    });
  }

  deleteAnnotation(roomId: string, id: string): Promise<boolean> {
    return this.room(roomId, async () => (await this.client.hDel(this.key(roomId, 'ann'), id)) === 1);
  }

  listAnnotations(roomId: string, branchId?: string): Promise<Annotation[]> {
    return this.room(roomId, async () => {
      const all = Object.values(await this.client.hGetAll(this.key(roomId, 'ann'))).map((j) => JSON.parse(j) as Annotation);
      return sortAnnotations(all.filter((a) => branchId === undefined || a.branchId === branchId));
    });
  }

  addBranch(roomId: string, branch: BranchInfo, cap?: number): Promise<BranchAdd> {
    return this.room(roomId, async () => {
      const res = await this.client.eval(ADD_BRANCH, {
        keys: [this.key(roomId, 'branches')],
        arguments: [branch.branchId, JSON.stringify(branch), cap === undefined || !Number.isFinite(cap) ? '' : String(cap), this.ttl],
      });
      return res as BranchAdd;
    });
  }

  updateBranch(roomId: string, branch: BranchInfo): Promise<void> {
    return this.room(roomId, async () => {
      const key = this.key(roomId, 'branches');
      if (await this.client.hExists(key, branch.branchId)) await this.client.hSet(key, branch.branchId, JSON.stringify(branch));
    });
  }

  listBranches(roomId: string): Promise<BranchInfo[]> {
    return this.room(roomId, async () => {
      const all = Object.values(await this.client.hGetAll(this.key(roomId, 'branches'))).map((j) => JSON.parse(j) as BranchInfo);
      return all.sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  getBranch(roomId: string, branchId: string): Promise<BranchInfo | undefined> {
    return this.room(roomId, async () => {
      const j = await this.client.hGet(this.key(roomId, 'branches'), branchId);
      return j ? (JSON.parse(j) as BranchInfo) : undefined;
    });
  }

  /** Every key of a room (`MEMORY USAGE`, TTL checks). */
  roomKeys(roomId: string): string[] {
    return ROOM_KEY_PARTS.map((p) => this.key(roomId, p));
  }

  /** Delete every key under this store's prefix (tests). */
  async clearPrefix(): Promise<void> {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 200 })) {
      if (keys.length) await this.client.del(keys);
    }
  }

  async close(): Promise<void> {
    if (!this.ownsClient || !this.client.isOpen) return;
    // close() waits for pending replies; while Redis is away (reconnecting) it would wait forever.
    if (this.client.isReady) await this.client.close();
    else this.client.destroy();
  }
}

function settingsToHash(s: Partial<RoomSettings>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of SETTING_KEYS) if (s[k] !== undefined) out[k] = s[k] ? '1' : '0';
  return out;
}

function hashToSettings(h: Record<string, string>): RoomSettings {
  return { openControl: h.openControl === '1', playersAnnotate: h.playersAnnotate === '1', stepMode: h.stepMode === '1' };
}
