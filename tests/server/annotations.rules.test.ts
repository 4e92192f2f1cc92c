import { afterEach, describe, expect, it } from 'vitest';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { Annotation } from '../../shared/protocol/events.js';
import { StaticTimelineService } from '../../server/timelines/StaticTimelineService.js';
import { FIXTURE_BATTLE, FIXTURE_BRANCH, buildFixtureTimeline, fixtureInfo } from './fixtures/timeline.js';
import { advanced, boot, clientId, delivered, until, waitFor, type Booted } from './helpers.js';
import { redisAvailable, redisStore } from './redis.js';

// Annotation rules beyond the basics in annotations.test.ts, with real sockets: annotations belong
// to the branch they were made on (and only that branch's stops pause it), an id taken by another
// author is a CONFLICT, and editing or deleting a stop moves or removes the auto-pause.

const WHATIF = 'fixture-whatif';

/** The fixture battle plus one precompiled what-if (Blue retreats at the 30 s decision). */
function timelinesWithWhatIf(): StaticTimelineService {
  const base = buildFixtureTimeline(WHATIF);
  const whatIf: Timeline = {
    ...base,
    parentBranchId: FIXTURE_BRANCH,
    decisions: [{ decisionId: 'hold', optionId: 'retreat' }],
    fork: { decisionId: 'hold', atMs: 30_000, seq: base.events.find((e) => e.type === 'decision:point')!.seq },
  };
  return new StaticTimelineService().add(fixtureInfo(), buildFixtureTimeline(), [whatIf]);
}

const hasRedis = await redisAvailable();
let s: Booted | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const wall = () => performance.timeOrigin + performance.now();

