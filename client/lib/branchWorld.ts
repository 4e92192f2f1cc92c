import type { BattleEvent } from '../../shared/battle/events.js';
import type { BranchManifest } from '../../shared/battle/segments.js';
import type { WorldState } from '../../shared/battle/state.js';
import { seedFork } from './forkSeed.js';
import { type FoldBudget, SegmentWorld, type Motion, type SegmentSource } from './segmentWorld.js';

// Segments delivery for a room: the SegmentWorld of the branch the room is on, swapped when the room switches
// branch. The old branch's last frame stays up until the new one can draw, so a switch never blanks the map.

export interface BranchWorldOptions {
  /** A room that recorded the branches (any server process can rebuild its forks). */
  room: string;
  /** The play head now (where the first segment of a new branch is loaded). */
  position: () => number;
  /** Manifest or segment arrived. */
  onChange: (what: 'manifest' | 'segment') => void;
  /** A segment's events each time the world enters it, or a part's (short-lived visuals; may repeat). */
  onEvents: (events: readonly BattleEvent[], branchId: string) => void;
  /** While playing, the most work per frame (SegmentWorld's FoldBudget; default none). */
  budget?: FoldBudget;
}

export class BranchWorld {
  private world: SegmentWorld | null = null;
  private leaving: SegmentWorld | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly source: SegmentSource,
    private readonly o: BranchWorldOptions,
  ) {}

  /** The world of the room's branch. */
  get current(): SegmentWorld | null {
    return this.world;
  }

  get manifest(): BranchManifest | null {
    return this.world?.manifest ?? null;
  }

  /** The branch whose world is drawn (the old one until the new one has its manifest). */
  get drawnBranchId(): string | null {
    return (this.world?.manifest ? this.world : this.leaving)?.branchId ?? null;
  }

  /** Follow the room to (battleId, branchId); a no-op when already there. */
  follow(battleId: string, branchId: string): void {
    if (this.closed || (this.world && this.world.branchId === branchId && this.world.battleId === battleId)) return;
    this.leaving?.dispose();
    this.leaving = this.world;
    this.leaving?.leave(); // it draws until the new world can, and hands its spare to a fork of it: no new spare
    const world: SegmentWorld = new SegmentWorld(this.source, battleId, branchId, {
      room: this.o.room,
      budget: this.o.budget,
      onChange: (what) => {
        // A fork of the branch being left: its fork-point segment is made from the one held there (no fetch),
        // before anyone reads the new manifest (and would fetch that segment).
        if (what === 'manifest' && this.leaving) seedFork(world, this.leaving);
        this.o.onChange(what);
      },
      onSegment: (seg) => this.o.onEvents(seg.events, branchId),
      onPart: (part) => this.o.onEvents(part.events, branchId),
    });
    this.world = world;
    void this.loadAtHead();
  }

  stateAt(pos: number, motion: Motion): WorldState | null {
    const s = this.world?.stateAt(pos, motion) ?? null;
    if (s) {
      if (this.leaving) {
        this.leaving.dispose();
        this.leaving = null;
      }
      return s;
    }
    return this.leaving?.stateAt(pos) ?? null;
  }

  /** Resolves once the current branch's world at the play head is in. */
  next(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Load the segment at the play head (a few retries: a server busy compiling may answer late). */
  async loadAtHead(): Promise<void> {
    const w = this.world;
    if (!w) return;
    for (let attempt = 0; attempt < 5 && !this.closed; attempt++) {
      try {
        await w.load(this.o.position());
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
    if (w !== this.world) return;
    this.o.onChange('segment');
    const waiters = this.waiters;
    this.waiters = [];
    for (const fn of waiters) fn();
  }

  close(): void {
    this.closed = true;
    this.world?.dispose();
    this.leaving?.dispose();
  }
}
