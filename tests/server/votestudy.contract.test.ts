import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { StudyResultMsg, VoteResult } from '../../shared/protocol/events.js';
import { MemoryStudyStore, RedisStudyStore, studyKey, type StudyStore } from '../../server/study/store.js';
import type { RedisClient } from '../../server/store/redis.js';
import { MemoryVoteStore } from '../../server/votes/memory.js';
import { RedisVoteStore } from '../../server/votes/redis.js';
import type { VoteRecord, VoteStore } from '../../server/votes/types.js';
import { REDIS_URL, redisAvailable, redisStore, testPrefix } from './redis.js';

// One contract for the vote and study stores, run against memory and Redis.

const hasRedis = await redisAvailable();
const clients: RedisClient[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const s = await redisStore(p);
    await s.clearPrefix();
    await s.close();
  }
  for (const c of clients) await c.close();
});

async function redisClient(): Promise<{ client: RedisClient; prefix: string }> {
  const client = createClient({ url: REDIS_URL }) as RedisClient;
  await client.connect();
  clients.push(client);
  const prefix = testPrefix();
  prefixes.push(prefix);
  return { client, prefix };
}

type Make = () => Promise<{ votes: VoteStore; studies: StudyStore }>;
const backends: [string, Make][] = [['memory', async () => ({ votes: new MemoryVoteStore(), studies: new MemoryStudyStore() })]];
if (hasRedis) {
  backends.push([
    'redis',
    async () => {
      const { client, prefix } = await redisClient();
      // With the room TTL (issue #12): every write also sets the keys' expiry.
      return { votes: new RedisVoteStore(client, prefix, 3_600_000), studies: new RedisStudyStore(client, prefix, 3_600_000) };
    },
  ]);
}

const vote = (roomId: string, voteId: string, openedAt = 1): VoteRecord => ({
  voteId,
  roomId,
  decisionId: 'd1',
  title: 'Send the wings?',
  branchId: 'h',
  openedBy: 'Sisko',
  openedAt,
  status: 'open',
  options: [
    { optionId: 'send', label: 'Send', historical: true, param: { label: 'wings', min: 1, max: 40, step: 1, default: 20, unit: 'wings' } },
    { optionId: 'hold', label: 'Hold', historical: false },
  ],
});

const result = (over: Partial<VoteResult> = {}): VoteResult => ({
  optionId: 'hold',
  votes: 2,
  total: 3,
  decidedBy: 'votes',
  branchId: 'w1',
  switched: false,
  closedBy: 'Sisko',
  closedAt: 9,
  ...over,
});

const study = (studyId: string, branchId: string, finishedAt: number): StudyResultMsg => ({
  studyId,
  battleId: 'b',
  branchId,
  decisions: [],
  runs: 3,
  seed: 7,
  status: 'done',
  requestedBy: 'Kira',
  finishedAt,
  cached: false,
  winners: { blue: 2, none: 1 },
  losses: { blue: { ships: [1, 2, 3], stations: [0, 0, 0] } },
  objectives: [{ id: 'o', label: 'Hold', complete: 2, failed: 1 }],
  facts: { x: 3 },
  history: { winners: { blue: 3 }, losses: {}, objectives: [], facts: {} },
});

