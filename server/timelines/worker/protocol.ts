import type { ErrorCode } from '../../../shared/protocol/events.js';
import type { SegmentProgress } from '../segments/types.js';

// Messages between WorkerTimelineService (main thread) and timelineWorker (engine thread).

/** Methods of EngineTimelineService callable from the main thread. */
export type Method =
  | 'listBattles'
  | 'battle'
  | 'canonicalBranchId'
  | 'timeline'
  | 'meta'
  | 'fork'
  | 'warm'
  | 'manifest'
  | 'segment'
  | 'stats'
  | 'trace';

export interface Request {
  id: number;
  method: Method;
  args: unknown[];
}

export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ErrorCode | null; message: string } };

/** Pushed by the worker without a request: segments built (a fork compiling, a branch encoded). */
export interface ProgressMessage {
  progress: SegmentProgress;
}

/** Pushed by the worker without a request: a compile in progress failed (SegmentSource.onFailed). */
export interface FailedMessage {
  failed: { battleId: string; branchId: string };
}

/** Sent before the Response of a `fork` request: the fork-point segment is available (the compile goes on). */
export interface InterimMessage {
  id: number;
  interim: unknown;
}

export type WorkerMessage = Response | ProgressMessage | FailedMessage | InterimMessage;

/** Options the main thread passes to the worker (workerData). */
export interface WorkerOptions {
  checkpointCacheMb?: number;
  compileConcurrency?: number;
  /** Test hook (EngineOptions.segmentPaceMs). */
  segmentPaceMs?: number;
  /** Directory of compiled histories (HISTORY_CACHE_DIR, EngineOptions.historyCacheDir). */
  historyCacheDir?: string;
  /** Old-generation heap cap of the worker in MB (WORKER_HEAP_MB); default CHECKPOINT_CACHE_MB + 96, at least 384. */
  heapMb?: number;
  /** Module URLs the worker imports before its engine starts (benchmarks: a battle variant); none in production. */
  preload?: string[];
}