describe('annotation rules', () => {
  it('an annotation stays with the branch it was made on; only that branch’s stops pause it', async () => {
    s = await boot({ timelines: timelinesWithWhatIf() });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Odo' });
    await Promise.all([inst.ready, viewer.ready]);

    const onHistory = await inst.addAnnotation({ id: 'hist-0001', positionMs: 10_000, text: 'history note' });
    expect(onHistory).toMatchObject({ ok: true, annotation: { branchId: FIXTURE_BRANCH } });
    const fork = await inst.fork({ decisionId: 'hold', optionId: 'retreat' });
    expect(fork).toMatchObject({ ok: true, branch: { branchId: WHATIF } });
    await inst.seek(20_000);
    expect(await inst.switchBranch(WHATIF)).toMatchObject({ ok: true, branchId: WHATIF });
    const onWhatIf = await inst.addAnnotation({ id: 'whatif-0001', positionMs: 40_000, text: 'what-if stop', stop: true });
    expect(onWhatIf).toMatchObject({ ok: true, annotation: { branchId: WHATIF, phaseId: 'withdrawal' } });
    await until(() => viewer.room()?.annotations.length === 2, 2000, 'both annotations at the viewer');

    // Exports: per branch on request; the debrief is the room's current branch.
    const list = async (q: string) =>
      ((await (await fetch(`${s!.url}/api/rooms/${roomId}/annotations${q}`)).json()) as { annotations: Annotation[] }).annotations;
    expect((await list('')).map((a) => [a.id, a.branchId])).toEqual([
      ['hist-0001', FIXTURE_BRANCH],
      ['whatif-0001', WHATIF],
    ]);
    expect((await list(`?branch=${FIXTURE_BRANCH}`)).map((a) => a.id)).toEqual(['hist-0001']);
    expect((await list(`?branch=${WHATIF}`)).map((a) => a.id)).toEqual(['whatif-0001']);
    const md = await (await fetch(`${s.url}/api/rooms/${roomId}/annotations?format=md`)).text();
    expect(md).toContain('what-if stop');
    expect(md).not.toContain('history note');

    // On the what-if, its stop pauses the room.
    await inst.seek(38_000);
    await inst.setRate(4);
    await inst.play();
    await until(() => viewer.clock()?.state === 'paused' && viewer.clock()?.reason === 'autopause', 3000, 'what-if autopause');
    expect(viewer.positionNow(wall())).toBe(40_000);

    // Back on history (after the divergence, so the room lands on it), that stop is not there.
    expect(await inst.switchBranch(FIXTURE_BRANCH)).toMatchObject({ ok: true, clock: { positionMs: 30_000 } });
    await inst.seek(38_000);
    await inst.play();
    await advanced(inst, 4_800); // to 42.8 s: well past the what-if stop at 40 s, time for a wrong autopause to arrive
    expect(inst.clock()).toMatchObject({ state: 'playing' });
    expect(inst.positionNow()).toBeGreaterThan(40_500);
  });

  it.each([
    ['memory', false],
    ['Redis', true],
  ] as const)('concurrent resends of one add store and broadcast it once (%s store)', async (_name, redis) => {
    if (redis && !hasRedis) return;
    const store = redis ? await redisStore() : undefined;
    s = await boot(store ? { store, ownsStore: true } : {});
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Odo' });
    await Promise.all([inst.ready, viewer.ready]);
    const seen: string[] = [];
    viewer.socket.on('annotation:added', (a) => seen.push(a.id));
    // A resend fired before the first ack came back (e.g. a flaky link): all in flight at once.
    const p = { id: 'burst-0001', positionMs: 4_000, text: 'once', stop: true };
    const acks = await Promise.all(Array.from({ length: 8 }, () => inst.addAnnotation(p)));
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(new Set(acks.map((a) => JSON.stringify(a))).size).toBe(1);
    await waitFor(() => seen.length > 0, { what: 'annotation:added', timeoutMs: 2000 });
    await delivered([viewer]); // each resend's broadcast, if any, was sent before its ack: here by now
    expect(seen).toEqual(['burst-0001']);
    const res = (await (await fetch(`${s.url}/api/rooms/${roomId}/annotations`)).json()) as { annotations: Annotation[] };
    expect(res.annotations.map((a) => a.id)).toEqual(['burst-0001']);
    if (store) await store.clearPrefix();
  });

  it('an id already used by another author is a CONFLICT; the original stays untouched', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom({ battleId: FIXTURE_BATTLE, settings: { playersAnnotate: true } });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const jake = s.client({ roomId, name: 'Jake', role: 'player', clientId: clientId() });
    const nog = s.client({ roomId, name: 'Nog', role: 'player', clientId: clientId() });
    await Promise.all([inst.ready, jake.ready, nog.ready]);
    const added: string[] = [];
    inst.socket.on('annotation:added', (a) => added.push(a.id));

    expect(await jake.addAnnotation({ id: 'shared-0001', positionMs: 5_000, text: 'Jake was here' })).toMatchObject({ ok: true });
    expect(await nog.addAnnotation({ id: 'shared-0001', positionMs: 6_000, text: 'Nog was here' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    // Not even the instructor takes over an id through add (edit is the way to change it).
    expect(await inst.addAnnotation({ id: 'shared-0001', positionMs: 7_000, text: 'Sisko' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    await waitFor(() => added.length > 0, { what: 'annotation:added', timeoutMs: 2000 });
    await delivered([inst]); // a broadcast for a refused add would have been sent before its ack: here by now
    expect(added).toEqual(['shared-0001']);
    const res = (await (await fetch(`${s.url}/api/rooms/${roomId}/annotations`)).json()) as { annotations: Annotation[] };
    expect(res.annotations).toHaveLength(1);
    expect(res.annotations[0]).toMatchObject({ text: 'Jake was here', author: 'Jake', positionMs: 5_000, authorRole: 'player' });
    // Ids outside the schema never reach the store.
    expect(await inst.addAnnotation({ id: 'bad id!', positionMs: 1, text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });

  it('moving a stop moves the auto-pause; deleting it lets playback through', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const others = [1, 2].map((i) => s!.client({ roomId, name: `v${i}` }));
    const all = [inst, ...others];
    await Promise.all(all.map((c) => c.ready));
    expect(await inst.addAnnotation({ id: 'stop-0001', positionMs: 10_000, text: 'stop', stop: true })).toMatchObject({ ok: true });
    expect(await inst.editAnnotation({ id: 'stop-0001', positionMs: 12_000 })).toMatchObject({
      ok: true,
      annotation: { positionMs: 12_000, stop: true },
    });
    await inst.seek(9_000);
    await inst.setRate(4);
    await inst.play();
    await until(
      () => all.every((c) => c.clock()?.state === 'paused' && c.clock()?.reason === 'autopause'),
      3000,
      'autopause at the moved stop',
    );
    const t = wall();
    expect(all.map((c) => c.positionNow(t))).toEqual(all.map(() => 12_000));

    expect(await inst.deleteAnnotation('stop-0001')).toMatchObject({ ok: true });
    await inst.seek(11_000);
    await inst.play();
    await advanced(inst, 3_200); // to 14.2 s: well past the deleted stop at 12 s, time for a wrong autopause to arrive
    expect(inst.clock()).toMatchObject({ state: 'playing' });
    expect(inst.positionNow()).toBeGreaterThan(13_000);
  });
});
