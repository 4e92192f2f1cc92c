import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import { segmentIndexAt } from '../../shared/battle/segments.js';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { boot, syncBound, until, type Booted } from '../server/helpers.js';
import { buildFixtureTimeline, FIXTURE_DURATION } from '../server/fixtures/timeline.js';

// The room client over a real socket.io server, segments delivery beside socket delivery in one room:
// the segments client gets no timeline data on its socket, fetches the segment at the play head over the
// server's real manifest and segment routes, and at the same instant shows the same world as the socket client.

let s: Booted;
beforeEach(async () => {
  s = await boot({ tickMs: 50 });
});
afterEach(async () => {
  await s.close();
});

const same = (a: RoomClient, b: RoomClient): void => {
  const t = performance.timeOrigin + performance.now();
  // Both at the same local instant: one clock estimate apart at most, so compare at the shared position.
  const pos = a.positionNow(t);
  expect(Math.abs(b.positionNow(t) - pos)).toBeLessThan(Math.max(20, syncBound([a, b])));
};

describe('RoomClient, segments delivery', () => {
  it('joins clock-only, loads the segment at the play head, and agrees with a socket client', async () => {
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    await inst.seek(23_000);
    const seg = s.client({ roomId, name: 'Kira', delivery: 'segments' });
    let streamed = 0;
    seg.socket.on('timeline:events', () => streamed++);
    seg.socket.on('timeline:keyframe', () => streamed++);
    const joined = await seg.ready;
    expect(joined.room.roomId).toBe(roomId);
    expect(seg.segmentWorld()?.fetched).toEqual([2]);
    expect(seg.manifest()?.complete).toBe(true);
    expect(seg.stateNow()).toEqual(inst.stateNow());
    expect(seg.stateNow()).toEqual(stateAt(buildFixtureTimeline().events, buildFixtureTimeline().keyframes, 23_000));

    await inst.play();
    await until(() => seg.clock()?.state === 'playing', 2000, 'playing');
    // Played on for a while (a condition on the shared position, not a sleep).
    const from = inst.positionNow();
    await until(() => inst.positionNow() >= from + 600, 5000, 'played 600 ms');
    same(inst, seg);
    const t = performance.timeOrigin + performance.now();
    const pos = inst.positionNow(t);
    if (Math.abs(seg.positionNow(t) - pos) < 1) expect(seg.stateNow(t)).toEqual(inst.stateNow(t));
    await inst.pause();
    await until(() => seg.clock()?.state === 'paused', 2000, 'paused');
    expect(seg.stateNow()).toEqual(inst.stateNow());

    // A seek while paused costs at most one segment request.
    const fetched = () => seg.segmentWorld()?.fetched ?? [];
    const before = fetched().length;
    await inst.seek(51_000);
    await until(() => seg.clock()?.positionMs === 51_000, 2000, 'seek clock');
    // The segment holding 51 s, found in the manifest (segments are uneven: cut at the decision point).
    const k = segmentIndexAt(seg.manifest()!.segments, 51_000);
    await until(() => seg.stateNow() !== null && seg.segmentWorld()?.has(k), 2000, `segment ${k}`);
    expect(fetched().slice(before)).toEqual([k]);
    expect(seg.stateNow()).toEqual(inst.stateNow());
    await inst.seek(52_000); // same segment: nothing fetched
    await until(() => seg.clock()?.positionMs === 52_000, 2000, 'seek clock');
    seg.stateNow();
    expect(fetched().slice(before)).toEqual([k]);
    expect(streamed).toBe(0);
    expect(seg.clock()?.durationMs).toBe(FIXTURE_DURATION);
  });
});
