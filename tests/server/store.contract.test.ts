import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { initialClock, play, seek } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo } from '../../shared/protocol/events.js';
import type { RoomRecord } from '../../server/store/types.js';
import { elapse, waitFor } from './helpers.js';
import { REDIS_URL } from './redis.js';
import { storeBackends } from './storeBackends.js';

// One contract, every backend: the server must behave the same on memory and on Redis.

const { hasRedis, backends, onRedis } = await storeBackends();

const room = (roomId: string): RoomRecord => ({
  roomId,
  battleId: 'b',
  instructorKey: 'secret',
  settings: { openControl: false, playersAnnotate: false, stepMode: false },
  createdAt: 1,
});

const ann = (roomId: string, id: string, over: Partial<Annotation> = {}): Annotation => ({
  id,
  roomId,
  branchId: 'h',
  positionMs: 1000,
  text: `note ${id}`,
  author: 'Sisko',
  authorId: 'm1',
  authorRole: 'instructor',
  createdAt: 5,
  updatedAt: 5,
  ...over,
});

const branch: BranchInfo = {
  branchId: 'w1',
  battleId: 'b',
  parentBranchId: 'h',
  decisions: [{ decisionId: 'd', optionId: 'o' }],
  fork: { decisionId: 'd', atMs: 10, seq: 3 },
  durationMs: 100,
  outcome: { winner: null, summary: '', losses: {}, facts: [], objectives: {} },
  createdBy: 'Jake',
  createdAt: 2,
};

