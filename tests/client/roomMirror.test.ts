import { describe, expect, it } from 'vitest';
import { initialClock } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo, RoomState } from '../../shared/protocol/events.js';
import * as mirror from '../../client/lib/roomMirror.js';

const room = (): RoomState => ({
  roomId: 'r',
  battleId: 'b',
  branchId: 'h',
  settings: { openControl: false, playersAnnotate: false, stepMode: false },
  clock: initialClock(60_000, 0),
  members: [],
  annotations: [],
  branches: [],
});
const note = (id: string, positionMs: number): Annotation =>
  ({
    id,
    roomId: 'r',
    branchId: 'h',
    positionMs,
    text: id,
    author: 'a',
    authorRole: 'instructor',
    createdAt: 0,
    updatedAt: 0,
  }) as Annotation;

describe('room mirror', () => {
  it('drops older clocks and exact repeats', () => {
    const c = initialClock(60_000, 1000);
    expect(mirror.isNewerClock(null, c)).toBe(true);
    expect(mirror.isNewerClock(c, { ...c })).toBe(false);
    expect(mirror.isNewerClock(c, { ...c, version: c.version - 1, serverTime: 5000 })).toBe(false);
    expect(mirror.isNewerClock(c, { ...c, serverTime: 2000 })).toBe(true); // same version re-anchored (a rebroadcast)
    expect(mirror.isNewerClock(c, { ...c, version: c.version + 1 })).toBe(true);
  });

  it('keeps annotations in playback order, replaces by id, removes by id', () => {
    let r = room();
    r = mirror.upsertAnnotation(r, note('b', 2000));
    r = mirror.upsertAnnotation(r, note('a', 1000));
    r = mirror.upsertAnnotation(r, { ...note('b', 500), text: 'moved' });
    expect(r.annotations.map((a) => [a.id, a.positionMs])).toEqual([
      ['b', 500],
      ['a', 1000],
    ]);
    const same = mirror.removeAnnotation(r, 'zzz');
    expect(same).toBe(r);
    expect(mirror.removeAnnotation(r, 'b').annotations.map((a) => a.id)).toEqual(['a']);
  });

  it('adds a branch once and switches branch only on change', () => {
    const r = room();
    const b = { branchId: 'f1' } as BranchInfo;
    const r1 = mirror.addBranch(r, b);
    expect(r1.branches).toHaveLength(1);
    expect(mirror.addBranch(r1, b)).toBe(r1);
    expect(mirror.withBranchId(r1, 'h')).toBe(r1);
    expect(mirror.withBranchId(r1, 'f1').branchId).toBe('f1');
    const done = { branchId: 'f1', complete: true } as BranchInfo;
    expect(mirror.updateBranch(r1, done).branches).toEqual([done]);
    expect(mirror.updateBranch(r, done)).toBe(r); // unknown branch: nothing to replace
  });
});
