import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentIndexAt, stateInSegment, unpackWorld, type BranchManifest, type SegmentPayload } from '../../shared/battle/segments.js';
import { compileBattle, resumeFromCheckpoint, startFork } from '../../replays/index.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import type { SegmentProgress } from '../../server/timelines/segments/types.js';
import { firstAlternative, smallestBattle } from './fixtures/smallestBattle.js';
import { boot, type Booted } from './helpers.js';

// Progressive forks: a fork is simulated a segment at a time and published as it goes. The finished branch
// is byte-identical to a one-shot compile, and nothing published ever runs past the compiled frontier.

// The smallest battle keeps this quick; the mechanism does not depend on the battle.
const def = smallestBattle;

describe('Compilation (stepped compile)', () => {
  it('a fork advanced in uneven steps equals the one-shot fork, and never rewrites an event it published', () => {
    const history = compileBattle(def);
    const choice = firstAlternative();
    const oneShot = resumeFromCheckpoint(def, history, choice.decisionId, choice, [choice]).timeline;
    const comp = startFork(def, history, choice.decisionId, choice, [choice]);
    const published: string[] = [];
    const steps = [7_000, 3_000, 13_000, 1, 25_000];
    for (let i = 0; comp.advanceTo(comp.compiledMs + steps[i % steps.length]); i++) {
      const upTo = comp.events.filter((e) => e.t <= comp.compiledMs);
      expect(upTo.length).toBe(comp.events.length); // nothing past the frontier yet
      published.push(JSON.stringify(upTo));
    }
    const stepped = comp.result().timeline;
    expect(JSON.stringify(stepped)).toBe(JSON.stringify(oneShot));
    const final = JSON.stringify(stepped.events);
    for (const p of published) expect(final.startsWith(p.slice(0, -1))).toBe(true);
  });
});

describe('progressive fork over the server', () => {
  const engine = new EngineTimelineService();
  const pushed: SegmentProgress[] = [];
  engine.onProgress((p) => pushed.push(p));
  let s: Booted;
  beforeAll(async () => {
    s = await boot({ timelines: engine });
  });
  afterAll(() => s.close());

  it('acks at the fork-point segment, grows the manifest to complete, never past compiledMs, same bytes as a fresh compile', async () => {
    const { roomId } = await s.createRoom({ battleId: def.info.id });
    const player = s.client({ roomId, name: 'Player', role: 'player' });
    await player.ready;
    const choice = firstAlternative();
    const forked = await player.fork(choice);
    if (!forked.ok) throw new Error(forked.error.message);
    const branch = forked.branch;
    const base = `${s.url}/api/battles/${def.info.id}/branches/${branch.branchId}`;
    // The segment holding the fork point is there when the ack arrives.
    const atAck = (await (await fetch(`${base}/manifest`)).json()) as BranchManifest;
    const forkIndex = segmentIndexAt(atAck.segments, branch.fork!.atMs);
    expect(atAck.segments.length).toBeGreaterThan(forkIndex);
    expect(atAck.segments[forkIndex].endMs).toBe(branch.fork!.atMs); // a segment ends at the fork point
    expect((await fetch(`${base}/segments/${forkIndex}`)).status).toBe(200);
    // The ack carries the manifest (the forking client needs no request): the fork-point segment listed, its own events.
    const inAck = forked.manifest;
    expect(inAck?.branchId).toBe(branch.branchId);
    expect(inAck?.fork).toEqual(branch.fork);
    expect(inAck?.segments[forkIndex]).toEqual(atAck.segments[forkIndex]);
    expect(inAck?.forkEvents?.length).toBeGreaterThan(0);
    if (branch.complete === false) {
      expect(branch.compiledMs).toBeGreaterThanOrEqual(branch.fork!.atMs);
      const next = await fetch(`${base}/segments/${atAck.segments.length + 50}`);
      expect(next.status).toBe(404);
    }

    // Wait for the end, then check every published step.
    const done = await s.app.segments.whenCompiled(def.info.id, branch.branchId, Infinity);
    expect(done.complete).toBe(true);
    const mine = pushed.filter((p) => p.manifest.branchId === branch.branchId);
    const growing = mine.filter((p) => !p.manifest.complete);
    expect(growing.length).toBeGreaterThan(1);
    let last = -1;
    for (const p of mine) {
      const m = p.manifest;
      expect(m.compiledMs).toBeGreaterThanOrEqual(last);
      last = m.compiledMs;
      if (m.complete) continue;
      expect(m.outcome).toBeNull();
      for (const info of m.segments) expect(info.endMs).toBeLessThanOrEqual(m.compiledMs);
      for (const seg of p.segments) {
        const payload = JSON.parse(gunzipSync(seg.gzip).toString()) as SegmentPayload;
        for (const ev of payload.events) expect(ev.t).toBeLessThanOrEqual(m.compiledMs);
      }
    }
    const final = (await (await fetch(`${base}/manifest`)).json()) as BranchManifest;
    expect(final.complete).toBe(true);
    // The segment after the fork point ends on the grid (no ramp: parts publish the first seconds).
    const atMs = branch.fork!.atMs;
    const next = final.segments[forkIndex + 1].endMs;
    const points = final.decisionPoints.map((d) => d.atMs);
    expect(next === Math.min((Math.floor(atMs / 10_000) + 1) * 10_000, final.durationMs) || points.includes(next)).toBe(true);
    expect(final.outcome).not.toBeNull();
    // Folding each segment of the fork from its start gives the next one's start.
    let prev: SegmentPayload | null = null;
    for (const info of final.segments) {
      const seg = (await (await fetch(`${base}/segments/${info.index}`)).json()) as SegmentPayload;
      if (prev) expect(stateInSegment(unpackWorld(prev.start), prev, prev.endMs)).toEqual(unpackWorld(seg.start));
      prev = seg;
    }

    // A process that never saw the fork rebuilds it from its decisions: the same segments, byte for byte.
    // From zero with its decisions, or resumed from history's checkpoint at its fork decision (progressively).
    const fromZero = await new EngineTimelineService().manifest(def.info.id, branch.branchId, { decisions: branch.decisions });
    expect(fromZero?.segments).toEqual(final.segments);
    expect(fromZero?.eventsSha256).toBe(final.eventsSha256);
    const other = new EngineTimelineService();
    const recipe = { decisions: branch.decisions, forkDecisionId: branch.fork!.decisionId };
    const first = await other.manifest(def.info.id, branch.branchId, recipe);
    expect(first?.segments.length).toBeGreaterThan(forkIndex);
    const seg = await other.segment(def.info.id, branch.branchId, final.segments.length - 1, recipe);
    expect(seg?.info).toEqual(final.segments.at(-1));
    expect((await other.manifest(def.info.id, branch.branchId, recipe))?.segments).toEqual(final.segments);
    // The segments before the fork point are the parent's own (shared by hash).
    const parent = (await (
      await fetch(`${s.url}/api/battles/${def.info.id}/branches/${branch.parentBranchId}/manifest`)
    ).json()) as BranchManifest;
    expect(final.segments.slice(0, forkIndex)).toEqual(parent.segments.slice(0, forkIndex));
    expect(final.segments[forkIndex].hash).not.toBe(parent.segments[forkIndex].hash);
  });
});
