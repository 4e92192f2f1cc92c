import { afterEach, describe, expect, it } from 'vitest';
import type { Annotation } from '../../shared/protocol/events.js';
import { advanced, boot, clientId, delivered, until, waitFor, type Booted } from './helpers.js';
import { redisAvailable, redisStore, testPrefix } from './redis.js';
import { FIXTURE_BATTLE } from './fixtures/timeline.js';

const hasRedis = await redisAvailable();
let s: Booted | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const note = (id: string, positionMs: number, extra: Record<string, unknown> = {}) => ({
  id: `note-${id}-${'x'.repeat(4)}`,
  positionMs,
  text: `note ${id}`,
  ...extra,
});

describe('annotations', () => {
  it('an instructor add reaches every client once with the same id; viewers are FORBIDDEN; retries store once', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewers = [1, 2, 3].map((i) => s!.client({ roomId, name: `v${i}` }));
    await Promise.all([inst.ready, ...viewers.map((v) => v.ready)]);
    const received = new Map<object, Annotation[]>();
    for (const c of [inst, ...viewers]) {
      received.set(c, []);
      c.socket.on('annotation:added', (a) => received.get(c)!.push(a));
    }
    const payload = note('a', 12_000, { at: { x: 10, y: 20 }, to: { x: 30, y: 40 } });
    const first = await inst.addAnnotation(payload);
    const retry = await inst.addAnnotation(payload);
    expect(first.ok).toBe(true);
    expect(retry).toEqual(first);
    if (!first.ok) return;
    expect(first.annotation).toMatchObject({
      id: payload.id,
      positionMs: 12_000,
      phaseId: 'approach',
      author: 'Sisko',
      authorRole: 'instructor',
      at: { x: 10, y: 20 },
    });
    await waitFor(() => [...received.values()].every((list) => list.length > 0), { what: 'annotation:added everywhere', timeoutMs: 2000 });
    await delivered([inst, ...viewers]); // a second broadcast (from the retry) was sent before its ack: it is here by now
    for (const [, list] of received) expect(list.map((a) => a.id)).toEqual([payload.id]);
    for (const v of viewers) expect(v.room()!.annotations.map((a) => a.id)).toEqual([payload.id]);

    expect(await viewers[0].addAnnotation(note('v', 1))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const res = await fetch(`${s.url}/api/rooms/${roomId}/annotations`);
    const body = (await res.json()) as { annotations: Annotation[] };
    expect(body.annotations).toHaveLength(1);
  });

  it('players annotate only when the room allows it, and edit/delete only their own', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom({ battleId: FIXTURE_BATTLE, settings: { playersAnnotate: true } });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const p1 = s.client({ roomId, name: 'Jake', role: 'player', clientId: clientId() });
    const p2 = s.client({ roomId, name: 'Nog', role: 'player', clientId: clientId() });
    await Promise.all([inst.ready, p1.ready, p2.ready]);
    const mine = await p1.addAnnotation(note('p1', 5000));
    expect(mine.ok).toBe(true);
    expect(await p2.editAnnotation({ id: note('p1', 0).id, text: 'hijack' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await p2.deleteAnnotation(note('p1', 0).id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const edited = await p1.editAnnotation({ id: note('p1', 0).id, text: 'better text', at: { x: 1, y: 2 } });
    expect(edited).toMatchObject({ ok: true, annotation: { text: 'better text', at: { x: 1, y: 2 } } });
    await until(() => p2.room()!.annotations.find((a) => a.text === 'better text'), 2000, 'update broadcast');
    expect(await inst.deleteAnnotation(note('p1', 0).id)).toMatchObject({ ok: true });
    await until(() => p2.room()!.annotations.length === 0, 2000, 'remove broadcast');
    expect(await inst.deleteAnnotation('missing-id')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await inst.settings({ playersAnnotate: false });
    expect(await p1.addAnnotation(note('p1b', 1))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('auto-pauses every client at exactly a stop annotation', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const others = [1, 2, 3].map((i) => s!.client({ roomId, name: `v${i}` }));
    const all = [inst, ...others];
    await Promise.all(all.map((c) => c.ready));
    expect((await inst.addAnnotation(note('stop', 10_500, { stop: true }))).ok).toBe(true);
    await inst.seek(9_000);
    await inst.setRate(2);
    await inst.play();
    await until(() => all.every((c) => c.clock()?.state === 'paused' && c.clock()?.reason === 'autopause'), 3000, 'autopause everywhere');
    const t = performance.timeOrigin + performance.now();
    expect(all.map((c) => c.positionNow(t))).toEqual(all.map(() => 10_500));
    // The world follows the step back: nobody keeps events past the stop folded in.
    for (const c of all) expect(c.stateNow()!.t).toBeLessThanOrEqual(10_500);
    // Playing again moves on past the stop.
    await inst.play();
    await advanced(inst, 600);
    expect(inst.clock()?.state).toBe('playing');
    expect(inst.positionNow()).toBeGreaterThan(10_500);
  });

  it('exports JSON and Markdown, and an import reproduces the set', async () => {
    s = await boot();
    const a = await s.createRoom();
    const inst = s.client({ roomId: a.roomId, name: 'Sisko', instructorKey: a.instructorKey });
    await inst.ready;
    await inst.addAnnotation(note('one', 2_000));
    await inst.addAnnotation(note('two', 25_000, { stop: true, at: { x: 5, y: 5 } }));
    await inst.addAnnotation(note('three', 45_000, { text: 'Alpha lost *here* <b>', phaseId: 'withdrawal' }));
    const exported = (await (await fetch(`${s.url}/api/rooms/${a.roomId}/annotations`)).json()) as { annotations: Annotation[] };
    expect(exported.annotations.map((x) => x.positionMs)).toEqual([2_000, 25_000, 45_000]);

    const md = await (await fetch(`${s.url}/api/rooms/${a.roomId}/annotations?format=md`)).text();
    expect(md).toContain('# Debrief: Fixture Skirmish');
    expect(md.indexOf('Approach')).toBeLessThan(md.indexOf('Melee'));
    expect(md.indexOf('Melee')).toBeLessThan(md.indexOf('Withdrawal'));
    expect(md).toContain('USS Alpha destroyed'); // named unit
    expect(md).toContain('Decision point: Hold the line?');
    expect(md).toContain('Battle ends: Red holds the field');
    expect(md).toContain('note two');
    expect(md).toContain('\\*here\\* \\<b\\>'); // user text escaped
    expect(md.indexOf('note one')).toBeLessThan(md.indexOf('Melee'));

    const b = await s.createRoom();
    const inst2 = s.client({ roomId: b.roomId, name: 'Kira', instructorKey: b.instructorKey });
    const viewer = s.client({ roomId: b.roomId, name: 'Odo' });
    await Promise.all([inst2.ready, viewer.ready]);
    expect(await viewer.importAnnotations({ annotations: exported.annotations })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await inst2.importAnnotations({ annotations: exported.annotations })).toEqual({ ok: true, imported: 3 });
    expect(await inst2.importAnnotations({ annotations: exported.annotations })).toEqual({ ok: true, imported: 0 });
    await until(() => viewer.room()!.annotations.length === 3, 2000, 'import broadcast');
    const reimported = (await (await fetch(`${s.url}/api/rooms/${b.roomId}/annotations`)).json()) as { annotations: Annotation[] };
    const key = (x: Annotation) => JSON.stringify([x.id, x.branchId, x.positionMs, x.text, x.phaseId, x.at, x.to, x.stop, x.author]);
    expect(reimported.annotations.map(key)).toEqual(exported.annotations.map(key));
  });

  it.runIf(hasRedis)('Redis keeps annotations across an app restart', async () => {
    const prefix = testPrefix();
    const store1 = await redisStore(prefix);
    s = await boot({ store: store1, ownsStore: true });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    const added = await inst.addAnnotation(note('persist', 7_000, { stop: true }));
    expect(added.ok).toBe(true);
    await inst.seek(3_000);
    await s.close();

    const store2 = await redisStore(prefix);
    s = await boot({ store: store2, ownsStore: true });
    const res = await fetch(`${s.url}/api/rooms/${roomId}/annotations`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { annotations: Annotation[] };
    expect(body.annotations).toEqual([added.ok && added.annotation]);
    const again = s.client({ roomId, name: 'Sisko', instructorKey });
    const joined = await again.ready;
    expect(joined.room.clock.positionMs).toBe(3_000);
    expect(joined.room.annotations.map((a) => a.id)).toEqual([note('persist', 0).id]);
    await s.close(); // closing writes the members as disconnected before it resolves: clear after it
    s = null;
    const cleaner = await redisStore(prefix);
    await cleaner.clearPrefix();
    await cleaner.close();
  });
});
