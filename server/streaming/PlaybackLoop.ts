import type { Logger } from 'pino';
import { eventIndexAfter, stateAt } from '../../shared/battle/seek.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import { pause, positionAt, serverTimeAtPosition, type PlaybackClock } from '../../shared/clock/playback.js';
import type { KeyframeMsg, TimelineEventsMsg } from '../../shared/protocol/events.js';
import type { Metrics } from '../metrics.js';
import { nextStop, stopPoints, type StopPoint } from '../rooms/playback.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { Playhead, Store } from '../store/types.js';
import type { AppSocket, IO } from '../types.js';

// One interval per process streams every room that has sockets on this process.
//
// Per room and tick it sends ONE `timeline:events` broadcast holding every event between what was
// already sent (the cursor) and play head + lookahead * rate. socket.io encodes a broadcast once
// for all its sockets, so cost is per room, not per member.
//
// Timeline data (keyframes, events) goes to this process's sockets only (`io.local`): each process keeps
// its own cursor, so with the Redis adapter several processes can stream one room without duplicates.
// Clock changes go to the whole room through the adapter, as they happen. A process that sees a clock
// version it did not produce (another process handled the command) sends its sockets the keyframe itself.

interface Cursor {
  branchId: string;
  clock: PlaybackClock;
  /** seq of the next event to stream; PENDING while a coalesced keyframe is due (nothing streams meanwhile). */
  nextSeq: number;
  /** The branch's timeline. */
  timeline: Timeline;
}

const PENDING = -1;
/**
 * Keyframes to a room are at most this frequent. A burst of seeks (a held arrow key) costs one keyframe per
 * interval: the first goes at once, the last one's state follows the interval. A large battle's keyframe is MBs.
 */
const KEYFRAME_MIN_INTERVAL_MS = 60;

interface StopCache {
  stops: StopPoint[];
  loadedAt: number;
}

/** Reasons whose clock change moves the play head discontinuously (clients need a keyframe). */
const KEYFRAME_REASONS = new Set(['seek', 'phase', 'rate', 'branch', 'init']);
/** The loop's own stops land at or just behind the play head: clients refold from their keyframe. */
const SOFT_REASONS = new Set(['autopause', 'phase-end', 'end']);

export interface LoopOptions {
  io: IO;
  rooms: RoomService;
  store: Store;
  now: () => number;
  tickMs: number;
  lookaheadMs: number;
  metrics: Metrics;
  logger: Logger;
  /** How long stop points (annotations, settings) may be cached before a refresh from the store. */
  stopsTtlMs?: number;
}

export class PlaybackLoop {
  private readonly tracked = new Set<string>();
  private readonly cursors = new Map<string, Cursor>();
  private readonly stops = new Map<string, StopCache>();
  /** A room's battle never changes: read it once, then one store read (the playhead) per room per tick. */
  private readonly battleIds = new Map<string, string>();
  private readonly timers = new Map<string, { version: number; timer: NodeJS.Timeout }>();
  private readonly lastKeyframe = new Map<string, number>();
  private readonly keyframeTimers = new Map<string, NodeJS.Timeout>();
  private interval: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<string>();
  private nextTickAt = 0;

  constructor(private readonly o: LoopOptions) {}

  start(): void {
    if (this.interval) return;
    this.nextTickAt = this.o.now() + this.o.tickMs;
    this.interval = setInterval(() => this.tick(), this.o.tickMs);
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    for (const t of this.keyframeTimers.values()) clearTimeout(t);
    this.keyframeTimers.clear();
  }

  get activeRooms(): number {
    return this.tracked.size;
  }

  /** Forget cached stop points (annotation or settings change on this process). */
  invalidateStops(roomId: string): void {
    this.stops.delete(roomId);
  }

  /** A socket joined: keyframe at the play head plus the events the room already streamed past it. */
  joined(socket: AppSocket, roomId: string, ph: Playhead, tl: Timeline): void {
    this.tracked.add(roomId);
    this.o.metrics.rooms.set(this.tracked.size);
    this.sync(roomId, ph, tl);
    // The cursor is at least as new as what the join handler read (a command may have landed meanwhile).
    const cur = this.cursors.get(roomId)!;
    const head = { branchId: cur.branchId, clock: cur.clock };
    const kf = this.keyframe(head, cur.timeline);
    socket.emit('playback:clock', head.clock);
    socket.emit('timeline:keyframe', kf);
    if (cur.nextSeq !== PENDING && cur.nextSeq > kf.state.nextSeq) {
      socket.emit('timeline:events', this.batch(cur.timeline, kf.state.nextSeq, cur.nextSeq));
    }
    this.stream(roomId, head, cur.timeline);
  }

