import type { Logger } from 'pino';
import { eventIndexAfter, stateAt } from '../../shared/battle/seek.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import { pause, play, positionAt, serverTimeAtPosition } from '../../shared/clock/playback.js';
import type { StopReason } from '../../shared/clock/reason.js';
import type { KeyframeMsg, TimelineEventsMsg } from '../../shared/protocol/events.js';
import type { Delivery } from '../../shared/protocol/schemas.js';
import type { Metrics } from '../metrics.js';
import { stopPoints } from '../rooms/playback.js';
import type { HeldPlayhead, RoomService } from '../rooms/RoomService.js';
import type { TimelineMeta } from '../timelines/TimelineService.js';
import type { Playhead, Store } from '../store/types.js';
import type { AppSocket, IO } from '../types.js';
import { noClockBus, type ClockBus } from './ClockBus.js';
import { completeFrontier, type FrontierSource } from './FrontierSource.js';
import { needsKeyframe } from './needsKeyframe.js';
import { RoomStream, type Cursor } from './RoomStream.js';

// One interval per process; one RoomStream per room that has sockets on this process.
//
// The clock is a value: between changes a room needs no store read. Changes reach the loop three ways:
// this process's commands (`applied`), another process's (`ClockBus` message -> `observe`), and, as the
// safety net for a lost message, a slow reconciliation read every `reconcileMs` (repairs are counted).
//
// Socket-delivery sockets also sit in the room's stream sub-room (RoomStream.streamRoom): keyframes and event
// batches go there only, from this process to its own sockets (`io.local`), so several processes can stream one
// room without duplicates. Segments sockets get the clock and control events only. A room with no
// socket-delivery socket on this process costs the tick nothing but its stop points.
//
// Commands and stop points read only a branch's metadata (RoomService.metaOf). The whole timeline (every event)
// is held on this thread only for a room with socket-delivery sockets here (Cursor.events), fetched when first
// needed (the joiners get their keyframe when it lands) and dropped when the last such socket leaves; rooms on one
// branch share one copy. A segments-delivery room never needs it.
//
// Per room and tick a socket-delivery room gets ONE `timeline:events` broadcast holding every event between
// what was already sent (the cursor) and play head + lookahead * rate. socket.io encodes a broadcast once.

/**
 * Keyframes to a room are at most this frequent. A burst of seeks (a held arrow key) costs one keyframe per
 * interval: the first goes at once, the last one's state follows the interval. A large battle's keyframe is MBs.
 */
const KEYFRAME_MIN_INTERVAL_MS = 60;
/** setTimeout's ceiling. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A playhead in the store this much older than now, and newer than ours, means its bus message was lost. */
const REPAIR_GRACE_MS = 1000;

interface LoopStop {
  positionMs: number;
  reason: StopReason;
}

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
  /** How often a tracked room's playhead is re-read from the store in case a change message was lost. */
  reconcileMs?: number;
  /** Clock changes between processes. Default: none (one process). */
  bus?: ClockBus;
  /** How far progressive branches are compiled. Default: every branch is complete. */
  frontier?: FrontierSource;
}