describe.each(backends)('vote + study store contract: %s', (_name, make) => {
  it('opens one vote per room at a time and lists votes in opening order', async () => {
    const { votes } = await make();
    expect(await votes.openVote(vote('r1', 'v1', 5))).toEqual({ ok: true });
    expect(await votes.openVote(vote('r1', 'v2', 6))).toEqual({ ok: false, openVoteId: 'v1' });
    expect(await votes.openVote(vote('r2', 'v3', 1))).toEqual({ ok: true });
    expect(await votes.getVote('r1', 'v1')).toEqual(vote('r1', 'v1', 5));
    expect(await votes.getVote('r1', 'nope')).toBeNull();
    expect((await votes.listVotes('r1')).map((v) => v.voteId)).toEqual(['v1']);
    await votes.beginClose('r1', 'v1');
    await votes.finishClose('r1', 'v1', result());
    expect(await votes.openVote(vote('r1', 'v2', 6))).toEqual({ ok: true });
    expect((await votes.listVotes('r1')).map((v) => [v.voteId, v.status])).toEqual([
      ['v1', 'closed'],
      ['v2', 'open'],
    ]);
  });

  it('keeps one ballot per member, the latest; refuses ballots once closing; reopens', async () => {
    const { votes } = await make();
    await votes.openVote(vote('r3', 'v1'));
    expect(await votes.cast('r3', 'v1', { memberId: 'm1', optionId: 'send', value: 10, at: 1 })).toBe('ok');
    expect(await votes.cast('r3', 'v1', { memberId: 'm2', optionId: 'hold', at: 2 })).toBe('ok');
    expect(await votes.cast('r3', 'v1', { memberId: 'm1', optionId: 'hold', at: 3 })).toBe('ok');
    expect(await votes.cast('r3', 'nope', { memberId: 'm1', optionId: 'hold', at: 3 })).toBe('missing');
    const sorted = (await votes.ballots('r3', 'v1')).sort((a, b) => a.memberId.localeCompare(b.memberId));
    expect(sorted).toEqual([
      { memberId: 'm1', optionId: 'hold', at: 3 },
      { memberId: 'm2', optionId: 'hold', at: 2 },
    ]);
    // Running counts moved with the changed ballot.
    const c = await votes.counts('r3', 'v1');
    expect([c['o:hold'], c['o:send'] ?? 0, c['v:send:10'] ?? 0]).toEqual([2, 0, 0]);
    expect(await votes.ballot('r3', 'v1', 'm2')).toEqual({ memberId: 'm2', optionId: 'hold', at: 2 });
    expect(await votes.ballot('r3', 'v1', 'zz')).toBeNull();

    expect(await votes.beginClose('r3', 'v1')).toBe('open');
    expect(await votes.cast('r3', 'v1', { memberId: 'm3', optionId: 'send', value: 5, at: 4 })).toBe('closing');
    expect(await votes.beginClose('r3', 'v1')).toBe('closing'); // a retried close
    await votes.reopen('r3', 'v1');
    expect((await votes.getVote('r3', 'v1'))?.status).toBe('open');
    expect(await votes.cast('r3', 'v1', { memberId: 'm3', optionId: 'send', value: 5, at: 4 })).toBe('ok');
    expect(await votes.cast('r3', 'v1', { memberId: 'm1', optionId: 'send', value: 5, at: 5 })).toBe('ok');
    const c2 = await votes.counts('r3', 'v1');
    expect([c2['o:hold'], c2['o:send'], c2['v:send:5']]).toEqual([1, 2, 2]);
    expect(await votes.beginClose('nope', 'v1')).toBeNull();
  });

  it('stores the result once; a closed vote refuses ballots and keeps its first result', async () => {
    const { votes } = await make();
    await votes.openVote(vote('r4', 'v1'));
    await votes.beginClose('r4', 'v1');
    const closed = await votes.finishClose('r4', 'v1', result());
    expect(closed).toMatchObject({ status: 'closed', result: result() });
    expect(await votes.cast('r4', 'v1', { memberId: 'm1', optionId: 'hold', at: 1 })).toBe('closed');
    expect(await votes.beginClose('r4', 'v1')).toBe('closed');
    expect((await votes.finishClose('r4', 'v1', result({ optionId: 'send' })))?.result?.optionId).toBe('hold');
    expect(await votes.finishClose('r4', 'nope', result())).toBeNull();
  });

  it('caches study results by key (first write wins), lists them by finish time', async () => {
    const { studies } = await make();
    const k1 = studyKey('w1', 3, 7);
    await studies.putResult('r5', k1, study('s1', 'w1', 20));
    await studies.putResult('r5', k1, study('s9', 'w1', 30));
    await studies.putResult('r5', studyKey('h', 3, 7), study('s2', 'h', 10));
    expect((await studies.getResult('r5', k1))?.studyId).toBe('s1');
    expect(await studies.getResult('r5', studyKey('w1', 4, 7))).toBeNull();
    expect((await studies.listResults('r5')).map((r) => r.studyId)).toEqual(['s2', 's1']);
    expect(await studies.listResults('other')).toEqual([]);
    const got = (await studies.getResult('r5', k1))!;
    got.winners.blue = 99;
    expect((await studies.getResult('r5', k1))?.winners.blue).toBe(2);
  });
});
