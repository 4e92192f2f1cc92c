import { afterEach, describe, expect, it } from 'vitest';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import { MemoryClockHub } from '../../server/streaming/ClockBus.js';
import { boot, delivered, type Booted } from './helpers.js';

// The playback loop never sends a room an older clock after a newer one, whichever way each reached it: another
// process's change (the clock bus) or this process's own command. Here a second bus on the same hub plays the other
// process; its clock is newer than the store's, so the command that follows is written (after a lost compare-and-
// set) at an older version than the one already sent.

let s: Booted | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

describe('clock order', () => {
  it('an older clock, from the bus or from a command, is never emitted after a newer one', async () => {
    const hub = new MemoryClockHub();
    const other = hub.bus();
    s = await boot({ clockBus: hub.bus() });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    const seen: number[] = [];
    inst.socket.on('playback:clock', (c) => seen.push(c.version));
    const branchId = inst.room()!.branchId;
    const base = inst.clock()!;
    const at = (version: number, positionMs: number): PlaybackClock => ({ ...base, version, positionMs, serverTime: Date.now() });
    const send = (clock: PlaybackClock) => other.publish({ kind: 'clock', roomId, playhead: { branchId, clock } });

    await send(at(base.version + 5, 5_000));
    await delivered([inst]);
    expect(seen).toEqual([base.version + 5]);
    // Late bus messages: an older one and the same one again.
    await send(at(base.version + 3, 3_000));
    await send(at(base.version + 5, 5_000));
    await delivered([inst]);
    // A command of this process, written at the store's next version (older than the one sent): stored and acked,
    // but its clock is not sent over the newer one.
    const seek = await inst.seek(9_000);
    expect(seek.ok && seek.clock.version).toBe(base.version + 1);
    await delivered([inst]);
    expect(seen).toEqual([base.version + 5]);
    // A newer one still goes.
    await send(at(base.version + 6, 6_000));
    await delivered([inst]);
    expect(seen).toEqual([base.version + 5, base.version + 6]);
  });
});