describe.each(backends)('store contract: %s', (_name, make) => {
  it('creates and reads rooms; unknown rooms are null', async () => {
    const s = await make();
    await s.createRoom(room('r1'), { branchId: 'h', clock: initialClock(60_000, 100) });
    expect(await s.getRoom('r1')).toEqual(room('r1'));
    expect(await s.getRoom('nope')).toBeNull();
    expect(await s.getPlayhead('nope')).toBeNull();
    expect((await s.getPlayhead('r1'))?.clock.durationMs).toBe(60_000);
  });

  it('merges settings patches', async () => {
    const s = await make();
    await s.createRoom(room('r2'), { branchId: 'h', clock: initialClock(1000, 0) });
    expect((await s.updateSettings('r2', { openControl: true }))?.settings).toEqual({
      openControl: true,
      playersAnnotate: false,
      stepMode: false,
    });
    expect((await s.updateSettings('r2', { stepMode: true }))?.settings).toEqual({
      openControl: true,
      playersAnnotate: false,
      stepMode: true,
    });
    expect(await s.updateSettings('nope', { stepMode: true })).toBeNull();
  });

  it('writes the playhead only on the expected clock version', async () => {
    const s = await make();
    const c1 = initialClock(60_000, 0);
    await s.createRoom(room('r3'), { branchId: 'h', clock: c1 });
    const c2 = play(c1, 10);
    expect(await s.casPlayhead('r3', c1.version, { branchId: 'h', clock: c2 })).toEqual({ ok: true });
    // A second writer that read c1 loses and learns the current value.
    const lost = await s.casPlayhead('r3', c1.version, { branchId: 'h', clock: seek(c1, 10, 5) });
    expect(lost.ok).toBe(false);
    expect(!lost.ok && lost.current?.clock).toEqual(c2);
    expect((await s.getPlayhead('r3'))?.clock).toEqual(c2);
    expect(await s.casPlayhead('nope', 1, { branchId: 'h', clock: c2 })).toEqual({ ok: false, current: null });
  });

  it('upserts and lists members', async () => {
    const s = await make();
    await s.createRoom(room('r4'), { branchId: 'h', clock: initialClock(1, 0) });
    await s.upsertMember('r4', { memberId: 'm1', name: 'Kira', role: 'player', connected: true });
    await s.upsertMember('r4', { memberId: 'm1', name: 'Kira Nerys', role: 'player', connected: false });
    await s.upsertMember('r4', { memberId: 'm2', name: 'Odo', role: 'viewer', connected: true });
    expect(await s.getMember('r4', 'm1')).toEqual({ memberId: 'm1', name: 'Kira Nerys', role: 'player', connected: false });
    expect((await s.listMembers('r4')).map((m) => m.memberId).sort()).toEqual(['m1', 'm2']);
    expect(await s.getMember('r4', 'zz')).toBeNull();
  });

  it('adds annotations idempotently, edits, deletes, lists in position order by branch', async () => {
    const s = await make();
    await s.createRoom(room('r5'), { branchId: 'h', clock: initialClock(1, 0) });
    const a = ann('r5', 'aaaaaaaa', { positionMs: 3000 });
    expect(await s.addAnnotation(a)).toEqual({ created: true, annotation: a });
    // retry with different content: the first write wins
    expect(await s.addAnnotation({ ...a, text: 'changed' })).toEqual({ created: false, annotation: a });
    await s.addAnnotation(ann('r5', 'bbbbbbbb', { positionMs: 1000 }));
    await s.addAnnotation(ann('r5', 'cccccccc', { positionMs: 2000, branchId: 'w' }));
    expect((await s.listAnnotations('r5')).map((x) => x.id)).toEqual(['bbbbbbbb', 'cccccccc', 'aaaaaaaa']);
    expect((await s.listAnnotations('r5', 'h')).map((x) => x.id)).toEqual(['bbbbbbbb', 'aaaaaaaa']);
    expect(await s.updateAnnotation({ ...a, text: 'edited' })).toBe(true);
    expect((await s.getAnnotation('r5', a.id))?.text).toBe('edited');
    expect(await s.deleteAnnotation('r5', a.id)).toBe(true);
    expect(await s.deleteAnnotation('r5', a.id)).toBe(false);
    expect(await s.updateAnnotation({ ...a, text: 'resurrected?' })).toBe(false);
    expect(await s.getAnnotation('r5', a.id)).toBeNull();
  });

  it('records branches once each', async () => {
    const s = await make();
    await s.createRoom(room('r6'), { branchId: 'h', clock: initialClock(1, 0) });
    const b: BranchInfo = {
      branchId: 'w1',
      battleId: 'b',
      parentBranchId: 'h',
      decisions: [{ decisionId: 'd', optionId: 'o' }],
      fork: { decisionId: 'd', atMs: 10, seq: 3 },
      durationMs: 100,
      outcome: { winner: null, summary: '', losses: {}, facts: [], objectives: {} },
      createdBy: 'Jake',
      createdAt: 2,
    };
    await s.addBranch('r6', b);
    await s.addBranch('r6', { ...b, createdBy: 'someone else' });
    expect(await s.listBranches('r6')).toEqual([b]);
    // A progressive fork is recorded early, then replaced with its final info; unknown branches stay unknown.
    const final = { ...b, durationMs: 250, outcome: { ...b.outcome, winner: 'x', summary: 'done' } };
    await s.updateBranch('r6', final);
    await s.updateBranch('r6', { ...b, branchId: 'never-added' });
    expect(await s.listBranches('r6')).toEqual([final]);
    // One record read alone (what a process rebuilding a branch it never compiled reads): the same, and a copy.
    expect(await s.getBranch('r6', b.branchId)).toEqual(final);
    expect(await s.getBranch('r6', 'never-added')).toBeUndefined();
    expect(await s.getBranch('no-such-room', b.branchId)).toBeUndefined();
    const got = await s.getBranch('r6', b.branchId);
    got?.decisions.push({ decisionId: 'x', optionId: 'y' });
    expect(await s.getBranch('r6', b.branchId)).toEqual(final);
  });

  it('returns copies: mutating a result does not change the store', async () => {
    const s = await make();
    await s.createRoom(room('r7'), { branchId: 'h', clock: initialClock(1, 0) });
    const r = (await s.getRoom('r7'))!;
    r.settings.openControl = true;
    expect((await s.getRoom('r7'))!.settings.openControl).toBe(false);
  });

  it('prunes members disconnected longer than the grace period; their annotations stay', async () => {
    const s = await make({ memberGraceMs: 400 }); // generous: a loaded machine may stall for 100s of ms
    await s.createRoom(room('r8'), { branchId: 'h', clock: initialClock(1, 0) });
    await s.upsertMember('r8', { memberId: 'gone', name: 'Weyoun', role: 'player', connected: false });
    await s.upsertMember('r8', { memberId: 'here', name: 'Dax', role: 'viewer', connected: true });
    await s.upsertMember('r8', { memberId: 'back', name: 'Worf', role: 'player', connected: false });
    await s.addAnnotation(ann('r8', 'byweyoun', { authorId: 'gone', author: 'Weyoun' }));
    await elapse(60); // disconnected a while, still within the grace
    await s.upsertMember('r8', { memberId: 'back', name: 'Worf', role: 'player', connected: true }); // back within the grace
    expect((await s.listMembers('r8')).map((m) => m.memberId).sort()).toEqual(['back', 'gone', 'here']);
    await waitFor(async () => !(await s.listMembers('r8')).some((m) => m.memberId === 'gone'), {
      what: 'the pruning of gone',
      timeoutMs: 3000,
    });
    expect((await s.listMembers('r8')).map((m) => m.memberId).sort()).toEqual(['back', 'here']);
    expect(await s.getMember('r8', 'gone')).toBeNull();
    expect((await s.getAnnotation('r8', 'byweyoun'))?.author).toBe('Weyoun');
    // Disconnecting twice keeps the first disconnect time (the grace is not extended by bookkeeping).
    await s.upsertMember('r8', { memberId: 'here', name: 'Dax', role: 'viewer', connected: false });
    // Timing is the point here: pruned 450 ms after the first disconnect, where an extended grace would keep it until 600.
    await elapse(200);
    await s.upsertMember('r8', { memberId: 'here', name: 'Dax', role: 'viewer', connected: false });
    await elapse(250);
    expect(await s.getMember('r8', 'here')).toBeNull();
  });

  it('expires every record of an unused room; using a room refreshes it; branches live while their room does', async () => {
    const ttl = { roomTtlMs: 1000 };
    const s = await make(ttl);
    const fill = async (id: string) => {
      await s.createRoom(room(id), { branchId: 'h', clock: initialClock(1, 0) });
      await s.upsertMember(id, { memberId: 'm1', name: 'Kira', role: 'player', connected: true });
      await s.upsertMember(id, { memberId: 'm2', name: 'Nog', role: 'viewer', connected: false });
      await s.addAnnotation(ann(id, 'keepme'));
      await s.addBranch(id, { ...branch, branchId: `w-${id}` });
      await s.updateSettings(id, { stepMode: true });
    };
    await fill('used');
    await fill('idle');
    // Time is the point: past the TTL, with a read of 'used' every 200 ms (reading 'idle' would refresh it).
    for (let i = 0; i < 8; i++) {
      await elapse(200);
      expect(await s.getPlayhead('used')).not.toBeNull(); // a read is a use
    }
    expect(await s.getRoom('idle')).toBeNull();
    expect(await s.getPlayhead('idle')).toBeNull();
    expect(await s.listMembers('idle')).toEqual([]);
    expect(await s.listAnnotations('idle')).toEqual([]);
    expect(await s.listBranches('idle')).toEqual([]);
    expect((await s.getRoom('used'))?.settings.stepMode).toBe(true);
    expect((await s.listAnnotations('used')).map((a) => a.id)).toEqual(['keepme']);
    expect((await s.listBranches('used')).map((b) => b.branchId)).toEqual(['w-used']);
    expect((await s.listMembers('used')).length).toBe(2);
  });
});

describe.runIf(hasRedis)('redis retention', () => {
  it('gives every key of a room a TTL, refreshed by use', async () => {
    const s = await onRedis(undefined, { roomTtlMs: 60_000 });
    await s.createRoom(room('t1'), { branchId: 'h', clock: initialClock(1, 0) });
    await s.upsertMember('t1', { memberId: 'm1', name: 'Kira', role: 'player', connected: false });
    await s.addAnnotation(ann('t1', 'a1'));
    await s.addBranch('t1', branch);
    await s.casPlayhead('t1', 1, { branchId: 'h', clock: play(initialClock(1, 0), 5) });
    const c = createClient({ url: REDIS_URL });
    await c.connect();
    try {
      const ttls = await Promise.all(s.roomKeys('t1').map((k) => c.pTTL(k)));
      const existing = ttls.filter((t) => t !== -2); // -2: no such key (no votes or studies in this room)
      expect(existing).toHaveLength(7);
      expect(existing.every((t) => t > 50_000 && t <= 60_000)).toBe(true); // and every one expires
    } finally {
      await c.close();
    }
  });
});
