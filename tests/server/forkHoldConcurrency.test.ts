import { describe, expect, it } from 'vitest';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { approxBranchBytes, BranchCatalog, getBattle } from '../../replays/index.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { TEST_HISTORY_CACHE } from '../support/histories.js';
import { untilQueued } from './fixtures/engineQueue.js';
import { firstAlternative } from './fixtures/smallestBattle.js';

// A fork queued behind two compiles at once (COMPILE_CONCURRENCY 2) holds its parent only if the compiles that may
// run at once while it waits fit the catalogue's budget beside it: not only those running when it asks (a larger
// compile queued ahead of it may start beside one of them). holdFits counted the larger of the reservations running
// and the fork's own: the parent was held here, and the catalogue passed its budget by it.

const MB = 1024 * 1024;
const small = getBattle('battle-of-terok-nor')!;
const large = getBattle('second-battle-of-deep-space-9')!;

describe('a queued fork’s hold on its parent with two compiles at once (BranchCatalog.holdFits, Gate)', () => {
  it('is refused when a larger compile queued ahead can run beside one running: the held parent overran the budget', async () => {
    // Two small forks run (and wait), a large fork queues, then a small fork of a kept small fork asks.
    const parentChoice: DecisionChoice = { decisionId: 'bashir-decoy-run', optionId: 'keep-raider-home' };
    const childChoice: DecisionChoice = { decisionId: 'sisko-tactic', optionId: 'standoff-duel' };
    const a: DecisionChoice = { decisionId: 'bashir-decoy-run', optionId: 'project-warp-shadows', value: 0 };
    const c: DecisionChoice = { decisionId: 'raider-returns', optionId: 'raider-stays-out' };
    const x = firstAlternative(large);
    // The estimates the engine will count (histories read from the shared directory: count as read from disk).
    const ensure = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE });
    await ensure.history(small.info.id);
    await ensure.history(large.info.id);
    const ref = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE });
    const smallHistory = await ref.history(small.info.id);
    const largeHistory = await ref.history(large.info.id);
    const pinned = ref.bytes;
    const parentRef = await ref.fork(small.info.id, smallHistory.timeline.branchId, parentChoice);
    const held = approxBranchBytes(parentRef);
    // A fork's reservation: its parent's estimate times COMPILE_PEAK_FACTOR (1.5).
    const rSmall = Math.round(approxBranchBytes(smallHistory) * 1.5);
    const rLarge = Math.round(approxBranchBytes(largeHistory) * 1.5);
    // Room for the histories and the small and the large compile at once, not for the held parent besides.
    const target = pinned + rSmall + rLarge + held / 2;
    const checkpointCacheMb = (target * 16) / 15 / MB;
    const budget = checkpointCacheMb * MB;
    const maxBytes = budget - Math.min(64 * MB, Math.floor(budget / 16));
    expect(maxBytes).toBeGreaterThanOrEqual(pinned + rSmall + rLarge);
    expect(maxBytes).toBeLessThan(pinned + held + rSmall + rLarge);

    const idOf = (battleId: string, ch: DecisionChoice) => ref.forkIdOf(battleId, [], ch);
    const aId = idOf(small.info.id, a);
    const cId = idOf(small.info.id, c);
    const xId = idOf(large.info.id, x);
    let releaseA!: () => void;
    const aBlocked = new Promise<void>((resolve) => (releaseA = resolve));
    let releaseC!: () => void;
    const cBlocked = new Promise<void>((resolve) => (releaseC = resolve));
    let excess: number | null = null;
    const engine = new EngineTimelineService({
      historyCacheDir: TEST_HISTORY_CACHE,
      checkpointCacheMb,
      compileConcurrency: 2,
      afterSegment: async (branchId) => {
        if (branchId === aId) return aBlocked;
        if (branchId === cId) return cBlocked;
        if (branchId === xId && excess === null) {
          // The large compile runs beside the small one still waiting (not yet finished: a finished compile is
          // counted kept and reserved until its last segments are pushed). What the catalogue holds and reserves:
          const s = await engine.stats();
          excess = s.catalogBytes + s.compileReservedBytes - maxBytes;
          releaseC();
        }
      },
    });
    const parent = await engine.fork(small.info.id, smallHistory.timeline.branchId, parentChoice);
    const started = (battleId: string, ch: DecisionChoice) => {
      let acked!: () => void;
      const ack = new Promise<void>((resolve) => (acked = resolve));
      const done = engine.fork(battleId, (battleId === small.info.id ? smallHistory : largeHistory).timeline.branchId, ch, [], () =>
        acked(),
      );
      return { ack, done };
    };
    const runA = started(small.info.id, a);
    const runC = started(small.info.id, c);
    await Promise.all([runA.ack, runC.ack]);
    const runX = started(large.info.id, x);
    await untilQueued(engine, 1);
    const child = engine.fork(small.info.id, parent.branchId, childChoice, parent.decisions);
    expect((await untilQueued(engine, 2)).compiling).toBe(2);
    releaseA(); // the large compile starts beside the small one
    const [childTl] = await Promise.all([child, runA.done, runC.done, runX.done]);
    expect(excess).not.toBeNull();
    expect(excess).toBeLessThanOrEqual(0);
    expect(childTl.eventsSha256).toBe((await ref.compile(small.info.id, childTl.decisions)).timeline.eventsSha256);
  }, 60_000);
});
