import { describe, expect, it } from 'vitest';
import { initialClock } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo, Member } from '../../shared/protocol/events.js';
import type { RoomRecord, Store } from '../../server/store/types.js';
import { testPrefix } from './redis.js';
import { storeBackends } from './storeBackends.js';

// Per-room caps (members, annotations, branches) are check-and-add in ONE atomic step on every backend, so
// racing writers (two processes, or one process's concurrent commands) can never pass a cap. Same contract
// on the store contract suites' backends (storeBackends.ts); the last part races two Redis connections, as two server processes would.

const { hasRedis, backends, onRedis } = await storeBackends();

const room = (roomId: string): RoomRecord => ({
  roomId,
  battleId: 'b',
  instructorKey: 'secret',
  settings: { openControl: false, playersAnnotate: false, stepMode: false },
  createdAt: 1,
});
const member = (id: string, connected = true): Member => ({ memberId: id, name: id, role: 'viewer', connected });
const ann = (roomId: string, id: string, text = `note ${id}`): Annotation => ({
  id,
  roomId,
  branchId: 'h',
  positionMs: 1000,
  text,
  author: 'Sisko',
  authorId: 'm1',
  authorRole: 'instructor',
  createdAt: 5,
  updatedAt: 5,
});
const branch = (id: string, createdBy = 'Jake'): BranchInfo => ({
  branchId: id,
  battleId: 'b',
  parentBranchId: 'h',
  decisions: [{ decisionId: 'd', optionId: id }],
  fork: { decisionId: 'd', atMs: 10, seq: 3 },
  durationMs: 100,
  outcome: { winner: null, summary: '', losses: {}, facts: [], objectives: {} },
  createdBy,
  createdAt: 2,
});
const fresh = async (s: Store, roomId: string) => s.createRoom(room(roomId), { branchId: 'h', clock: initialClock(1, 0) });

