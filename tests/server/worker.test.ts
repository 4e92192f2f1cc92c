import { afterAll, describe, expect, it } from 'vitest';
import { battles } from '../../replays/index.js';
import { AppError } from '../../server/errors.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { WorkerTimelineService } from '../../server/timelines/WorkerTimelineService.js';
import { TEST_HISTORY_CACHE } from '../support/histories.js';

// The engine on a worker thread gives the same timelines as in-process, and the main thread stays
// responsive while it compiles. `compiling` and `local` compile for real; `worker` reads the other histories
// (listBattles needs them all) from the suite's shared cache (tests/support/histories.ts).

const compiling = new WorkerTimelineService();
const worker = new WorkerTimelineService({ historyCacheDir: TEST_HISTORY_CACHE });
afterAll(() => Promise.all([compiling.close(), worker.close()]));

describe('WorkerTimelineService', () => {
  it('compiles off the main thread: the event loop keeps ticking', async () => {
    const battleId = battles[0].info.id;
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 10);
    const t0 = performance.now();
    const tl = await compiling.timeline(battleId);
    const ms = performance.now() - t0;
    clearInterval(timer);
    console.log(`[worker] ${battleId}: compiled + transferred in ${ms.toFixed(0)} ms; longest main-thread stall ${maxGap.toFixed(0)} ms`);
    expect(tl?.battleId).toBe(battleId);
    expect(maxGap).toBeLessThan(Math.max(1500, ms / 3)); // in-process the stall equals the compile time
  });

  it('returns what the in-process engine returns, errors included', async () => {
    const size = (d: (typeof battles)[number]) => d.forces.reduce((n, f) => n + f.count, 0);
    const def = battles.reduce((a, b) => (size(a) <= size(b) ? a : b)); // the smallest order of battle compiles fastest
    const local = new EngineTimelineService();
    const [w, l] = await Promise.all([worker.timeline(def.info.id), local.timeline(def.info.id)]);
    expect(w!.eventsSha256).toBe(l!.eventsSha256);
    expect(w!.branchId).toBe(await worker.canonicalBranchId(def.info.id));
    expect((await worker.listBattles()).map((b) => b.id)).toEqual(battles.map((b) => b.info.id));
    expect(await worker.timeline('no-such-battle')).toBeNull();
    const err = await worker.fork(def.info.id, w!.branchId, { decisionId: 'no-such-decision', optionId: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_REQUEST');
    const nf = await worker.fork('no-such-battle', 'x', { decisionId: 'd', optionId: 'o' }).catch((e: unknown) => e);
    expect((nf as AppError).code).toBe('NOT_FOUND');
  });
});
