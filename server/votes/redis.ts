import type { RedisClient } from '../store/redis.js';
import type { VoteResult } from '../../shared/protocol/events.js';
import { countKeys, type Ballot, type CastResult, type OpenVoteResult, type VoteRecord, type VoteStatus, type VoteStore } from './types.js';

// Layout (under `prefix`):
//   room:<id>:votes                 hash voteId -> JSON VoteRecord (status lives in the next hash)
//   room:<id>:votes:status          hash voteId -> open | closing | closed
//   room:<id>:votes:open            string: the room's one open (or closing) vote
//   room:<id>:vote:<voteId>:ballots hash memberId -> JSON Ballot
//   room:<id>:vote:<voteId>:keys    hash memberId -> the ballot's count keys, newline-separated
//   room:<id>:vote:<voteId>:counts  hash count key -> ballots (see countKeys)
// Every transition is one Lua script, so a cast racing a close on another process is either counted
// before the ballots freeze or refused: an acknowledged ballot is always in the result.

const OPEN = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[1], 'open')
  return ''
end
return redis.call('GET', KEYS[1])`;

// A changed ballot moves its counts: the old keys down, the new keys up, in the same script.
const CAST = `
local st = redis.call('HGET', KEYS[1], ARGV[1])
if not st then return 'missing' end
if st ~= 'open' then return st end
local old = redis.call('HGET', KEYS[3], ARGV[2])
if old then for k in string.gmatch(old, '[^\\n]+') do redis.call('HINCRBY', KEYS[4], k, -1) end end
for k in string.gmatch(ARGV[4], '[^\\n]+') do redis.call('HINCRBY', KEYS[4], k, 1) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
return 'ok'`;

const BEGIN_CLOSE = `
local st = redis.call('HGET', KEYS[1], ARGV[1])
if not st then return '' end
if st ~= 'closed' then redis.call('HSET', KEYS[1], ARGV[1], 'closing') end
return st`;

const REOPEN = `
if redis.call('HGET', KEYS[1], ARGV[1]) == 'closing' then redis.call('HSET', KEYS[1], ARGV[1], 'open') end
return 1`;

const FINISH = `
local st = redis.call('HGET', KEYS[1], ARGV[1])
if not st then return 0 end
if st ~= 'closed' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[1], ARGV[1], 'closed')
end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 1`;

export class RedisVoteStore implements VoteStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix = 'wardroom:',
    /** The room TTL (issue #12): keys written here expire with the room; the room store refreshes the fixed ones. */
    private readonly ttlMs?: number,
  ) {}

  /** Give the keys just written the room's TTL (no key of a room may live without one). */
  private async expire(keys: string[]): Promise<void> {
    if (this.ttlMs === undefined) return;
    const multi = this.client.multi();
    for (const k of keys) multi.pExpire(k, this.ttlMs);
    await multi.exec();
  }

  private key(roomId: string, part: string): string {
    return `${this.prefix}room:${roomId}:${part}`;
  }

  async openVote(vote: VoteRecord): Promise<OpenVoteResult> {
    const { status: _s, ...rest } = vote;
    const keys = [this.key(vote.roomId, 'votes:open'), this.key(vote.roomId, 'votes'), this.key(vote.roomId, 'votes:status')];
    const res = await this.client.eval(OPEN, { keys, arguments: [vote.voteId, JSON.stringify(rest)] });
    await this.expire(keys);
    return res === '' ? { ok: true } : { ok: false, openVoteId: String(res) };
  }

  async getVote(roomId: string, voteId: string): Promise<VoteRecord | null> {
    const [json, status] = await Promise.all([
      this.client.hGet(this.key(roomId, 'votes'), voteId),
      this.client.hGet(this.key(roomId, 'votes:status'), voteId),
    ]);
    if (!json || !status) return null;
    return { ...(JSON.parse(json) as Omit<VoteRecord, 'status'>), status: status as VoteStatus };
  }

  async listVotes(roomId: string): Promise<VoteRecord[]> {
    const [all, status] = await Promise.all([
      this.client.hGetAll(this.key(roomId, 'votes')),
      this.client.hGetAll(this.key(roomId, 'votes:status')),
    ]);
    return Object.entries(all)
      .filter(([id]) => status[id])
      .map(([id, json]) => ({ ...(JSON.parse(json) as Omit<VoteRecord, 'status'>), status: status[id] as VoteStatus }))
      .sort((a, b) => a.openedAt - b.openedAt || a.voteId.localeCompare(b.voteId));
  }

  async cast(roomId: string, voteId: string, ballot: Ballot): Promise<CastResult> {
    const keys = [
      this.key(roomId, 'votes:status'),
      this.key(roomId, `vote:${voteId}:ballots`),
      this.key(roomId, `vote:${voteId}:keys`),
      this.key(roomId, `vote:${voteId}:counts`),
    ];
    const res = await this.client.eval(CAST, {
      keys,
      arguments: [voteId, ballot.memberId, JSON.stringify(ballot), countKeys(ballot).join('\n')],
    });
    await this.expire(keys);
    return String(res) as CastResult;
  }

  async ballot(roomId: string, voteId: string, memberId: string): Promise<Ballot | null> {
    const json = await this.client.hGet(this.key(roomId, `vote:${voteId}:ballots`), memberId);
    return json ? (JSON.parse(json) as Ballot) : null;
  }

  async counts(roomId: string, voteId: string): Promise<Record<string, number>> {
    const all = await this.client.hGetAll(this.key(roomId, `vote:${voteId}:counts`));
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  async ballots(roomId: string, voteId: string): Promise<Ballot[]> {
    const all = await this.client.hGetAll(this.key(roomId, `vote:${voteId}:ballots`));
    return Object.values(all).map((j) => JSON.parse(j) as Ballot);
  }

  async beginClose(roomId: string, voteId: string): Promise<VoteStatus | null> {
    const res = String(await this.client.eval(BEGIN_CLOSE, { keys: [this.key(roomId, 'votes:status')], arguments: [voteId] }));
    return res === '' ? null : (res as VoteStatus);
  }

  async reopen(roomId: string, voteId: string): Promise<void> {
    await this.client.eval(REOPEN, { keys: [this.key(roomId, 'votes:status')], arguments: [voteId] });
  }

  async finishClose(roomId: string, voteId: string, result: VoteResult): Promise<VoteRecord | null> {
    const current = await this.getVote(roomId, voteId);
    if (!current) return null;
    const { status: _s, ...rest } = current;
    const json = JSON.stringify({ ...rest, result: current.status === 'closed' ? current.result : result });
    const keys = [this.key(roomId, 'votes:status'), this.key(roomId, 'votes'), this.key(roomId, 'votes:open')];
    await this.client.eval(FINISH, { keys, arguments: [voteId, json] });
    await this.expire(keys);
    return this.getVote(roomId, voteId);
  }

  async close(): Promise<void> {}
}
