import type { DecisionPointInfo, PhaseSpan } from '../../../shared/battle/timeline.js';
import type { SideId } from '../../../shared/battle/types.js';

// What the room page keeps from a branch's full timeline. Even without keyframes a big battle's
// timeline is tens of MB of JSON (Battle of Cardassia: ~50,000 events), so it is fetched, parsed
// and digested in a worker (timelineWorker.ts) and only this summary crosses to the page.

export interface StrengthPoint {
  t: number;
  /** Per side: strength (sum of hull fractions of living combat units) and live unit count. */
  sides: Record<SideId, { strength: number; units: number }>;
}

export interface TimelineDigest {
  battleId: string;
  branchId: string;
  durationMs: number;
  phases: PhaseSpan[];
  decisionPoints: DecisionPointInfo[];
  forces: Record<SideId, { ships: number; stations: number }>;
  strength: StrengthPoint[];
}

export type WorkerRequest = { battleId: string; branchId: string; roomId?: string };
export type WorkerReply = { ok: true; digest: TimelineDigest } | { ok: false; branchId: string; message: string };

/** Load a branch's digest off the main thread (falls back to the main thread without Worker support). */
export function loadTimelineDigest(battleId: string, branchId: string, roomId?: string): Promise<TimelineDigest> {
  if (typeof Worker === 'undefined') return import('./timelineDigest.js').then((m) => m.fetchDigest(battleId, branchId, roomId));
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./timelineWorker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<WorkerReply>) => {
      w.terminate();
      if (e.data.ok) resolve(e.data.digest);
      else reject(new Error(e.data.message));
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(e.message || 'timeline worker failed'));
    };
    const req: WorkerRequest = { battleId, branchId, roomId };
    w.postMessage(req);
  });
}
