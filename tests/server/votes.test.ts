import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { battles } from '../../replays/index.js';
import { createWorld } from '../../replays/engine/sim/index.js';
import type { BattleDefinition, DecisionSpec } from '../../replays/engine/types.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { Ack, BranchInfo, VoteState } from '../../shared/protocol/events.js';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { RedisStore, type RedisClient } from '../../server/store/redis.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { RedisVoteStore } from '../../server/votes/redis.js';
import { boot, clientId, delivered, until, type Booted } from './helpers.js';
import { REDIS_URL, redisAvailable, testPrefix } from './redis.js';

// Group votes through real sockets on the real engine (the registered battle with the fewest units,
// picked without naming it): open, live tallies, change of mind, tie-break, fork + switch, export.

const engine = new EngineTimelineService();
const hasRedis = await redisAvailable();
let s: Booted;
let def: BattleDefinition;
let history: Timeline;
let spec: DecisionSpec;

beforeAll(async () => {
  def = [...battles].filter((b) => b.decisions.length >= 1).sort((a, b) => createWorld(a).units.length - createWorld(b).units.length)[0];
  history = (await engine.timeline(def.info.id))!;
  // A decision history reaches, preferably one whose options include a value.
  const reached = def.decisions.filter((d) => history.decisionPoints.find((p) => p.id === d.id)?.atMs !== null);
  spec = reached.find((d) => d.options.some((o) => o.param)) ?? reached[0];
  s = await boot({ timelines: engine, voteStudy: { tallyIntervalMs: 50 } });
}, 120_000);
afterAll(() => s.close());

type Res<T extends object> = Promise<Ack<T>>;
const open = (c: RoomClient, decisionId: string): Res<{ vote: VoteState }> => c.call('vote:open', { decisionId });
const cast = (c: RoomClient, p: { voteId: string; optionId: string; value?: number }): Res<{ vote: VoteState }> => c.call('vote:cast', p);
const close = (
  c: RoomClient,
  p: { voteId: string; switch?: boolean; optionId?: string; value?: number },
): Res<{ vote: VoteState; branch: BranchInfo }> => c.call('vote:close', p);
const sync = (c: RoomClient): Res<{ votes: VoteState[] }> => c.call('vote:sync', {});