  /**
   * This process changed the playhead: broadcast the clock to the whole room now, then keyframe and
   * stream to local sockets. `keyframe` forces a keyframe even for continuous changes.
   */
  applied(roomId: string, ph: Playhead, tl: Timeline, keyframe = false): void {
    this.o.io.to(roomId).emit('playback:clock', ph.clock);
    this.o.metrics.broadcasts.inc({ kind: 'clock' });
    this.tracked.add(roomId);
    this.sync(roomId, ph, tl, keyframe);
    this.stream(roomId, ph, tl);
    // A stop closer than one tick (e.g. play pressed just before a stop annotation) must not wait for the tick.
    const cached = this.stops.get(roomId);
    if (cached) this.scheduleStop(roomId, ph, cached.stops);
  }

  /** Keep the cursor in step with the playhead; keyframe local sockets on a discontinuity. */
  private sync(roomId: string, ph: Playhead, tl: Timeline, forceKeyframe = false): void {
    const cur = this.cursors.get(roomId);
    if (cur && cur.branchId === ph.branchId && cur.clock.version === ph.clock.version && !forceKeyframe) return;
    if (cur && cur.branchId === ph.branchId && cur.clock.version > ph.clock.version) return; // stale read
    this.clearTimer(roomId);
    const needKeyframe = forceKeyframe || !cur || this.discontinuous(cur, ph);
    if (!needKeyframe) {
      cur!.clock = ph.clock;
      return;
    }
    if (!cur) {
      // First socket of the room on this process: it gets its own keyframe from joined().
      this.cursors.set(roomId, { branchId: ph.branchId, clock: ph.clock, nextSeq: this.keyframe(ph, tl).state.nextSeq, timeline: tl });
      return;
    }
    this.cursors.set(roomId, { branchId: ph.branchId, clock: ph.clock, nextSeq: PENDING, timeline: tl });
    const wait = (this.lastKeyframe.get(roomId) ?? -Infinity) + KEYFRAME_MIN_INTERVAL_MS - this.o.now();
    if (wait <= 0) this.flushKeyframe(roomId);
    else if (!this.keyframeTimers.has(roomId)) {
      this.keyframeTimers.set(
        roomId,
        setTimeout(() => {
          this.keyframeTimers.delete(roomId);
          this.flushKeyframe(roomId);
        }, wait),
      );
    }
  }

  /** Keyframe the room at its latest clock, then resume streaming from it. */
  private flushKeyframe(roomId: string): void {
    const cur = this.cursors.get(roomId);
    if (!cur || cur.nextSeq !== PENDING) return;
    const tl = cur.timeline;
    const ph = { branchId: cur.branchId, clock: cur.clock };
    const kf = this.keyframe(ph, tl);
    cur.nextSeq = kf.state.nextSeq;
    this.lastKeyframe.set(roomId, this.o.now());
    this.o.io.local.to(roomId).emit('timeline:keyframe', kf);
    this.o.metrics.broadcasts.inc({ kind: 'keyframe' });
    this.stream(roomId, ph, tl);
  }

  private discontinuous(cur: Cursor, ph: Playhead): boolean {
    const c = ph.clock;
    if (cur.branchId !== ph.branchId) return true;
    if (c.version !== cur.clock.version + 1) return !SOFT_REASONS.has(c.reason ?? '') || Math.abs(positionAt(cur.clock, c.serverTime) - c.positionMs) > 1;
    if (KEYFRAME_REASONS.has(c.reason ?? '')) return true;
    if (SOFT_REASONS.has(c.reason ?? '')) return false;
    return Math.abs(positionAt(cur.clock, c.serverTime) - c.positionMs) > 1;
  }

  private keyframe(ph: Playhead, tl: Timeline): KeyframeMsg {
    const positionMs = positionAt(ph.clock, this.o.now());
    return { branchId: tl.branchId, positionMs, state: stateAt(tl.events, tl.keyframes, positionMs) };
  }

  private batch(tl: Timeline, from: number, to: number): TimelineEventsMsg {
    const untilMs = to >= tl.events.length ? tl.durationMs : tl.events[to].t;
    return { branchId: tl.branchId, fromSeq: from, toSeq: to, untilMs, events: tl.events.slice(from, to) };
  }

  /** One broadcast with everything new inside the lookahead window. */
  private stream(roomId: string, ph: Playhead, tl: Timeline): void {
    const cur = this.cursors.get(roomId);
    if (!cur || cur.nextSeq === PENDING || cur.branchId !== ph.branchId || cur.clock.version !== ph.clock.version) return;
    const c = ph.clock;
    const now = this.o.now();
    const pos = positionAt(c, now);
    const until = Math.min(tl.durationMs, pos + this.o.lookaheadMs * (c.state === 'playing' ? c.rate : 1));
    const end = eventIndexAfter(tl.events, until);
    if (end > cur.nextSeq) {
      const msg = this.batch(tl, cur.nextSeq, end);
      cur.nextSeq = end;
      this.o.io.local.to(roomId).emit('timeline:events', msg);
      this.o.metrics.broadcasts.inc({ kind: 'events' });
      this.o.metrics.eventsSent.inc(msg.events.length);
    }
  }

