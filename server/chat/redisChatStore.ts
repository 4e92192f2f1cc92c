import type { ChatMessage, ReactionCount } from '../../shared/protocol/events.js';
import type { RedisClient } from '../store/redis.js';
import { type ChatStore, DEDUP_TTL_MS, type PinnedReaction, parseReactionField, reactionField, sortReactions } from './store.js';

// Layout (under `prefix`):
//   room:<id>:chat              list of JSON ChatMessage, oldest first, trimmed to `keep`
//   room:<id>:chat:id:<msgId>   JSON of the stored message, expires after DEDUP_TTL_MS (retry dedup)
//   room:<id>:chat:muted        set of memberIds
//   room:<id>:react             hash "symbol|positionMs|branchId" -> count
//   room:<id>:react:id:<id>     '1', expires after DEDUP_TTL_MS (retry dedup)

// First writer wins: remember the id, append, trim; a retry gets the stored message back.
const ADD_MESSAGE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
  return {1, ARGV[1]}
end
return {0, redis.call('GET', KEYS[1])}`;

const ADD_REACTION = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  return 1
end
return 0`;

export class RedisChatStore implements ChatStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix = 'wardroom:',
  ) {}

  private key(roomId: string, part: string): string {
    return `${this.prefix}room:${roomId}:${part}`;
  }

  async addMessage(roomId: string, message: ChatMessage, keep: number): Promise<{ created: boolean; message: ChatMessage }> {
    const res = (await this.client.eval(ADD_MESSAGE, {
      keys: [this.key(roomId, `chat:id:${message.id}`), this.key(roomId, 'chat')],
      arguments: [JSON.stringify(message), String(keep), String(DEDUP_TTL_MS)],
    })) as [number, string];
    return { created: res[0] === 1, message: JSON.parse(res[1]) as ChatMessage };
  }

  async listMessages(roomId: string): Promise<ChatMessage[]> {
    const list = await this.client.lRange(this.key(roomId, 'chat'), 0, -1);
    return list.map((s) => JSON.parse(s) as ChatMessage);
  }

  async clearMessages(roomId: string): Promise<void> {
    await this.client.del(this.key(roomId, 'chat'));
  }

  async setMuted(roomId: string, memberId: string, muted: boolean): Promise<void> {
    if (muted) await this.client.sAdd(this.key(roomId, 'chat:muted'), memberId);
    else await this.client.sRem(this.key(roomId, 'chat:muted'), memberId);
  }

  async isMuted(roomId: string, memberId: string): Promise<boolean> {
    return (await this.client.sIsMember(this.key(roomId, 'chat:muted'), memberId)) === 1;
  }

  async listMuted(roomId: string): Promise<string[]> {
    return (await this.client.sMembers(this.key(roomId, 'chat:muted'))).sort();
  }

  async addReaction(roomId: string, id: string, r: PinnedReaction): Promise<boolean> {
    const res = await this.client.eval(ADD_REACTION, {
      keys: [this.key(roomId, `react:id:${id}`), this.key(roomId, 'react')],
      arguments: [reactionField(r), String(DEDUP_TTL_MS)],
    });
    return res === 1;
  }

  async listReactions(roomId: string, branchId?: string): Promise<ReactionCount[]> {
    const all = await this.client.hGetAll(this.key(roomId, 'react'));
    const out: ReactionCount[] = [];
    for (const [f, n] of Object.entries(all)) {
      const c = parseReactionField(f, Number(n));
      if (c && (!branchId || c.branchId === branchId)) out.push(c);
    }
    return sortReactions(out);
  }

  async close(): Promise<void> {}
}
