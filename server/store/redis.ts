import { createClient, type RedisClientType } from 'redis';
import type { Annotation, BranchInfo, Member } from '../../shared/protocol/events.js';
import type { RoomSettings } from '../../shared/protocol/schemas.js';
import { sortAnnotations, type CasResult, type Playhead, type RoomRecord, type Store } from './types.js';

export type RedisClient = RedisClientType;

// Layout (all keys under `prefix`):
//   room:<id>            JSON of RoomRecord minus settings
//   room:<id>:settings   hash flag -> '1' | '0' (HSET merges patches atomically)
//   room:<id>:ph         hash { v: clock.version, json: Playhead } (CAS by Lua on v)
//   room:<id>:members    hash memberId -> JSON Member
//   room:<id>:ann        hash annotationId -> JSON Annotation (HSETNX = idempotent add)
//   room:<id>:branches   hash branchId -> JSON BranchInfo

const CAS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'v') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
  return 1
end
return 0`;

// Update only an annotation that still exists (an edit racing a delete must not resurrect it).
const UPDATE_IF_EXISTS = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`;

const SETTING_KEYS = ['openControl', 'playersAnnotate', 'stepMode'] as const;

export class RedisStore implements Store {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix = 'wardroom:',
    private readonly ownsClient = false,
  ) {}

  /** Connect a dedicated client; close() will quit it. */
  static async connect(url: string, prefix = 'wardroom:', onError: (err: unknown) => void = () => {}): Promise<RedisStore> {
    const client = createClient({ url });
    // node-redis reconnects by itself; meanwhile commands reject and handlers answer INTERNAL.
    client.on('error', onError);
    await client.connect();
    return new RedisStore(client, prefix, true);
  }

  private key(roomId: string, part?: string): string {
    return `${this.prefix}room:${roomId}${part ? `:${part}` : ''}`;
  }

  async createRoom(room: RoomRecord, playhead: Playhead): Promise<void> {
    const { settings, ...meta } = room;
    await this.client
      .multi()
      .set(this.key(room.roomId), JSON.stringify(meta))
      .hSet(this.key(room.roomId, 'settings'), settingsToHash(settings))
      .hSet(this.key(room.roomId, 'ph'), { v: String(playhead.clock.version), json: JSON.stringify(playhead) })
      .exec();
  }

  async getRoom(roomId: string): Promise<RoomRecord | null> {
    const [meta, settings] = await Promise.all([this.client.get(this.key(roomId)), this.client.hGetAll(this.key(roomId, 'settings'))]);
    if (!meta) return null;
    return { ...(JSON.parse(meta) as Omit<RoomRecord, 'settings'>), settings: hashToSettings(settings) };
  }

  async updateSettings(roomId: string, patch: Partial<RoomSettings>): Promise<RoomRecord | null> {
    if (!(await this.client.exists(this.key(roomId)))) return null;
    const fields = settingsToHash(patch);
    if (Object.keys(fields).length) await this.client.hSet(this.key(roomId, 'settings'), fields);
    return this.getRoom(roomId);
  }

  async getPlayhead(roomId: string): Promise<Playhead | null> {
    const json = await this.client.hGet(this.key(roomId, 'ph'), 'json');
    return json ? (JSON.parse(json) as Playhead) : null;
  }

  async casPlayhead(roomId: string, expectedVersion: number, next: Playhead): Promise<CasResult> {
    const res = await this.client.eval(CAS_SCRIPT, {
      keys: [this.key(roomId, 'ph')],
      arguments: [String(expectedVersion), String(next.clock.version), JSON.stringify(next)],
    });
    if (res === 1) return { ok: true };
    return { ok: false, current: await this.getPlayhead(roomId) };
  }

  async upsertMember(roomId: string, member: Member): Promise<void> {
    await this.client.hSet(this.key(roomId, 'members'), member.memberId, JSON.stringify(member));
  }

  async getMember(roomId: string, memberId: string): Promise<Member | null> {
    const json = await this.client.hGet(this.key(roomId, 'members'), memberId);
    return json ? (JSON.parse(json) as Member) : null;
  }

  async listMembers(roomId: string): Promise<Member[]> {
    const all = await this.client.hGetAll(this.key(roomId, 'members'));
    return Object.values(all).map((j) => JSON.parse(j) as Member);
  }

  async addAnnotation(a: Annotation): Promise<{ created: boolean; annotation: Annotation }> {
    const created = await this.client.hSetNX(this.key(a.roomId, 'ann'), a.id, JSON.stringify(a));
    if (created) return { created: true, annotation: a };
    const stored = await this.getAnnotation(a.roomId, a.id);
    return { created: false, annotation: stored ?? a };
  }

  async getAnnotation(roomId: string, id: string): Promise<Annotation | null> {
    const json = await this.client.hGet(this.key(roomId, 'ann'), id);
    return json ? (JSON.parse(json) as Annotation) : null;
  }

  async updateAnnotation(a: Annotation): Promise<boolean> {
    const res = await this.client.eval(UPDATE_IF_EXISTS, { keys: [this.key(a.roomId, 'ann')], arguments: [a.id, JSON.stringify(a)] });
    return res === 1;
  }

  async deleteAnnotation(roomId: string, id: string): Promise<boolean> {
    return (await this.client.hDel(this.key(roomId, 'ann'), id)) === 1;
  }

  async listAnnotations(roomId: string, branchId?: string): Promise<Annotation[]> {
    const all = Object.values(await this.client.hGetAll(this.key(roomId, 'ann'))).map((j) => JSON.parse(j) as Annotation);
    return sortAnnotations(all.filter((a) => branchId === undefined || a.branchId === branchId));
  }

  async addBranch(roomId: string, branch: BranchInfo): Promise<void> {
    await this.client.hSetNX(this.key(roomId, 'branches'), branch.branchId, JSON.stringify(branch));
  }

  async updateBranch(roomId: string, branch: BranchInfo): Promise<void> {
    const key = this.key(roomId, 'branches');
    if (await this.client.hExists(key, branch.branchId)) await this.client.hSet(key, branch.branchId, JSON.stringify(branch));
  }

  async listBranches(roomId: string): Promise<BranchInfo[]> {
    const all = Object.values(await this.client.hGetAll(this.key(roomId, 'branches'))).map((j) => JSON.parse(j) as BranchInfo);
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Delete every key under this store's prefix (tests). */
  async clearPrefix(): Promise<void> {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 200 })) {
      if (keys.length) await this.client.del(keys);
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient && this.client.isOpen) await this.client.close();
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