describe.each(backends)('per-room caps contract: %s', (_name, make) => {
  it('members: only present members fill places; a present member keeps its place; a departed one counts as new', async () => {
    const s = await make();
    await fresh(s, 'm');
    expect(await s.admitMember('m', member('a'), 2)).toBe(true);
    expect(await s.admitMember('m', member('b'), 2)).toBe(true);
    expect(await s.admitMember('m', member('c'), 2)).toBe(false);
    expect(await s.getMember('m', 'c')).toBeNull(); // nothing written
    expect(await s.admitMember('m', { ...member('a'), name: 'a again' }, 2)).toBe(true); // present: its own place
    expect((await s.getMember('m', 'a'))?.name).toBe('a again');
    await s.upsertMember('m', member('a', false)); // a departs: its place is free
    expect(await s.admitMember('m', member('c'), 2)).toBe(true);
    expect(await s.admitMember('m', member('a'), 2)).toBe(false); // a is back, but the room is full now
    expect((await s.getMember('m', 'a'))?.connected).toBe(false);
    await s.upsertMember('m', member('b', false));
    expect(await s.admitMember('m', member('a'), 2)).toBe(true);
    expect((await s.getMember('m', 'a'))?.connected).toBe(true); // admitted = present
    expect(
      (await s.listMembers('m'))
        .filter((m) => m.connected)
        .map((m) => m.memberId)
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('annotations: all or nothing against the cap; stored ids ack with their first version even at the cap', async () => {
    const s = await make();
    await fresh(s, 'a');
    const one = await s.addAnnotationsCapped('a', [ann('a', 'n1')], 3);
    expect(one).toEqual({ full: false, results: [{ created: true, annotation: ann('a', 'n1') }] });
    // n1 stored (kept as first written), n2 and a duplicate n2 in one batch count once: 2 of 3.
    const batch = await s.addAnnotationsCapped('a', [ann('a', 'n1', 'changed'), ann('a', 'n2'), ann('a', 'n2', 'dup')], 3);
    expect(batch).toEqual({
      full: false,
      results: [
        { created: false, annotation: ann('a', 'n1') },
        { created: true, annotation: ann('a', 'n2') },
        { created: false, annotation: ann('a', 'n2') },
      ],
    });
    expect(await s.addAnnotationsCapped('a', [ann('a', 'n3'), ann('a', 'n4')], 3)).toEqual({ full: true });
    expect((await s.listAnnotations('a')).map((x) => x.id).sort()).toEqual(['n1', 'n2']); // none of the refused batch
    expect((await s.addAnnotationsCapped('a', [ann('a', 'n3')], 3)).full).toBe(false);
    expect(await s.addAnnotationsCapped('a', [ann('a', 'n4')], 3)).toEqual({ full: true });
    expect(await s.addAnnotationsCapped('a', [ann('a', 'n2', 'retry')], 3)).toEqual({
      full: false,
      results: [{ created: false, annotation: ann('a', 'n2') }],
    });
  });

  it('branches: created, exists (first version kept), full at the cap; no cap = unlimited', async () => {
    const s = await make();
    await fresh(s, 'b');
    expect(await s.addBranch('b', branch('w1'), 2)).toBe('created');
    expect(await s.addBranch('b', branch('w1', 'someone else'), 2)).toBe('exists');
    expect(await s.addBranch('b', branch('w2'), 2)).toBe('created');
    expect(await s.addBranch('b', branch('w3'), 2)).toBe('full');
    expect(await s.addBranch('b', branch('w2'), 2)).toBe('exists'); // a known branch at the cap is not "full"
    expect(await s.addBranch('b', branch('w3'))).toBe('created');
    expect((await s.listBranches('b')).map((b) => [b.branchId, b.createdBy]).sort()).toEqual([
      ['w1', 'Jake'],
      ['w2', 'Jake'],
      ['w3', 'Jake'],
    ]);
  });

  it('concurrent writers on one store never pass a cap', async () => {
    const s = await make();
    await fresh(s, 'c');
    const n = 40;
    const admitted = await Promise.all(Array.from({ length: n }, (_, i) => s.admitMember('c', member(`m${i}`), 7)));
    const annotated = await Promise.all(Array.from({ length: n }, (_, i) => s.addAnnotationsCapped('c', [ann('c', `n${i}`)], 7)));
    const branched = await Promise.all(Array.from({ length: n }, (_, i) => s.addBranch('c', branch(`w${i}`), 7)));
    expect(admitted.filter(Boolean)).toHaveLength(7);
    expect(annotated.filter((r) => !r.full)).toHaveLength(7);
    expect(branched.filter((r) => r === 'created')).toHaveLength(7);
    expect((await s.listMembers('c')).length).toBe(7);
    expect((await s.listAnnotations('c')).length).toBe(7);
    expect((await s.listBranches('c')).length).toBe(7);
  });
});

describe.runIf(hasRedis)('per-room caps across two Redis connections (two processes)', () => {
  it('hold exactly when both race for the last places', async () => {
    const prefix = testPrefix();
    const [a, b] = [await onRedis(prefix), await onRedis(prefix)];
    await fresh(a, 'race');
    const cap = 10;
    // 60 attempts per kind, interleaved over both connections, all in flight at once.
    const on = (i: number) => (i % 2 ? a : b);
    const ids = Array.from({ length: 60 }, (_, i) => i);
    const [admitted, annotated, branched] = await Promise.all([
      Promise.all(ids.map((i) => on(i).admitMember('race', member(`m${i}`), cap))),
      Promise.all(ids.map((i) => on(i).addAnnotationsCapped('race', [ann('race', `n${i}`), ann('race', `x${i}`)], cap))),
      Promise.all(ids.map((i) => on(i).addBranch('race', branch(`w${i}`), cap))),
    ]);
    expect(admitted.filter(Boolean)).toHaveLength(cap);
    expect(annotated.filter((r) => !r.full)).toHaveLength(cap / 2); // pairs: all or nothing
    expect(branched.filter((r) => r === 'created')).toHaveLength(cap);
    expect((await b.listMembers('race')).filter((m) => m.connected)).toHaveLength(cap);
    expect(await a.listAnnotations('race')).toHaveLength(cap);
    expect(await b.listBranches('race')).toHaveLength(cap);
  });
});
