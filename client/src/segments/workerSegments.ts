import type { BattleEvent } from '../../../shared/battle/events.js';
import type { BranchManifest, PartPayload, SegmentPayload } from '../../../shared/battle/segments.js';
import type { SegmentSource } from '../../lib/segmentWorld.js';
import { type Api, api as sameOrigin, HttpError } from '../api.js';
import { type PackedMoves, unpackMoves } from './movePack.js';
import type { SegmentGet, SegmentReply } from './segmentWire.js';

// The browser's segment source: manifests (small) through the API client, segments through a worker that
// fetches and parses them (segmentWorker.ts), so a big battle's segments never hold the main thread for long.
// A segment is handed to the SegmentWorld once its head, its moves (if any) and its other events are all in, its moves
// then held as MoveViews (movePack.ts: read their fields or JSON.stringify them; never spread, clone or post them). Where there is no Worker, or it
// fails to load, segments come through the API client as before (the requests in flight are re-asked there).

interface Pending {
  get: SegmentGet;
  resolve: (seg: SegmentPayload) => void;
  reject: (err: Error) => void;
  head: Omit<SegmentPayload, 'events'> | null;
  eventCount: number;
  moveCount: number;
  moves: PackedMoves | null;
  /** The events other than moves, as they come. */
  events: BattleEvent[];
}

export class WorkerSegments implements SegmentSource {
  private worker: Worker | null = null;
  private failed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Segments asked of the worker, and delivered by it (tests check the world really arrives off the main thread). */
  asked = 0;
  delivered = 0;

  constructor(private readonly http: Api = sameOrigin) {}

  static supported(): boolean {
    return typeof Worker !== 'undefined';
  }

  getManifest(battleId: string, branchId: string, opts?: { room?: string; after?: number; signal?: AbortSignal }): Promise<BranchManifest> {
    return this.http.getManifest(battleId, branchId, opts);
  }

  /** Parts are a second of events, no start state: parsed on the main thread like manifests. */
  getPart(battleId: string, branchId: string, index: number, part: number, opts?: { room?: string; hash?: string }): Promise<PartPayload> {
    return this.http.getPart(battleId, branchId, index, part, opts);
  }

  getSegment(battleId: string, branchId: string, index: number, opts: { room?: string; hash?: string } = {}): Promise<SegmentPayload> {
    const worker = this.start();
    if (!worker) return this.http.getSegment(battleId, branchId, index, opts);
    const get: SegmentGet = { type: 'get', id: this.nextId++, battleId, branchId, index, room: opts.room, hash: opts.hash };
    return new Promise((resolve, reject) => {
      this.pending.set(get.id, { get, resolve, reject, head: null, eventCount: 0, moveCount: 0, moves: null, events: [] });
      this.asked++;
      worker.postMessage(get);
    });
  }

  private start(): Worker | null {
    if (this.worker || this.failed || !WorkerSegments.supported()) return this.worker;
    try {
      const worker = new Worker(new URL('./segmentWorker.ts', import.meta.url), { type: 'module' });
      worker.onmessage = (e: MessageEvent<SegmentReply>) => this.receive(e.data);
      worker.onerror = () => this.fail();
      this.worker = worker;
    } catch {
      this.failed = true;
    }
    return this.worker;
  }

  private receive(m: SegmentReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'error') {
      this.pending.delete(m.id);
      p.reject(new HttpError(m.status, m.code, m.message));
      return;
    }
    if (m.type === 'head') {
      const head = JSON.parse(m.head) as Omit<SegmentPayload, 'events'>;
      head.start.units.rows = m.rows;
      p.head = head;
      p.eventCount = m.eventCount;
      p.moveCount = m.moveCount;
    } else if (m.type === 'moves') p.moves = { cols: m.cols, ids: JSON.parse(m.ids) as string[], isMove: m.isMove };
    else for (const ev of JSON.parse(m.events) as BattleEvent[]) p.events.push(ev);
    if (p.head && (p.moveCount === 0 || p.moves) && p.events.length >= p.eventCount - p.moveCount) {
      this.pending.delete(m.id);
      this.delivered++;
      p.resolve({ ...p.head, events: p.moves ? unpackMoves(p.events, p.moves) : p.events });
    }
  }

  /** The worker could not load (or died): what it still owed is asked of the API client. */
  private fail(): void {
    this.failed = true;
    this.worker?.terminate();
    this.worker = null;
    const owed = [...this.pending.values()];
    this.pending.clear();
    for (const { get, resolve, reject } of owed)
      this.http.getSegment(get.battleId, get.branchId, get.index, { room: get.room, hash: get.hash }).then(resolve, reject);
  }
}

let shared: WorkerSegments | null = null;

/** One worker for the page's every SegmentWorld (the room's branches, the compare view's panes). */
export function browserSegments(): WorkerSegments {
  shared ??= new WorkerSegments();
  return shared;
}