function ok<T extends object>(r: Ack<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

/** Latest vote:state each client received. */
function watch(clients: RoomClient[]): Map<RoomClient, VoteState[]> {
  const seen = new Map<RoomClient, VoteState[]>(clients.map((c) => [c, []]));
  for (const c of clients) c.socket.on('vote:state', (v) => seen.get(c)!.push(v));
  return seen;
}
const last = (seen: Map<RoomClient, VoteState[]>, c: RoomClient) => seen.get(c)!.at(-1);
const count = (v: VoteState | undefined, optionId: string) => v?.tallies.find((t) => t.optionId === optionId)?.count ?? 0;

describe('group votes', () => {
  it('the instructor opens, players and viewers vote and change their minds, everyone sees live tallies, closing forks and switches', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const p1 = s.client({ roomId, name: 'Kira', role: 'player' });
    const v1 = s.client({ roomId, name: 'Odo' });
    const v2 = s.client({ roomId, name: 'Quark <b>' });
    const all = [inst, p1, v1, v2];
    await Promise.all(all.map((c) => c.ready));
    const seen = watch(all);
    const created: BranchInfo[] = [];
    v1.socket.on('branch:created', (b) => created.push(b));

    expect(await open(p1, spec.id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await open(inst, 'no-such-decision')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await inst.callUnchecked('vote:open', { decisionId: 7 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const { vote } = ok(await open(inst, spec.id));
    expect(vote).toMatchObject({ decisionId: spec.id, open: true, branchId: history.branchId, openedBy: 'Sisko' });
    expect(vote.options.map((o) => o.optionId)).toEqual(spec.options.map((o) => o.id));
    for (const c of all) await until(() => last(seen, c)?.voteId === vote.voteId, 3000, 'vote:state everywhere');
    expect(await open(inst, spec.id)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

    const alt = spec.options.find((o) => !o.historical)!;
    const hist = spec.options.find((o) => o.historical)!;
    const ballot = (o: typeof alt, value?: number) => ({
      voteId: vote.voteId,
      optionId: o.id,
      ...(o.param ? { value: value ?? o.param.default } : {}),
    });

    // Refused: the instructor (breaks ties instead), unknown options, values where none or the wrong one.
    expect(await cast(inst, ballot(alt))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const bad = await cast(p1, { voteId: vote.voteId, optionId: 'nope' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(!bad.ok && bad.error.message).toContain(spec.options[0].id);
    if (alt.param)
      expect(await cast(p1, ballot(alt, alt.param.max + alt.param.step))).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await cast(p1, { voteId: 'v_nope', optionId: alt.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    // Ballots: the player first for history, then changes to the alternative.
    const first = ok(await cast(p1, ballot(hist)));
    expect(first.vote.yourChoice?.optionId).toBe(hist.id);
    const changed = ok(await cast(p1, ballot(alt, alt.param ? alt.param.min : undefined)));
    expect(changed.vote.yourChoice?.optionId).toBe(alt.id);
    expect(count(changed.vote, hist.id)).toBe(0);
    ok(await cast(v1, ballot(alt, alt.param ? alt.param.max : undefined)));
    const v2ack = ok(await cast(v2, ballot(hist)));
    expect(v2ack.vote.yourChoice?.optionId).toBe(hist.id);
    // Everyone converges on the same tallies; broadcasts never carry anyone's choice.
    for (const c of all) await until(() => count(last(seen, c), alt.id) === 2 && count(last(seen, c), hist.id) === 1, 3000, 'live tallies');
    expect(seen.get(inst)!.every((v) => v.yourChoice === undefined)).toBe(true);
    // Each socket learns its own choice on sync; others' choices never.
    expect(ok(await sync(v1)).votes[0].yourChoice?.optionId).toBe(alt.id);
    expect(ok(await sync(inst)).votes[0].yourChoice).toBeUndefined();

    // Closing: viewers may not; the instructor closes and switches the room to the winner.
    expect(await close(v1, { voteId: vote.voteId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const closed = ok(await close(inst, { voteId: vote.voteId, switch: true }));
    const expectValue = alt.param ? alt.param.min : undefined; // lower median of {min, max}
    expect(closed.vote.result).toMatchObject({
      optionId: alt.id,
      votes: 2,
      total: 3,
      decidedBy: 'votes',
      switched: true,
      closedBy: 'Sisko',
    });
    expect(closed.vote.result?.value).toBe(expectValue);
    expect(closed.branch.decisions).toContainEqual({
      decisionId: spec.id,
      optionId: alt.id,
      ...(expectValue !== undefined ? { value: expectValue } : {}),
    });
    expect(closed.branch.parentBranchId).toBe(history.branchId);
    for (const c of all) await until(() => c.room()?.branchId === closed.branch.branchId, 5000, 'room switched');
    await until(() => created.some((b) => b.branchId === closed.branch.branchId), 3000, 'branch:created');
    for (const c of all)
      await until(() => last(seen, c)?.open === false && last(seen, c)?.result?.branchId === closed.branch.branchId, 3000, 'closed state');

    // Closed: no more ballots; closing again returns the same result; a new vote may open.
    expect(await cast(v1, ballot(hist))).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(ok(await close(inst, { voteId: vote.voteId })).vote.result?.branchId).toBe(closed.branch.branchId);

    // Export: JSON carries the vote with its result (no member ids), the debrief a "Group votes" section, names escaped.
    const exp = (await (await fetch(`${s.url}/api/rooms/${roomId}/annotations`)).json()) as { votes: VoteState[] };
    expect(exp.votes).toHaveLength(1);
    expect(exp.votes[0].result?.branchId).toBe(closed.branch.branchId);
    expect(JSON.stringify(exp.votes)).not.toContain('memberId');
    const md = await (await fetch(`${s.url}/api/rooms/${roomId}/annotations?format=md`)).text();
    expect(md).toContain('## Group votes');
    expect(md).toContain(`what-if ${closed.branch.branchId}, the room switched to it`);
    const listed = (await (await fetch(`${s.url}/api/rooms/${roomId}/votes`)).json()) as { votes: VoteState[] };
    expect(listed.votes.map((v) => v.voteId)).toEqual([vote.voteId]);
    expect((await fetch(`${s.url}/api/rooms/nope/votes`)).status).toBe(404);
  });

  it('a tie needs the instructor to pick among the tied options; the vote stays open until then', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const a = s.client({ roomId, name: 'Jake', role: 'player' });
    const b = s.client({ roomId, name: 'Nog' });
    await Promise.all([inst.ready, a.ready, b.ready]);
    const { vote } = ok(await open(inst, spec.id));
    const [o1, o2] = spec.options;
    const val = (o: typeof o1) => (o.param ? { value: o.param.default } : {});
    ok(await cast(a, { voteId: vote.voteId, optionId: o1.id, ...val(o1) }));
    ok(await cast(b, { voteId: vote.voteId, optionId: o2.id, ...val(o2) }));
    const tie = await close(inst, { voteId: vote.voteId });
    expect(tie).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(!tie.ok && tie.error.message).toMatch(/tie/);
    // Still open: ballots count again.
    ok(await cast(b, { voteId: vote.voteId, optionId: o2.id, ...val(o2) }));
    const third = spec.options[2];
    if (third)
      expect(await close(inst, { voteId: vote.voteId, optionId: third.id })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const clockBefore = inst.clock()!.version;
    const picked = ok(await close(inst, { voteId: vote.voteId, optionId: o2.id }));
    expect(picked.vote.result).toMatchObject({ optionId: o2.id, decidedBy: 'instructor', switched: false });
    // Not switched: the room stays on history. A switch's clock is sent before the close is acked, so a wrong one has
    // arrived after a ping (its keyframe, which moves room().branchId, may come later: the clock is the check).
    await delivered([inst]);
    expect(inst.clock()!.version).toBe(clockBefore);
    expect(inst.room()?.branchId).toBe(history.branchId);
  });
});

describe.runIf(hasRedis)('group votes on Redis', () => {
  it('acknowledged ballots survive a server restart; the vote closes on the new process', async () => {
    const prefix = testPrefix();
    const conns: RedisClient[] = [];
    const node = async () => {
      const c = createClient({ url: REDIS_URL }) as RedisClient;
      await c.connect();
      conns.push(c);
      return boot({ timelines: engine, store: new RedisStore(c, prefix), voteStudy: { votes: new RedisVoteStore(c, prefix) } });
    };
    try {
      const one = await node();
      const { roomId, instructorKey } = await one.createRoom({ battleId: def.info.id });
      const ids = { inst: clientId(), a: clientId(), b: clientId() };
      const inst = one.client({ roomId, name: 'Sisko', instructorKey, clientId: ids.inst });
      const a = one.client({ roomId, name: 'Kira', role: 'player', clientId: ids.a });
      const b = one.client({ roomId, name: 'Odo', clientId: ids.b });
      await Promise.all([inst.ready, a.ready, b.ready]);
      const { vote } = ok(await open(inst, spec.id));
      const alt = spec.options.find((o) => !o.historical)!;
      const ballot = { voteId: vote.voteId, optionId: alt.id, ...(alt.param ? { value: alt.param.default } : {}) };
      ok(await cast(a, ballot));
      ok(await cast(b, ballot));
      await one.close(); // the process goes away; nothing is flushed on the way out

      const two = await node();
      const inst2 = two.client({ roomId, name: 'Sisko', instructorKey, clientId: ids.inst });
      const a2 = two.client({ roomId, name: 'Kira', role: 'player', clientId: ids.a });
      await Promise.all([inst2.ready, a2.ready]);
      const synced = ok(await sync(a2)).votes;
      expect(synced).toHaveLength(1);
      expect(synced[0]).toMatchObject({ voteId: vote.voteId, open: true, yourChoice: { optionId: alt.id } });
      expect(count(synced[0], alt.id)).toBe(2);
      const closed = ok(await close(inst2, { voteId: vote.voteId }));
      expect(closed.vote.result).toMatchObject({ optionId: alt.id, votes: 2, total: 2 });
      await two.close();
    } finally {
      const st = new RedisStore(conns[0], prefix);
      await st.clearPrefix();
      for (const c of conns) await c.close();
    }
  });

  it('ballots racing a close on another process are either counted or refused, never lost', async () => {
    const prefix = testPrefix();
    const conns: RedisClient[] = [];
    const node = async () => {
      const c = createClient({ url: REDIS_URL }) as RedisClient;
      await c.connect();
      conns.push(c);
      return boot({ timelines: engine, store: new RedisStore(c, prefix), voteStudy: { votes: new RedisVoteStore(c, prefix) } });
    };
    const [one, two] = [await node(), await node()];
    try {
      const { roomId, instructorKey } = await one.createRoom({ battleId: def.info.id });
      const inst = one.client({ roomId, name: 'Sisko', instructorKey });
      const voters = Array.from({ length: 12 }, (_, i) => two.client({ roomId, name: `v${i}` }));
      await Promise.all([inst.ready, ...voters.map((c) => c.ready)]);
      const { vote } = ok(await open(inst, spec.id));
      const alt = spec.options.find((o) => !o.historical)!;
      const ballot = { voteId: vote.voteId, optionId: alt.id, ...(alt.param ? { value: alt.param.default } : {}) };
      ok(await cast(voters[0], ballot));
      const [closing, ...acks] = await Promise.all([close(inst, { voteId: vote.voteId }), ...voters.slice(1).map((c) => cast(c, ballot))]);
      const counted = 1 + acks.filter((a) => a.ok).length;
      for (const a of acks) if (!a.ok) expect(a.error.code).toBe('CONFLICT');
      expect(ok(closing).vote.result?.total).toBe(counted);
      expect(count(ok(closing).vote, alt.id)).toBe(counted);
    } finally {
      await one.close();
      await two.close();
      const st = new RedisStore(conns[0], prefix);
      await st.clearPrefix();
      for (const c of conns) await c.close();
    }
  });
});
