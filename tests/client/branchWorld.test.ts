import { describe, expect, it } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import { BranchWorld } from '../../client/lib/branchWorld.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';
import { MemorySegmentSource } from './segmentSource.js';

// Segments delivery following the room's branch: a switch keeps the old branch's last frame up until the
// new branch's segment at the play head is in, then shows the new branch.

describe('BranchWorld', () => {
  it('follows a branch switch without a blank frame', async () => {
    const a = buildFixtureTimeline('branch-a');
    // Branch b: the same battle with every event after 25 s a little later (another world from then on).
    const b = { ...buildFixtureTimeline('branch-b'), keyframes: [] };
    b.events = b.events.map((e) => (e.t > 25_000 ? { ...e, t: Math.min(e.t + 137, b.durationMs) } : e));
    const sources = new Map([
      [a.branchId, new MemorySegmentSource(a)],
      [b.branchId, new MemorySegmentSource(b)],
    ]);
    let gateB!: () => void;
    sources.get(b.branchId)!.gate = new Promise<void>((r) => (gateB = r));
    const source = {
      getManifest: (battleId: string, branchId: string) => sources.get(branchId)!.getManifest(battleId, branchId),
      getSegment: (battleId: string, branchId: string, i: number) => sources.get(branchId)!.getSegment(battleId, branchId, i),
    };
    const pos = 42_000;
    expect(stateAt(b.events, b.keyframes, pos)).not.toEqual(stateAt(a.events, a.keyframes, pos));
    const changes: string[] = [];
    const w = new BranchWorld(source, { room: 'r', position: () => pos, onChange: (c) => changes.push(c), onEvents: () => {} });
    w.follow(a.battleId, a.branchId);
    await w.next();
    const still = { playing: false, rate: 1 };
    expect(w.stateAt(pos, still)).toEqual(stateAt(a.events, a.keyframes, pos));
    expect(w.drawnBranchId).toBe(a.branchId);

    w.follow(b.battleId, b.branchId);
    w.follow(b.battleId, b.branchId); // idempotent
    const arrived = w.next();
    await new Promise((r) => setTimeout(r, 20)); // b's manifest is in, its segment held back by the gate
    expect(w.stateAt(pos, still)).toEqual(stateAt(a.events, a.keyframes, pos)); // a's last frame, not a blank
    gateB();
    await arrived;
    expect(w.stateAt(pos, still)).toEqual(stateAt(b.events, b.keyframes, pos));
    expect(w.drawnBranchId).toBe(b.branchId);
    expect(changes).toContain('manifest');
    w.close();
  });
});
