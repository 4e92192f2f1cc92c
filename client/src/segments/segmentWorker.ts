import { createApi, HttpError } from '../api.js';
import { segmentReplies } from './segmentReplies.js';
import type { SegmentGet, SegmentReply } from './segmentWire.js';

// Fetches and parses segments off the page's main thread (protocol: segmentWire.ts). Same origin as the page,
// so the same API client and the same CSP (`worker-src 'self'`) as the unit-canvas worker. Moves go in columns
// (movePack.ts), the other events as JSON text.

interface WorkerScope {
  location: { origin: string };
  onmessage: ((e: MessageEvent<SegmentGet>) => void) | null;
  postMessage(m: SegmentReply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const api = createApi(scope.location.origin);

async function get(m: SegmentGet): Promise<void> {
  let fetched = false;
  try {
    const seg = await api.getSegment(m.battleId, m.branchId, m.index, { room: m.room, hash: m.hash });
    fetched = true;
    for (const { reply, transfer } of segmentReplies(m.id, seg)) scope.postMessage(reply, transfer);
  } catch (err) {
    const e = err instanceof HttpError ? err : null;
    scope.postMessage({
      type: 'error',
      id: m.id,
      status: e?.status ?? 0,
      // Fetched but not of the segment's shape (e.g. a move without pos): not a network failure.
      code: e?.code ?? (fetched ? 'BAD_SEGMENT' : 'NETWORK'),
      message: err instanceof Error ? err.message : String(err),
    });
  }
}

scope.onmessage = (e) => void get(e.data);
