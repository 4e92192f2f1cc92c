import type { ErrorCode } from '../../../shared/protocol/events.js';

// Messages between WorkerTimelineService (main thread) and timelineWorker (engine thread).

/** Methods of EngineTimelineService callable from the main thread. */
export type Method = 'listBattles' | 'battle' | 'canonicalBranchId' | 'timeline' | 'fork' | 'warm';

export interface Request {
  id: number;
  method: Method;
  args: unknown[];
}

export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ErrorCode | null; message: string } };
