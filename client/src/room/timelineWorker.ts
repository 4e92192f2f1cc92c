import { fetchDigest } from './timelineDigest.js';
import type { WorkerReply, WorkerRequest } from './timelineData.js';

// Runs in a Web Worker: fetch + parse + digest the (large) timeline JSON off the render thread.

interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(m: WorkerReply): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  const { battleId, branchId, roomId } = e.data;
  fetchDigest(battleId, branchId, roomId).then(
    (digest) => scope.postMessage({ ok: true, digest }),
    (err: unknown) => scope.postMessage({ ok: false, branchId, message: err instanceof Error ? err.message : String(err) }),
  );
};
