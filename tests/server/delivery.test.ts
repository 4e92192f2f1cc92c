import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import { boot, until, waitFor, type Booted } from './helpers.js';
import { segmentsSocket, type SegmentsSocket } from './segmentsDelivery.js';

// room:join {delivery: 'segments'}: the socket gets the clock and the room's control events, never
// timeline:keyframe or timeline:events; socket delivery (the default) keeps getting both, in the same room.

let s: Booted;
const raw: SegmentsSocket[] = [];
beforeEach(async () => {
  s = await boot({ tickMs: 50 });
});
afterEach(async () => {
  for (const r of raw.splice(0)) r.close();
  await s.close();
});

const timelineEvents = (r: SegmentsSocket) => r.received.filter((x) => x.event.startsWith('timeline:'));

describe('delivery: segments sockets get the clock only', () => {
  it('a segments socket and a socket-delivery client share a room; only the latter gets timeline data', async () => {
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    const seg = await segmentsSocket(s.url, { roomId, name: 'Kira' });
    const sock = await segmentsSocket(s.url, { roomId, name: 'Odo' }, 'socket');
    raw.push(seg, sock);
    expect(seg.joined.room.roomId).toBe(roomId);

    await inst.seek(12_000);
    await inst.play();
    const added = await inst.addAnnotation({ id: 'delivery-note-1', positionMs: 13_000, text: 'Watch', stop: true });
    expect(added.ok).toBe(true);
    await until(() => seg.clock()?.reason === 'autopause', 3000, 'autopause on the segments socket');
    await inst.stepPhase(1);
    await until(() => seg.clock()?.reason === 'phase', 2000, 'phase jump clock');
    // The socket-delivery socket has the phase jump and its keyframe: anything wrongly sent to seg would be in too.
    const phaseKeyframe = () => {
      const from = sock.received.findIndex((x) => x.event === 'playback:clock' && (x.args[0] as PlaybackClock).reason === 'phase');
      return from >= 0 && sock.received.slice(from).some((x) => x.event === 'timeline:keyframe');
    };
    await waitFor(phaseKeyframe, {
      what: 'phase jump keyframe on the socket-delivery socket',
      timeoutMs: 2000,
    });

    const events = new Set(seg.received.map((x) => x.event));
    expect(events).toContain('playback:clock');
    expect(events).toContain('annotation:added');
    expect(events).toContain('presence');
    expect(timelineEvents(seg)).toEqual([]);
    // The same moments reached the socket-delivery socket with its keyframes and event batches.
    const sockEvents = new Set(sock.received.map((x) => x.event));
    expect(sockEvents).toContain('timeline:keyframe');
    expect(sockEvents).toContain('timeline:events');
    expect(seg.clock()).toEqual(sock.clock());
  });

  it('a room whose sockets all use segments streams nothing, and still auto-pauses at its stops', async () => {
    const { roomId, instructorKey } = await s.createRoom();
    const inst = await segmentsSocket(s.url, { roomId, name: 'Sisko', instructorKey });
    const viewers = await Promise.all([1, 2, 3].map((i) => segmentsSocket(s.url, { roomId, name: `v${i}` })));
    raw.push(inst, ...viewers);
    const emit = <T>(event: 'playback:seek' | 'playback:play', p: object) =>
      new Promise<T>((resolve) => (inst.socket.emit as (e: string, p: object, cb: (r: T) => void) => void)(event, p, resolve));
    const before =
      (await metric(s.url, 'wardroom_broadcasts_total{kind="events"}')) +
      (await metric(s.url, 'wardroom_broadcasts_total{kind="keyframe"}'));
    await emit('playback:seek', { positionMs: 59_500 });
    await emit('playback:play', {});
    await until(() => viewers.every((v) => v.clock()?.reason === 'end'), 3000, 'end of timeline everywhere');
    expect(viewers[0].clock()).toMatchObject({ state: 'paused', positionMs: 60_000 });
    const after =
      (await metric(s.url, 'wardroom_broadcasts_total{kind="events"}')) +
      (await metric(s.url, 'wardroom_broadcasts_total{kind="keyframe"}'));
    expect(after).toBe(before);
    for (const r of [inst, ...viewers]) expect(timelineEvents(r)).toEqual([]);
  });

  it('rejects an unknown delivery with BAD_REQUEST', async () => {
    const { roomId } = await s.createRoom();
    await expect(segmentsSocket(s.url, { roomId, name: 'Garak' }, 'carrier-pigeon' as 'socket')).rejects.toThrow(/BAD_REQUEST/);
  });
});

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}
