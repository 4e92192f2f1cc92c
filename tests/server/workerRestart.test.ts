import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BranchInfo, RoomState } from '../../shared/protocol/events.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { battles, type BattleDefinition } from '../../replays/index.js';
import { WorkerTimelineService } from '../../server/timelines/WorkerTimelineService.js';
import { TEST_HISTORY_CACHE } from '../support/histories.js';
import { boot, type Booted } from './helpers.js';

// The compile worker dying at its heap cap (ERR_WORKER_OUT_OF_MEMORY) must not take the process with it: the calls
// it held fail with UNAVAILABLE, a fresh worker starts, rooms keep their clocks, and /metrics counts the restart.
// The worker's heap is capped at 64 MB (WORKER_HEAP_MB): the small battles fit; Cardassia's history (~250 MB of
// heap once loaded) does not, so asking for it is the smallest real load that overflows.

const unitCount = (d: BattleDefinition) => d.forces.reduce((n, f) => n + f.count, 0);
const sorted = [...battles].sort((a, b) => unitCount(a) - unitCount(b));
const small = sorted[0];
const big = sorted[sorted.length - 1];

/** Three alternatives to history (other options, or other values of a quantity). */
function alternatives(): DecisionChoice[] {
  const out: DecisionChoice[] = [];
  for (const spec of small.decisions)
    for (const o of spec.options) {
      if (o.param) {
        for (const value of [o.param.min, o.param.max])
          if (!(o.historical && value === o.param.default)) out.push({ decisionId: spec.id, optionId: o.id, value });
      } else if (!o.historical) out.push({ decisionId: spec.id, optionId: o.id });
    }
  if (out.length < 3) throw new Error(`${small.info.id}: fewer than three alternatives`);
  return out;
}

describe('compile worker out of memory', () => {
  let s: Booted;
  let worker: WorkerTimelineService;
  beforeAll(async () => {
    // One compile at a time, paced: a second fork waits in the worker's queue while the first compiles.
    worker = new WorkerTimelineService({ historyCacheDir: TEST_HISTORY_CACHE, heapMb: 64, compileConcurrency: 1, segmentPaceMs: 300 });
    s = await boot({ timelines: worker });
  });
  afterAll(async () => {
    await s.close();
    await worker.close();
  });

  it('fails the pending calls with UNAVAILABLE, restarts the worker, and the server goes on', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: small.info.id });
    // Acks wait on compiles and a worker start-up: a loaded machine takes longer than the client's default 10 s.
    const inst = s.client({ roomId, name: 'Inst', instructorKey, ackTimeoutMs: 120_000 });
    await inst.ready;
    expect((await inst.seek(1000)).ok).toBe(true);
    const before = (await (await fetch(`${s.url}/api/rooms/${roomId}`)).json()) as RoomState;

    // A fork compiles (slowly), a second waits in the queue; the big battle's history overflows the worker's heap.
    const [a, b] = alternatives();
    const updated = new Promise<BranchInfo>((resolve) => inst.socket.on('branch:updated', resolve));
    const first = await inst.fork(a);
    expect(first).toMatchObject({ ok: true, branch: { complete: false } });
    if (!first.ok) return;
    const queued = inst.fork(b);
    const res = await fetch(`${s.url}/api/battles/${big.info.id}/timeline?keyframes=none`);
    const forked = await queued;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
    expect(forked).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(worker.restarts).toBe(1);
    // The first fork was acked (recorded for the room, "still being simulated"): it is compiled again on the new
    // worker and completes, instead of staying pending for good.
    const done = await updated;
    expect(done.branchId).toBe(first.branch.branchId);
    expect(done.complete).toBeUndefined();
    expect(worker.forkRetries).toBe(1);
    const listed = (await (await fetch(`${s.url}/api/rooms/${roomId}`)).json()) as RoomState;
    expect(listed.branches.find((x) => x.branchId === first.branch.branchId)?.complete).toBeUndefined();

    // The room kept its clock and branch; a fresh worker takes the same fork.
    const after = (await (await fetch(`${s.url}/api/rooms/${roomId}`)).json()) as RoomState;
    expect(after.branchId).toBe(before.branchId);
    expect(after.clock.positionMs).toBe(before.clock.positionMs);
    const again = await inst.fork(b);
    expect(again.ok).toBe(true);
    if (again.ok) await s.app.segments.whenCompiled(small.info.id, again.branch.branchId, Infinity); // frees the fork quota
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^wardroom_worker_restarts_total 1$/m);
  });

  it('an acked fork whose worker stops again during the retry fails, and the room is told (branch:failed)', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: small.info.id });
    const inst = s.client({ roomId, name: 'Inst', instructorKey });
    await inst.ready;
    const failed = new Promise<{ branchId: string; error: { code: string } }>((resolve) => inst.socket.on('branch:failed', resolve));
    let updates = 0;
    inst.socket.on('branch:updated', () => updates++);
    const forked = await inst.fork(alternatives()[2]); // not compiled yet: a progressive fork, paced
    expect(forked).toMatchObject({ ok: true, branch: { complete: false } });
    if (!forked.ok) return;
    const retries = worker.forkRetries;
    const overflow = () => fetch(`${s.url}/api/battles/${big.info.id}/timeline?keyframes=none`).then((r) => r.status);
    expect(await overflow()).toBe(503); // the worker stops: the fork is compiled again on the next one
    await vi.waitFor(() => expect(worker.forkRetries).toBe(retries + 1), { timeout: 20_000 });
    expect(await overflow()).toBe(503); // and that one stops too, mid-compile
    const msg = await failed;
    expect(msg).toMatchObject({ branchId: forked.branch.branchId, error: { code: 'UNAVAILABLE' } });
    expect(updates).toBe(0);
  });
});
