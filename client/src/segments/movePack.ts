import type { BattleEvent } from '../../../shared/battle/events.js';
import type { Vec2 } from '../../../shared/battle/types.js';

// A segment's moves handed from the segment worker to the page in columns, and held there as one small object each.
// A 20,000-unit battle's 10 s of fight holds ~26,600 `unit:move` events: parsed from JSON each is eight heap objects
// (the event, pos, vel and five boxed numbers), ~7 MB of the ~11 MB a segment took on the page, every one of them
// outliving the young generation until the segment is let go. The page's collections of them were 15-45 ms tasks at
// 16x (issue #14, docs/benchmarks.md). A MoveView is one object with the event's seq, t and id; its pos, vel and
// heading are read from the columns (the reducer copies them into the unit's own objects). It serialises as the
// plain event (toJSON). Pure, so the worker's packing and the page's unpacking are tested in Node.

type MoveEvent = Extract<BattleEvent, { type: 'unit:move' }>;

/** Numbers per move in `cols`: seq, t, pos.x, pos.y, vel.x, vel.y, heading. */
export const MOVE_STRIDE = 7;

export interface PackedMoves {
  /** MOVE_STRIDE numbers per move, in event order. */
  cols: Float64Array;
  /** Each move's unit id. */
  ids: string[];
  /** Per event of the segment, in order: 1 for a move (the next in cols), 0 for the next of the other events. */
  isMove: Uint8Array;
}

export class MoveView implements MoveEvent {
  readonly type = 'unit:move' as const;
  readonly seq: number;
  readonly t: number;
  readonly id: string;
  // Private slots: not the event's own keys.
  readonly #cols: Float64Array;
  readonly #at: number;

  constructor(cols: Float64Array, at: number, id: string) {
    this.seq = cols[at];
    this.t = cols[at + 1];
    this.id = id;
    this.#cols = cols;
    this.#at = at;
  }

  get pos(): Vec2 {
    return { x: this.#cols[this.#at + 2], y: this.#cols[this.#at + 3] };
  }

  get vel(): Vec2 {
    return { x: this.#cols[this.#at + 4], y: this.#cols[this.#at + 5] };
  }

  get heading(): number {
    return this.#cols[this.#at + 6];
  }

  /** The plain event, with the server's key order. */
  toJSON(): MoveEvent {
    return { seq: this.seq, t: this.t, type: this.type, id: this.id, pos: this.pos, vel: this.vel, heading: this.heading };
  }
}

/** Split a segment's events: the moves in columns, the rest as they are (both in order). */
export function packMoves(events: readonly BattleEvent[]): { rest: BattleEvent[]; moves: PackedMoves } {
  let n = 0;
  for (const ev of events) if (ev.type === 'unit:move') n++;
  const cols = new Float64Array(n * MOVE_STRIDE);
  const ids: string[] = [];
  const isMove = new Uint8Array(events.length);
  const rest: BattleEvent[] = [];
  let k = 0;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev.type !== 'unit:move') {
      rest.push(ev);
      continue;
    }
    isMove[i] = 1;
    const at = k * MOVE_STRIDE;
    cols[at] = ev.seq;
    cols[at + 1] = ev.t;
    cols[at + 2] = ev.pos.x;
    cols[at + 3] = ev.pos.y;
    cols[at + 4] = ev.vel.x;
    cols[at + 5] = ev.vel.y;
    cols[at + 6] = ev.heading;
    ids.push(ev.id);
    k++;
  }
  return { rest, moves: { cols, ids, isMove } };
}

/** The segment's events again, in order: the rest as they are, each move a MoveView over the columns. */
export function unpackMoves(rest: readonly BattleEvent[], moves: PackedMoves): BattleEvent[] {
  const { cols, ids, isMove } = moves;
  const out: BattleEvent[] = [];
  let r = 0;
  let k = 0;
  for (let i = 0; i < isMove.length; i++) {
    if (isMove[i] === 1) {
      out.push(new MoveView(cols, k * MOVE_STRIDE, ids[k]));
      k++;
    } else out.push(rest[r++]);
  }
  return out;
}