export class PlaybackLoop {
  private readonly rooms = new Map<string, RoomStream>();
  private interval: NodeJS.Timeout | null = null;
  private nextTickAt = 0;
  private readonly bus: ClockBus;
  private readonly frontier: FrontierSource;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly o: LoopOptions) {
    this.bus = o.bus ?? noClockBus;
    this.frontier = o.frontier ?? completeFrontier;
  }

  start(): void {
    if (this.interval) return;
    this.nextTickAt = this.o.now() + this.o.tickMs;
    this.interval = setInterval(() => this.tick(), this.o.tickMs);
    this.unsubscribe.push(
      this.bus.subscribe((m) => (m.kind === 'clock' ? this.observe(m.roomId, m.playhead) : this.invalidateStops(m.roomId, false))),
    );
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const rs of this.rooms.values()) rs.dispose();
    this.rooms.clear();
  }

  get activeRooms(): number {
    return this.rooms.size;
  }

  /**
   * Forget cached stop points (an annotation or settings change). `publish`: also tell the other processes
   * (false when the message came from one).
   */
  invalidateStops(roomId: string, publish = true): void {
    const rs = this.rooms.get(roomId);
    if (rs) rs.stops = null;
    if (publish) this.publish({ kind: 'stops', roomId });
    // Re-plan at once: a new stop may be closer than the next tick.
    if (rs?.cursor) this.planStopOrLoad(rs);
  }

  /**
   * The metadata of a branch still compiling changed (its manifest began a phase or reached a decision point): the
   * rooms on it here plan their stops again. Not published: every process reads that metadata on its own.
   */
  invalidateBranchStops(battleId: string, branchId: string): void {
    for (const rs of this.rooms.values())
      if (rs.battleId === battleId && rs.cursor?.branchId === branchId) this.invalidateStops(rs.roomId, false);
  }

  /** The playhead this process holds for a room it streams (what a command is written against), or null. */
  held(roomId: string): HeldPlayhead | null {
    const rs = this.rooms.get(roomId);
    const cur = rs?.cursor;
    return rs?.battleId && cur ? { battleId: rs.battleId, playhead: { branchId: cur.branchId, clock: cur.clock } } : null;
  }

  /** A socket joined: the clock, and for socket delivery a keyframe at the play head plus what the room already streamed past it. */
  joined(socket: AppSocket, roomId: string, ph: Playhead, tl: TimelineMeta, delivery: Delivery = 'socket', events?: Timeline): void {
    const rs = this.track(roomId);
    this.sync(rs, ph, tl);
    // The cursor is at least as new as what the join handler read (a command may have landed meanwhile).
    const cur = rs.cursor!;
    if (events && !cur.events && events.branchId === cur.branchId) cur.events = events;
    socket.emit('playback:clock', cur.clock);
    // Socket delivery without the branch's events here yet: they are fetched, and the keyframe goes to the stream
    // sub-room (this joiner is in it) when they land (flushKeyframe).
    const full = delivery === 'socket' ? this.eventsOf(rs) : null;
    if (full) {
      const kf = this.keyframe(cur, full);
      socket.emit('timeline:keyframe', kf);
      // No stream position (first socket-delivery socket here): the joiner's keyframe is where streaming starts.
      if (cur.nextSeq === null && !rs.keyframeDue) cur.nextSeq = kf.state.nextSeq;
      else if (cur.nextSeq !== null && cur.nextSeq > kf.state.nextSeq)
        socket.emit('timeline:events', this.batch(full, kf.state.nextSeq, cur.nextSeq, this.frontierMs(rs)));
      this.stream(rs);
    }
    this.planStopOrLoad(rs);
  }

  /**
   * The cursor's whole timeline (socket delivery): the one held, else one this process already holds (another
   * room's cursor, the cache), else null while it is fetched; when it lands the stream sub-room gets a keyframe.
   */
  private eventsOf(rs: RoomStream): Timeline | null {
    const cur = rs.cursor;
    const battleId = rs.battleId;
    if (!cur || !battleId) return null;
    if (cur.events) return cur.events;
    const branchId = cur.branchId;
    let held = this.o.rooms.timelines.peek(battleId, branchId);
    for (const other of held ? [] : this.rooms.values()) {
      const ev = other.cursor?.events;
      if (ev && ev.branchId === branchId && ev.battleId === battleId) {
        held = ev;
        break;
      }
    }
    if (held) return (cur.events = held);
    if (rs.eventsLoading === branchId) return null;
    rs.eventsLoading = branchId;
    void this.o.rooms.timelineOf(rs.roomId, battleId, branchId).then(
      (tl) => {
        if (rs.eventsLoading === branchId) rs.eventsLoading = null;
        const now = rs.cursor;
        if (rs.isDisposed || !now || now.branchId !== branchId || now.events || !this.hasStreamSockets(rs)) return;
        now.events = tl;
        this.flushKeyframe(rs);
      },
      (err: unknown) => {
        if (rs.eventsLoading === branchId) rs.eventsLoading = null;
        this.o.logger.warn({ err, roomId: rs.roomId }, 'timeline for socket delivery failed');
      },
    );
    return null;
  }

  /**
   * This process changed the playhead: broadcast the clock to the whole room now (every process's sockets),
   * tell the other processes' loops, then keyframe and stream to local sockets. `keyframe` forces one.
   */
  applied(roomId: string, ph: Playhead, tl: TimelineMeta, keyframe = false): void {
    // This process's sockets at once; the other processes' get it from their own process when the bus delivers
    // (published by the store with the write itself where it can: see RedisClockBus).
    const rs = this.track(roomId);
    if (this.emitClock(roomId, ph, 'local', rs) && !this.bus.publishedByStore) this.publish({ kind: 'clock', roomId, playhead: ph });
    this.sync(rs, ph, tl, keyframe);
    this.stream(rs);
    this.planStopOrLoad(rs);
  }

  /**
   * The clock to this process's sockets in the room (their share of the room); every room clock goes through
   * here. Never one older than a clock already sent (a settle or revert written after a command but applied
   * before it, a late bus message): it would move the room back. The same version again only from a command of
   * this process ('local'): sync() marks a first-seen room's clock sent when a join read it (for that joiner
   * alone), and the command's own clock must still reach the room. Another process's change ('bus'), however it
   * was learnt (bus message, lost CAS race, safety-net read), goes once: keyed on what was SENT, not on the
   * cursor, since a race or read may move the cursor before the bus message arrives. An untracked room (no `rs`)
   * has no record: its sockets get it. True when sent.
   */
  private emitClock(roomId: string, ph: Playhead, path: 'local' | 'bus', rs?: RoomStream): boolean {
    if (rs) {
      const v = ph.clock.version;
      if (v < rs.clockSent || (v === rs.clockSent && path === 'bus')) return false;
      rs.clockSent = v;
    }
    this.o.io.local.to(roomId).emit('playback:clock', ph.clock);
    this.o.metrics.broadcasts.inc({ kind: 'clock' });
    this.o.metrics.clockDelivery.observe({ path }, Math.max(0, this.o.now() - ph.clock.serverTime));
    return true;
  }

  /** Another process changed the playhead (a bus message): the clock to our sockets first, then the stream. */
  private observe(roomId: string, ph: Playhead): void {
    const rs = this.rooms.get(roomId);
    this.emitClock(roomId, ph, 'bus', rs); // not tracked here (yet): any sockets of the room still get it
    if (!rs?.cursor) return; // not streamed here, or not loaded yet (the first refresh reads the store)
    // Versions count every change of the room's playhead, branch switches included: older is stale whatever its branch.
    if (rs.cursor.clock.version >= ph.clock.version) return;
    if (rs.cursor.branchId === ph.branchId) {
      this.advance(rs, ph, rs.cursor.timeline);
      return;
    }
    void this.withTimeline(rs, ph).then((tl) => {
      if (tl) this.advance(rs, ph, tl);
    });
  }

  private async withTimeline(rs: RoomStream, ph: Playhead): Promise<TimelineMeta | null> {
    try {
      const battleId = await this.battleOf(rs);
      return battleId ? await this.o.rooms.metaOf(rs.roomId, battleId, ph.branchId) : null;
    } catch (err) {
      this.o.logger.warn({ err, roomId: rs.roomId }, 'timeline for a clock change failed');
      return null;
    }
  }

  private advance(rs: RoomStream, ph: Playhead, tl: TimelineMeta): void {
    if (rs.isDisposed) return;
    this.emitClock(rs.roomId, ph, 'bus', rs);
    this.sync(rs, ph, tl);
    this.stream(rs);
    this.planStopOrLoad(rs);
  }

  /** Plan the next stop; with no stop points in hand (new room, new branch, invalidated), load them first. */
  private planStopOrLoad(rs: RoomStream): void {
    if (rs.stops && rs.stops.branchId === rs.cursor?.branchId) this.planStop(rs);
    else if (!rs.inFlight) void this.refresh(rs, false);
  }

  private publish(m: Parameters<ClockBus['publish']>[0]): void {
    void this.bus.publish(m).catch((err: unknown) => this.o.logger.warn({ err, roomId: m.roomId }, 'clock bus publish failed'));
  }

  private track(roomId: string): RoomStream {
    let rs = this.rooms.get(roomId);
    if (!rs) {
      rs = new RoomStream(roomId);
      // Spread the rooms' reconciliation reads over the interval instead of one burst.
      rs.reconciledAt = this.o.now() - Math.random() * (this.o.reconcileMs ?? 0);
      this.rooms.set(roomId, rs);
      this.o.metrics.rooms.set(this.rooms.size);
    }
    return rs;
  }

  private untrack(rs: RoomStream): void {
    rs.dispose();
    this.rooms.delete(rs.roomId);
  }

  private hasStreamSockets(rs: RoomStream): boolean {
    return (this.o.io.of('/').adapter.rooms.get(rs.streamRoom)?.size ?? 0) > 0;
  }

  /** Keep the cursor in step with the playhead; keyframe local socket-delivery sockets on a discontinuity. */
  private sync(rs: RoomStream, ph: Playhead, tl: TimelineMeta, forceKeyframe = false): void {
    rs.battleId ??= tl.battleId;
    const prev = rs.cursor;
    if (prev && prev.branchId === ph.branchId && prev.clock.version === ph.clock.version && !forceKeyframe) return;
    if (prev && prev.clock.version > ph.clock.version) return; // stale (versions span branch switches)
    rs.clearStopTimer();
    if (prev && !forceKeyframe && !needsKeyframe(prev, ph)) {
      prev.clock = ph.clock;
      return;
    }
    if (prev && prev.branchId !== ph.branchId) rs.stops = null; // stop points are per branch
    const events = prev && prev.branchId === ph.branchId ? prev.events : null;
    rs.cursor = { branchId: ph.branchId, clock: ph.clock, nextSeq: null, timeline: tl, events };
    if (!prev) rs.clockSent = Math.max(rs.clockSent, ph.clock.version); // joined() sends the joiner this clock
    this.watchFrontier(rs);
    // First sight of the room: joined() gives its joiner a keyframe. No socket-delivery socket: nothing to send.
    if (!prev || !this.hasStreamSockets(rs)) return;
    const wait = rs.lastKeyframeAt + KEYFRAME_MIN_INTERVAL_MS - this.o.now();
    if (wait <= 0) this.flushKeyframe(rs);
    else rs.setKeyframeTimer(wait, () => this.flushKeyframe(rs));
  }

  /** Keyframe the stream sub-room at the latest clock, then resume streaming from it. */
  private flushKeyframe(rs: RoomStream): void {
    const cur = rs.cursor;
    if (!cur || cur.nextSeq !== null || rs.isDisposed || !this.hasStreamSockets(rs)) return;
    const full = this.eventsOf(rs);
    if (!full) return; // fetched: flushed when it lands
    const kf = this.keyframe(cur, full);
    cur.nextSeq = kf.state.nextSeq;
    rs.lastKeyframeAt = this.o.now();
    this.o.io.local.to(rs.streamRoom).emit('timeline:keyframe', kf);
    this.o.metrics.broadcasts.inc({ kind: 'keyframe' });
    this.stream(rs);
  }

  private keyframe(ph: Playhead, tl: Timeline): KeyframeMsg {
    const positionMs = positionAt(ph.clock, this.o.now());
    return { branchId: tl.branchId, positionMs, state: stateAt(tl.events, tl.keyframes, positionMs) };
  }

  /** How far the room's branch is compiled (Infinity when complete). */
  private frontierMs(rs: RoomStream): number {
    const cur = rs.cursor;
    return (rs.battleId && cur ? this.frontier.compiledMs(rs.battleId, cur.branchId) : null) ?? Infinity;
  }

  /** A batch covers playback time up to untilMs: never beyond the frontier of a branch still compiling. */
  private batch(tl: Timeline, from: number, to: number, frontierMs: number): TimelineEventsMsg {
    const untilMs = Math.min(frontierMs, to >= tl.events.length ? tl.durationMs : tl.events[to].t);
    return { branchId: tl.branchId, fromSeq: from, toSeq: to, untilMs, events: tl.events.slice(from, to) };
  }

  /** One broadcast to the stream sub-room with everything new inside the lookahead window. */
  private stream(rs: RoomStream): void {
    const cur: Cursor | null = rs.cursor;
    const tl = cur?.events;
    if (!cur || cur.nextSeq === null || !tl) return;
    const c = cur.clock;
    const pos = positionAt(c, this.o.now());
    // Never ahead of the compiled frontier of a branch still compiling.
    const frontier = this.frontierMs(rs);
    const until = Math.min(tl.durationMs, frontier, pos + this.o.lookaheadMs * (c.state === 'playing' ? c.rate : 1));
    const end = eventIndexAfter(tl.events, until);
    if (end > cur.nextSeq) {
      const msg = this.batch(tl, cur.nextSeq, end, frontier);
      cur.nextSeq = end;
      this.o.io.local.to(rs.streamRoom).emit('timeline:events', msg);
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
    const reconcileMs = this.o.reconcileMs ?? 0;
    const stopsTtl = this.o.stopsTtlMs ?? 1000;
    for (const rs of this.rooms.values()) {
      if (!local.get(rs.roomId)?.size) {
        this.untrack(rs);
        continue;
      }
      // Per room, not per tick: a room whose branch is still compiling (or a slow store read) must not
      // hold up the other rooms, and must not stack reads of its own.
      if (!rs.inFlight) {
        const reconcile = !rs.cursor || started - rs.reconciledAt >= reconcileMs;
        const stale = !rs.stops || rs.stops.branchId !== rs.cursor?.branchId || started - rs.stops.loadedAt >= stopsTtl;
        if (reconcile || stale) void this.refresh(rs, reconcile);
      }
      // Stream from the clock this process holds, also while a refresh is in flight or failing (a slow store, a
      // Redis outage): the refresh only corrects the cursor when it lands. Otherwise no I/O at all.
      if (rs.cursor && (rs.cursor.nextSeq !== null || rs.cursor.events) && !local.get(rs.streamRoom)?.size) {
        rs.cursor.nextSeq = null; // last streamer left: nothing streams, and the events are let go
        rs.cursor.events = null;
      }
      this.stream(rs);
      this.planStop(rs);
    }
    this.o.metrics.rooms.set(this.rooms.size);
  }

  private async battleOf(rs: RoomStream): Promise<string | null> {
    if (rs.battleId) return rs.battleId;
    const room = await this.o.store.getRoom(rs.roomId);
    if (room) rs.battleId = room.battleId;
    return rs.battleId;
  }

  /** Re-read what may be stale: the playhead (`reconcile`) and/or the stop points. */
  private async refresh(rs: RoomStream, reconcile: boolean): Promise<void> {
    rs.inFlight = true;
    const t0 = this.o.now();
    try {
      const battleId = await this.battleOf(rs);
      if (!battleId) return this.untrack(rs);
      let ph: Playhead | null = rs.cursor && !reconcile ? { branchId: rs.cursor.branchId, clock: rs.cursor.clock } : null;
      if (!ph) {
        ph = await this.o.store.getPlayhead(rs.roomId);
        if (!ph) return this.untrack(rs);
        rs.reconciledAt = this.o.now();
        const cur = rs.cursor;
        // Behind the store with a change old enough that its message should have arrived: the message was lost, and
        // its clock broadcast most likely with it, so this process's sockets get the clock again. (A younger change
        // is a message still in flight, or a command of this process between its write and applied().)
        if (cur && cur.clock.version < ph.clock.version && this.o.now() - ph.clock.serverTime > REPAIR_GRACE_MS) {
          this.o.metrics.clockRepairs.inc(); // advance() below sends the clock
        }
      }
      const tl = await this.o.rooms.metaOf(rs.roomId, battleId, ph.branchId);
      if (!rs.stops || rs.stops.branchId !== tl.branchId || this.o.now() - rs.stops.loadedAt >= (this.o.stopsTtlMs ?? 1000)) {
        const [room, annotations] = await Promise.all([
          this.o.store.getRoom(rs.roomId),
          this.o.store.listAnnotations(rs.roomId, tl.branchId),
        ]);
        const settings = room?.settings ?? { openControl: false, playersAnnotate: false, stepMode: false };
        rs.stops = { branchId: tl.branchId, list: stopPoints(tl, settings, annotations), loadedAt: this.o.now() };
      }
      if (rs.isDisposed) return;
      // From here on synchronous: nothing can interleave between the checks and the emits.
      this.advance(rs, ph, tl);
    } catch (err) {
      // Back off to the next interval instead of retrying every tick (e.g. while Redis is down).
      if (reconcile) rs.reconciledAt = this.o.now();
      if (rs.stops) rs.stops.loadedAt = this.o.now();
      this.o.logger.warn({ err, roomId: rs.roomId }, 'room refresh failed');
    } finally {
      rs.inFlight = false;
      this.o.metrics.tickDuration.observe(this.o.now() - t0);
    }
  }

  /** The room's stops for its current branch: the cached ones, cut at the compiled frontier (a hold) when the branch is still compiling. */
  private stopsOf(rs: RoomStream): LoopStop[] {
    const cur = rs.cursor;
    if (!cur || rs.stops?.branchId !== cur.branchId) return [];
    const list: LoopStop[] = rs.stops.list;
    const frontier = rs.battleId ? this.frontier.compiledMs(rs.battleId, cur.branchId) : null;
    if (frontier === null || frontier >= cur.clock.durationMs) return list;
    // A play head already past the frontier (a seek beyond it) holds where it is: it never runs on uncompiled time.
    const hold = Math.max(frontier, cur.clock.positionMs);
    // A stop exactly at the frontier still ahead of the play head (a phase that ends where the compile stands, often
    // a decision point) pauses there with its own reason instead of a hold: a hold would resume past it by itself.
    const kept = list.filter((s) => s.positionMs < frontier || (s.positionMs === hold && hold > cur.clock.positionMs));
    return kept.some((s) => s.positionMs === hold) ? kept : [...kept, { positionMs: hold, reason: 'hold' }];
  }

  /**
   * Pause exactly at the next stop: now when it is already due, else with a timer. A hold at the frontier is due
   * as soon as the play head is on it (play pressed at the frontier holds again at once).
   */
  private planStop(rs: RoomStream): void {
    const cur = rs.cursor;
    if (cur?.clock.state !== 'playing' || !rs.stops) return;
    const c = cur.clock;
    const stop = this.stopsOf(rs).find((s) => s.positionMs > c.positionMs || (s.reason === 'hold' && s.positionMs >= c.positionMs));
    if (!stop) return;
    const wait = serverTimeAtPosition(c, Math.max(stop.positionMs, c.positionMs)) - this.o.now();
    if (wait <= 0) {
      rs.clearStopTimer();
      return void this.autopause(rs.roomId, c.version, stop);
    }
    if (rs.stopTimerFor(c.version, stop.positionMs)) return;
    rs.setStopTimer(c.version, stop.positionMs, Math.min(wait, MAX_TIMER_MS), () => void this.autopause(rs.roomId, c.version, stop));
  }

  private async autopause(roomId: string, version: number, stop: LoopStop): Promise<void> {
    const rs = this.rooms.get(roomId);
    if (stop.reason === 'hold' && rs?.battleId && rs.cursor) {
      // The frontier may have moved on since this hold was planned: plan against where it is now.
      const frontier = this.frontier.compiledMs(rs.battleId, rs.cursor.branchId);
      if (frontier === null || frontier > stop.positionMs) return this.planStop(rs);
    }
    try {
      const res = await this.o.rooms.updatePlayhead(roomId, (ph) => {
        // Only the clock we planned against: any command in between wins over the stop.
        if (ph.clock.version !== version || ph.clock.state !== 'playing') return null;
        return { ...ph, clock: pause(ph.clock, this.o.now(), stop.reason, stop.positionMs) };
      });
      if (res.changed) this.applied(roomId, res.playhead, res.timeline);
      else this.catchUp(roomId, res.playhead, res.timeline);
      // The frontier may have moved while the pause was being written.
      if (res.changed && stop.reason === 'hold') this.resumeIfCompiled(roomId);
    } catch (err) {
      this.o.logger.warn({ err, roomId }, 'autopause failed');
    }
  }

  /** A lost race (another process or command won): take the winner's playhead we just read. */
  private catchUp(roomId: string, ph: Playhead, tl: TimelineMeta): void {
    const rs = this.rooms.get(roomId);
    if (rs?.cursor) this.advance(rs, ph, tl);
  }

  /** Follow the frontier of the branch the room is on (one subscription per room, moved with the branch). */
  private watchFrontier(rs: RoomStream): void {
    const cur = rs.cursor;
    if (!cur || !rs.battleId) return;
    const battleId = rs.battleId;
    rs.watchFrontier(cur.branchId, () => this.frontier.subscribe(battleId, cur.branchId, () => this.frontierMoved(rs)));
  }

  private frontierMoved(rs: RoomStream): void {
    const c = rs.cursor?.clock;
    if (!c || rs.isDisposed) return;
    if (c.state === 'paused' && c.reason === 'hold') {
      this.resumeIfCompiled(rs.roomId);
      return;
    }
    this.stream(rs); // socket delivery: the newly compiled events inside the lookahead
    this.planStop(rs); // a playing room's hold moves further out
  }

  /** A room held at the frontier goes on by itself once the frontier is past its play head. */
  private resumeIfCompiled(roomId: string): void {
    const rs = this.rooms.get(roomId);
    const cur = rs?.cursor;
    if (!rs?.battleId || !cur || cur.clock.state !== 'paused' || cur.clock.reason !== 'hold') return;
    const frontier = this.frontier.compiledMs(rs.battleId, cur.branchId);
    if (frontier !== null && frontier <= cur.clock.positionMs) return;
    const version = cur.clock.version;
    void this.o.rooms
      .updatePlayhead(roomId, (ph) => {
        if (ph.clock.version !== version || ph.clock.state !== 'paused' || ph.clock.reason !== 'hold') return null;
        return { ...ph, clock: play(ph.clock, this.o.now(), 'resume') };
      })
      .then((res) => (res.changed ? this.applied(roomId, res.playhead, res.timeline) : this.catchUp(roomId, res.playhead, res.timeline)))
      .catch((err: unknown) => this.o.logger.warn({ err, roomId }, 'resume after hold failed'));
  }
}
