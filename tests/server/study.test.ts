import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { battles } from '../../replays/index.js';
import { createWorld } from '../../replays/engine/sim/index.js';
import type { BattleDefinition } from '../../replays/engine/types.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { Ack, StudyProgressMsg, StudyResultMsg } from '../../shared/protocol/events.js';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { boot, until, type Booted } from './helpers.js';

// What-if statistics through real sockets, on the real study worker (a worker thread) and engine.
// Small: the registered battle with the fewest units, a few runs.

const engine = new EngineTimelineService();
let s: Booted;
let def: BattleDefinition;
let history: Timeline;

beforeAll(async () => {
  def = [...battles].filter((b) => b.decisions.length >= 1).sort((a, b) => createWorld(a).units.length - createWorld(b).units.length)[0];
  history = (await engine.timeline(def.info.id))!;
  s = await boot({ timelines: engine });
}, 120_000);
afterAll(() => s.close());

type RunAck = Ack<{ studyId: string; runs: number; cached: boolean }>;
const run = (c: RoomClient, runs: number): Promise<RunAck> => c.call('study:run', { runs });
const cancel = (c: RoomClient, studyId: string): Promise<Ack<{ studyId: string }>> => c.call('study:cancel', { studyId });

function ok<T extends object>(r: Ack<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

function listen(c: RoomClient): { progress: StudyProgressMsg[]; results: StudyResultMsg[] } {
  const out = { progress: [] as StudyProgressMsg[], results: [] as StudyResultMsg[] };
  c.socket.on('study:progress', (m) => out.progress.push(m));
  c.socket.on('study:result', (m) => out.results.push(m));
  return out;
}

const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

describe('what-if statistics', () => {
  it('runs N seeds of the current branch on the worker with progress, against history; caches by (branch, N, seed); exports', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Odo' });
    await Promise.all([inst.ready, viewer.ready]);
    const seen = listen(viewer);

    expect(await run(viewer, 3)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await inst.call('study:run', { runs: 0 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await inst.call('study:run', { runs: 2.5 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    // A what-if: fork the first reached decision's alternative and switch the room to it.
    const spec = def.decisions.find((d) => history.decisionPoints.find((p) => p.id === d.id)?.atMs !== null)!;
    const alt = spec.options.find((o) => !o.historical)!;
    const forked = await inst.fork({ decisionId: spec.id, optionId: alt.id, ...(alt.param ? { value: alt.param.min } : {}) });
    if (!forked.ok) throw new Error(forked.error.message);
    ok(await inst.switchBranch(forked.branch.branchId));

    const started = ok(await run(inst, 3));
    expect(started).toMatchObject({ runs: 3, cached: false });
    const result = await until(() => seen.results.find((r) => r.studyId === started.studyId), 60_000, 'study:result');
    expect(result).toMatchObject({
      status: 'done',
      branchId: forked.branch.branchId,
      runs: 3,
      seed: history.seed,
      battleId: def.info.id,
      cached: false,
    });
    expect(result.decisions).toEqual(forked.branch.decisions);
    expect(total(result.winners)).toBe(3);
    expect(total(result.history.winners)).toBe(3);
    for (const l of Object.values(result.losses)) expect(l.ships).toHaveLength(3);
    // History's side: seed `seed` of the history is the history itself.
    const histWinner = history.outcome.winner ?? 'none';
    expect(result.history.winners[histWinner]).toBeGreaterThanOrEqual(1);
    // Progress: 1..3 in order, for everyone in the room.
    const mine = seen.progress.filter((p) => p.studyId === started.studyId).map((p) => p.done);
    expect(mine.at(-1)).toBe(3);
    expect(mine).toEqual([...mine].sort((a, b) => a - b));

    // Same (branch, N, seed): served from the cache at once.
    const again = ok(await run(inst, 3));
    expect(again.cached).toBe(true);
    const hit = await until(() => seen.results.find((r) => r.studyId === again.studyId), 2000, 'cached result');
    expect(hit).toMatchObject({ cached: true, winners: result.winners, losses: result.losses });

    // Export: JSON and the debrief's statistics section.
    const exp = (await (await fetch(`${s.url}/api/rooms/${roomId}/annotations`)).json()) as { studies: StudyResultMsg[] };
    expect(exp.studies.map((r) => r.branchId)).toEqual([forked.branch.branchId]);
    const md = await (await fetch(`${s.url}/api/rooms/${roomId}/annotations?format=md`)).text();
    expect(md).toContain('## What-if statistics');
    expect(md).toContain(`3 seeds from ${history.seed}`);
    const listed = (await (await fetch(`${s.url}/api/rooms/${roomId}/studies`)).json()) as { results: StudyResultMsg[] };
    expect(listed.results).toHaveLength(1);
    const synced = ok(await inst.call('study:sync', {}));
    expect(synced.results).toHaveLength(1);
  });

  it('caps N at 50, limits studies per room, and cancels queued and running studies', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const player = s.client({ roomId, name: 'Kira', role: 'player' });
    const other = s.client({ roomId, name: 'Nog', role: 'player' });
    await Promise.all([inst.ready, player.ready, other.ready]);
    const seen = listen(inst);

    const big = ok(await run(player, 5000));
    expect(big.runs).toBe(50);
    const second = ok(await run(player, 49));
    expect(await run(player, 48)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    // Someone else may not cancel it; the requester and the instructor may.
    expect(await cancel(other, big.studyId)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await cancel(player, 'nope')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await until(() => seen.progress.some((p) => p.studyId === big.studyId && p.done >= 1), 60_000, 'first run done');
    ok(await cancel(player, big.studyId));
    ok(await cancel(inst, second.studyId));
    const r1 = await until(() => seen.results.find((r) => r.studyId === big.studyId), 60_000, 'cancelled result');
    const r2 = await until(() => seen.results.find((r) => r.studyId === second.studyId), 5000, 'cancelled result');
    expect(r1.status).toBe('cancelled');
    expect(r2.status).toBe('cancelled');
    // Stopped long before 50 runs; nothing cached or exported for a cancelled study.
    expect(Math.max(...seen.progress.filter((p) => p.studyId === big.studyId).map((p) => p.done))).toBeLessThan(50);
    const exp = (await (await fetch(`${s.url}/api/rooms/${roomId}/annotations`)).json()) as { studies: StudyResultMsg[] };
    expect(exp.studies).toEqual([]);
    // The room may queue again.
    const next = ok(await run(player, 2));
    await until(() => seen.results.find((r) => r.studyId === next.studyId && r.status === 'done'), 60_000, 'next study');
  });
});
