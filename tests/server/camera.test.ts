import { afterEach, describe, expect, it } from 'vitest';
import type { CameraState } from '../../shared/protocol/events.js';
import { type Booted, boot, elapse, until, waitFor } from './helpers.js';

// Follow-the-instructor camera over real socket.io clients.

let s: Booted | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const states = (c: { socket: { on(e: 'camera:state', fn: (x: CameraState) => void): unknown } }): CameraState[] => {
  const list: CameraState[] = [];
  c.socket.on('camera:state', (x) => list.push(x));
  return list;
};

describe('camera', () => {
  it('the instructor presents; followers get the view, versioned; only the presenter moves it', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Jake' });
    const seen = states(viewer);
    await Promise.all([inst.ready, viewer.ready]);

    expect(await viewer.call('camera:present', { on: true })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await inst.call('camera:update', { x: 1, y: 2, zoom: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const on = await inst.call('camera:present', { on: true });
    expect(on).toMatchObject({
      ok: true,
      camera: { presenting: true, presenterName: 'Sisko', presenterId: inst.you()!.memberId, version: 1 },
    });
    const up = await inst.call('camera:update', { x: 120, y: 80, zoom: 2.5, unitId: 'defiant', tab: 'branches' });
    expect(up).toEqual({ ok: true, version: 2 });
    expect(await viewer.call('camera:update', { x: 0, y: 0, zoom: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await until(() => seen.some((x) => x.version === 2), 2000, 'view');
    expect(seen.at(-1)).toEqual({
      presenting: true,
      presenterId: inst.you()!.memberId,
      presenterName: 'Sisko',
      view: { x: 120, y: 80, zoom: 2.5, unitId: 'defiant', tab: 'branches' },
      version: 2,
    });
    expect(await inst.call('camera:update', { x: 1, y: 2, zoom: -1 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await inst.call('camera:update', { x: 1, y: 2, zoom: 1, tab: '<img>' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });

    const off = await inst.call('camera:present', { on: false });
    expect(off).toMatchObject({ ok: true, camera: { presenting: false, presenterId: null, version: 3 } });
    await until(() => seen.some((x) => x.version === 3), 2000, 'present off');
    expect(await inst.call('camera:update', { x: 1, y: 2, zoom: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('a burst of updates is coalesced to <= 10 broadcasts per second, ends on the last view, in version order', async () => {
    s = await boot({ rateLimit: { points: 1000, durationS: 1 } });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Jake' });
    const seen = states(viewer);
    await Promise.all([inst.ready, viewer.ready]);
    await inst.call('camera:present', { on: true });
    await until(() => seen.length === 1, 2000, 'present');
    // 60 updates over ~1.2 s (50/s: 5x what the browser sends); the server limits a presenter to 20 writes/s.
    const acks: { ok: boolean }[] = [];
    const t0 = Date.now();
    for (let i = 1; i <= 60; i++) {
      acks.push(await inst.call('camera:update', { x: i, y: -i, zoom: 1 + i / 100 }));
      await elapse(20); // the sender's pace (50/s) is what the test is about
    }
    const elapsed = (Date.now() - t0) / 1000;
    const accepted = acks.filter((a) => a.ok).length;
    expect(accepted).toBeGreaterThan(15);
    expect(acks.some((a) => !a.ok)).toBe(true); // some were RATE_LIMITED
    const lastOk = 1 + acks.map((a) => a.ok).lastIndexOf(true);
    // The coalesced trailing broadcast carries the last accepted view.
    await waitFor(() => seen.at(-1)?.view?.x === lastOk, { what: `the last accepted view (x=${lastOk})`, timeoutMs: 2000 });
    const updates = seen.slice(1);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(elapsed * 10) + 2);
    expect(updates.length).toBeLessThan(accepted);
    const versions = updates.map((x) => x.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(updates.at(-1)!.view!.x).toBe(lastOk);
  });

  it('a late joiner starts in the presented view', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    await inst.call('camera:present', { on: true });
    await inst.call('camera:update', { x: 7, y: 8, zoom: 4 });
    const late = s.client({ roomId, name: 'Late' });
    const seen = states(late);
    await late.ready;
    await until(() => seen.length > 0, 2000, 'camera on join');
    expect(seen[0]).toMatchObject({ presenting: true, presenterName: 'Sisko', view: { x: 7, y: 8, zoom: 4 }, version: 2 });
  });

  it('a client that reconnects gets the camera again (it forgets it while disconnected)', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Jake' });
    const seen = states(viewer);
    await Promise.all([inst.ready, viewer.ready]);
    await inst.call('camera:present', { on: true });
    await until(() => seen.length === 1, 2000, 'present');
    viewer.socket.disconnect();
    await inst.call('camera:update', { x: 3, y: 4, zoom: 2 });
    viewer.socket.connect();
    await until(() => seen.some((x) => x.version === 2), 3000, 'camera after reconnect');
    expect(seen.at(-1)).toMatchObject({ presenting: true, view: { x: 3, y: 4, zoom: 2 }, version: 2 });
  });

  it('before join a camera command is NOT_IN_ROOM and the server stays up', async () => {
    s = await boot();
    const { roomId } = await s.createRoom();
    const c = s.client({ roomId: 'nope-room', name: 'x' });
    await c.ready.catch(() => {});
    expect(await c.call('camera:update', { x: 1, y: 1, zoom: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
    expect(await c.callUnchecked('camera:present', 'garbage')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const ok = s.client({ roomId, name: 'y' });
    await ok.ready;
  });
});