  private tick(): void {
    const started = this.o.now();
    this.o.metrics.tickLag.observe(Math.max(0, started - this.nextTickAt));
    this.nextTickAt = started + this.o.tickMs;
    this.o.metrics.ticks.inc();
    const local = this.o.io.of('/').adapter.rooms;
    for (const roomId of this.tracked) {
      if (!local.get(roomId)?.size) {
        this.untrack(roomId);
        continue;
      }
      // Per room, not per tick: a room whose branch is still compiling (or a slow store read) must not
      // hold up the other rooms, and must not stack ticks of its own.
      if (this.inFlight.has(roomId)) continue;
      this.inFlight.add(roomId);
      const t0 = this.o.now();
      void this.tickRoom(roomId).finally(() => {
        this.inFlight.delete(roomId);
        this.o.metrics.tickDuration.observe(this.o.now() - t0);
      });
    }
    this.o.metrics.rooms.set(this.tracked.size);
  }

  private untrack(roomId: string): void {
    this.tracked.delete(roomId);
    this.cursors.delete(roomId);
    this.stops.delete(roomId);
    this.battleIds.delete(roomId);
    this.lastKeyframe.delete(roomId);
    const kt = this.keyframeTimers.get(roomId);
    if (kt) clearTimeout(kt);
    this.keyframeTimers.delete(roomId);
    this.clearTimer(roomId);
  }

  private async tickRoom(roomId: string): Promise<void> {
    try {
      const ph = await this.o.store.getPlayhead(roomId);
      if (!ph) return this.untrack(roomId);
      let battleId = this.battleIds.get(roomId);
      if (!battleId) {
        const room = await this.o.store.getRoom(roomId);
        if (!room) return this.untrack(roomId);
        this.battleIds.set(roomId, (battleId = room.battleId));
      }
      const tl = await this.o.rooms.timelineOf(roomId, battleId, ph.branchId);
      const stops = await this.stopsFor(roomId, tl);
      if (!this.tracked.has(roomId)) return;
      // From here on synchronous: nothing can interleave between the checks and the emits.
      this.sync(roomId, ph, tl);
      const cur = this.cursors.get(roomId);
      // A command applied while we awaited the store is newer than what we read: leave it to the next tick.
      if (!cur || cur.branchId !== ph.branchId || cur.clock.version !== ph.clock.version) return;
      this.stream(roomId, ph, tl);
      this.scheduleStop(roomId, ph, stops);
    } catch (err) {
      this.o.logger.warn({ err, roomId }, 'room tick failed');
    }
  }

  private async stopsFor(roomId: string, tl: Timeline): Promise<StopPoint[]> {
    const hit = this.stops.get(roomId);
    const ttl = this.o.stopsTtlMs ?? 1000;
    if (hit && this.o.now() - hit.loadedAt < ttl) return hit.stops;
    const [room, annotations] = await Promise.all([this.o.store.getRoom(roomId), this.o.store.listAnnotations(roomId, tl.branchId)]);
    const stops = stopPoints(tl, room?.settings ?? { openControl: false, playersAnnotate: false, stepMode: false }, annotations);
    this.stops.set(roomId, { stops, loadedAt: this.o.now() });
    return stops;
  }

  /** Pause exactly at the next stop: now when it is already due, else with a timer when due before the next tick. */
  private scheduleStop(roomId: string, ph: Playhead, stops: StopPoint[]): void {
    const stop = nextStop(ph.clock, stops);
    if (!stop) return;
    const due = serverTimeAtPosition(ph.clock, stop.positionMs);
    const wait = due - this.o.now();
    if (wait <= 0) return void this.autopause(roomId, ph.clock.version, stop);
    if (wait > this.o.tickMs * 1.5) return;
    const existing = this.timers.get(roomId);
    if (existing?.version === ph.clock.version) return;
    this.clearTimer(roomId);
    const timer = setTimeout(() => {
      this.timers.delete(roomId);
      void this.autopause(roomId, ph.clock.version, stop);
    }, wait);
    this.timers.set(roomId, { version: ph.clock.version, timer });
  }

  private clearTimer(roomId: string): void {
    const t = this.timers.get(roomId);
    if (t) clearTimeout(t.timer);
    this.timers.delete(roomId);
  }

  private async autopause(roomId: string, version: number, stop: StopPoint): Promise<void> {
    try {
      const res = await this.o.rooms.updatePlayhead(roomId, (ph) => {
        // Only the clock we planned against: any command in between wins over the stop.
        if (ph.clock.version !== version || ph.clock.state !== 'playing') return null;
        return { ...ph, clock: pause(ph.clock, this.o.now(), stop.reason, stop.positionMs) };
      });
      if (res.changed) this.applied(roomId, res.playhead, res.timeline);
    } catch (err) {
      this.o.logger.warn({ err, roomId }, 'autopause failed');
    }
  }
}
