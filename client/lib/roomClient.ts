/**
 * roomClient: the Wardroom room client library (isomorphic: socket.io-client only, no DOM, no Node APIs).
 * Used by the browser app and by the server's integration tests.
 *
 * ```ts
 * const rc = new RoomClient({ url: location.origin, roomId, name: 'Kira', clientId, instructorKey });
 * const joined = await rc.ready;            // first join + clock sync + keyframe done; rejects on a join error
 * rc.subscribe((change) => redraw());       // 'room' | 'clock' | 'presence' | 'state' | 'connection' | 'branch' | 'annotations'
 * requestAnimationFrame(function frame() {
 *   const pos = rc.positionNow();           // shared playback ms, the same in every browser of the room
 *   const world = rc.stateNow();            // WorldState folded up to pos (null before the first keyframe)
 *   ...
 * });
 * const ack = await rc.pause();             // every command resolves to the server's ack: {ok:true,...} | {ok:false,error}
 * rc.close();
 * ```
 *
 * What it does for you:
 * - Joins on every socket.io `connect` (first connect and every reconnect, recovered or not), so a client
 *   that lost its server (process killed, network drop) always gets the room state, clock and a keyframe again.
 *   Pass a stable `clientId` (e.g. stored in localStorage) so a reconnect reclaims the same member.
 * - Estimates the server clock with NTP-style `clock:ping`s (`pings` at every join, a few more shortly after
 *   (`settleMs`), then one every `resyncMs`); the estimate favours the fastest round trips.
 * - Holds the latest playback clock (older versions are ignored).
 * - Keeps the world: `timeline:keyframe` replaces the state; `timeline:events` batches are buffered ahead of the
 *   play head; `stateNow()` folds those with t <= positionNow() with the shared reducer. A small step back
 *   (e.g. an auto-pause landing a few ms behind the head) refolds from the last keyframe. A gap in the
 *   stream triggers a re-join.
 * - Mirrors room state: presence, settings, annotations (added/updated/removed), branches.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { BattleEvent } from '../../shared/battle/events.js';
import { applyEvents } from '../../shared/battle/reducer.js';
import type { WorldState } from '../../shared/battle/state.js';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import { ClockSync } from '../../shared/clock/sync.js';
import type {
  Ack,
  Annotation,
  BranchInfo,
  ClientToServerEvents,
  JoinResult,
  KeyframeMsg,
  Member,
  RoomState,
  ServerToClientEvents,
  TimelineEventsMsg,
} from '../../shared/protocol/events.js';
import type {
  AnnotationAddPayload,
  AnnotationEditPayload,
  AnnotationImportPayload,
  BranchForkPayload,
  Role,
  RoomSettings,
  RoomSettingsPatch,
} from '../../shared/protocol/schemas.js';

export type RoomChange = 'room' | 'clock' | 'presence' | 'state' | 'connection' | 'branch' | 'annotations';
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'error';
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RoomClientOptions {
  /** Server origin, e.g. location.origin or `http://127.0.0.1:${port}`. */
  url: string;
  roomId: string;
  name: string;
  role?: Role;
  instructorKey?: string;
  /**
   * Stable per browser (e.g. kept in localStorage): a join with the same clientId reclaims the member (name, role).
   * Default: random per RoomClient, which covers reconnects of this instance but not a page reload.
   */
  clientId?: string;
  /** Clock pings at every join (default 8). */
  pings?: number;
  /** Background clock ping period (default 20 s; 0 disables). */
  resyncMs?: number;
  /**
   * Extra pings this long after each join (default [400, 1200, 2500] ms, jittered). Join-time pings often
   * meet a busy server (everyone joins at once); later, quieter samples have lower round trips and win.
   */
  settleMs?: number[];
  /** Command ack timeout (default 10 s). */
  ackTimeoutMs?: number;
  /** Local clock in ms; default performance.timeOrigin + performance.now() (monotonic). */
  now?: () => number;
  /** Extra socket.io-client options (transports, forceNew...). */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

const defaultNow = (): number => performance.timeOrigin + performance.now();
/** crypto.randomUUID is missing in insecure browser contexts (plain http on a LAN address). */
const randomId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function' ? globalThis.crypto.randomUUID() : `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
/** Pings kept, and how many of the fastest feed the estimate: a ping's error is bounded by half its round trip. */
const KEPT_SAMPLES = 32;
const BEST_SAMPLES = 5;

export class RoomClient {
  readonly socket: ClientSocket;
  /** Server clock estimate, rebuilt from the fastest recent pings (see ping()). */
  sync = new ClockSync(BEST_SAMPLES);
  private samples: { t0: number; serverTime: number; t1: number }[] = [];
  /** Resolves after the first successful join (state, clock sync and keyframe in hand). */
  readonly ready: Promise<JoinResult>;

  private readonly now: () => number;
  private readonly listeners = new Set<(c: RoomChange) => void>();
  private readonly eventListeners = new Set<(events: readonly BattleEvent[], branchId: string) => void>();
  private _room: RoomState | null = null;
  private _you: Member | null = null;
  private _clock: PlaybackClock | null = null;
  private _status: ConnectionStatus = 'connecting';
  private _error: string | null = null;
  private resyncTimer: ReturnType<typeof setInterval> | null = null;
  private settleTimers: ReturnType<typeof setTimeout>[] = [];
  private lastRejoin = 0;
  private closed = false;

  // World: `base` (last keyframe) + `log` (contiguous events from base.nextSeq) of which `applied` are in `state`.
  private branchId: string | null = null;
  private base: WorldState | null = null;
  private log: BattleEvent[] = [];
  private applied = 0;
  private state: WorldState | null = null;
  private keyframeWaiters: (() => void)[] = [];

  private readonly clientId: string;

  constructor(private readonly o: RoomClientOptions) {
    this.now = o.now ?? defaultNow;
    this.clientId = o.clientId ?? randomId();
    this.socket = io(o.url, { transports: ['websocket'], ...o.socket });
    let resolveReady!: (r: JoinResult) => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((resolveReady = res), (rejectReady = rej)));
    this.ready.catch(() => {}); // callers may never await it
    let first = true;

    this.socket.on('connect', () => {
      this.setStatus('connected');
      void this.join().then(
        (r) => {
          if (first) {
            first = false;
            if (r.ok) resolveReady(r);
            else rejectReady(new Error(`${r.error.code}: ${r.error.message}`));
          }
        },
        (err: unknown) => first && rejectReady(err instanceof Error ? err : new Error(String(err))),
      );
    });
    this.socket.on('disconnect', () => this.setStatus('reconnecting'));
    this.socket.on('connect_error', (err) => {
      this._error = err.message;
      this.setStatus(this.socket.active ? 'reconnecting' : 'error');
    });

    this.socket.on('playback:clock', (c) => this.takeClock(c));
    this.socket.on('timeline:keyframe', (m) => this.takeKeyframe(m));
    this.socket.on('timeline:events', (m) => this.takeEvents(m));
    this.socket.on('room:state', (s) => {
      this._room = s;
      this.takeClock(s.clock);
      this.emit('room');
    });
    this.socket.on('presence', (m) => {
      if (!this._room) return;
      this._room = { ...this._room, members: m.members };
      this.emit('presence');
    });
    this.socket.on('annotation:added', (a) => this.upsertAnnotation(a));
    this.socket.on('annotation:updated', (a) => this.upsertAnnotation(a));
    this.socket.on('annotation:removed', (m) => {
      if (!this._room) return;
      this._room = { ...this._room, annotations: this._room.annotations.filter((a) => a.id !== m.id) };
      this.emit('annotations');
    });
    this.socket.on('branch:created', (b) => {
      if (!this._room || this._room.branches.some((x) => x.branchId === b.branchId)) return;
      this._room = { ...this._room, branches: [...this._room.branches, b] };
      this.emit('branch');
    });
    // A progressive fork completed: its final duration and outcome replace the placeholder.
    this.socket.on('branch:updated', (b) => {
      if (!this._room) return;
      this._room = { ...this._room, branches: this._room.branches.map((x) => (x.branchId === b.branchId ? b : x)) };
      this.emit('branch');
    });

    const resyncMs = o.resyncMs ?? 20_000;
    if (resyncMs > 0) this.resyncTimer = setInterval(() => void this.ping().catch(() => {}), resyncMs);
  }

  // ---- reading ----------------------------------------------------------------------------------

  room(): RoomState | null {
    return this._room;
  }
  you(): Member | null {
    return this._you;
  }
  clock(): PlaybackClock | null {
    return this._clock;
  }
  connection(): ConnectionStatus {
    return this._status;
  }
  lastError(): string | null {
    return this._error;
  }
  /** The branch the world state belongs to (the last keyframe's). */
  stateBranchId(): string | null {
    return this.branchId;
  }

  /** Shared playback position (ms) at local time `localNow`. */
  positionNow(localNow = this.now()): number {
    return this._clock ? this.sync.positionNow(this._clock, localNow) : 0;
  }

  /** The world at positionNow(): folds buffered events up to the play head. */
  stateNow(localNow = this.now()): WorldState | null {
    if (!this.state || !this.base) return null;
    const pos = this.positionNow(localNow);
    if (this.applied > 0 && this.log[this.applied - 1].t > pos && pos >= this.base.t) {
      // The head stepped back inside what we hold: refold from the keyframe.
      this.state = this.base;
      this.applied = 0;
    }
    // Fold the due run as one batch: applyEvents copies the unit map once per batch, where one
    // applyEvent per event copied it per event (Battle of Cardassia: ~1.4 ms per event, 3,000+ units).
    let end = this.applied;
    while (end < this.log.length && this.log[end].t <= pos) end++;
    if (end > this.applied) {
      this.state = applyEvents(this.state, this.log.slice(this.applied, end));
      this.applied = end;
    }
    return this.state;
  }

  /** Events received but not yet folded (ahead of the play head). */
  bufferedEvents(): number {
    return this.log.length - this.applied;
  }

  /** Resolves at the next keyframe (tests and UIs that wait for a resync). */
  nextKeyframe(): Promise<void> {
    return new Promise((r) => this.keyframeWaiters.push(r));
  }

  subscribe(fn: (change: RoomChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Every newly received streamed event batch (not yet due: use t against positionNow()). */
  onEvents(fn: (events: readonly BattleEvent[], branchId: string) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  // ---- commands (each resolves to the server's ack) ---------------------------------------------

  play() {
    return this.call<{ clock: PlaybackClock }>('playback:play', {});
  }
  pause() {
    return this.call<{ clock: PlaybackClock }>('playback:pause', {});
  }
  seek(positionMs: number) {
    return this.call<{ clock: PlaybackClock }>('playback:seek', { positionMs });
  }
  setRate(rate: number) {
    return this.call<{ clock: PlaybackClock }>('playback:rate', { rate });
  }
  phase(phaseId: string) {
    return this.call<{ clock: PlaybackClock }>('playback:phase', { phaseId });
  }
  stepPhase(step: 1 | -1) {
    return this.call<{ clock: PlaybackClock }>('playback:phase', { step });
  }
  settings(patch: RoomSettingsPatch) {
    return this.call<{ settings: RoomSettings }>('room:settings', patch);
  }
  addAnnotation(p: AnnotationAddPayload) {
    return this.call<{ annotation: Annotation }>('annotation:add', p);
  }
  editAnnotation(p: AnnotationEditPayload) {
    return this.call<{ annotation: Annotation }>('annotation:edit', p);
  }
  deleteAnnotation(id: string) {
    return this.call<{ id: string }>('annotation:delete', { id });
  }
  importAnnotations(p: AnnotationImportPayload) {
    return this.call<{ imported: number }>('annotation:import', p);
  }
  fork(p: BranchForkPayload) {
    return this.call<{ branch: BranchInfo }>('branch:fork', p);
  }
  switchBranch(branchId: string) {
    return this.call<{ branchId: string; clock: PlaybackClock }>('branch:switch', { branchId });
  }

  /** One clock sample; returns the round trip in ms. */
  async ping(): Promise<number> {
    const t0 = this.now();
    const r = await this.call<{ clientTime: number; serverTime: number }>('clock:ping', { clientTime: t0 });
    const t1 = this.now();
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    this.samples.push({ t0: r.clientTime, serverTime: r.serverTime, t1 });
    if (this.samples.length > KEPT_SAMPLES) this.samples.shift();
    // Only samples about as fast as the fastest: a slow one's offset error (up to rtt/2) would drag the median.
    const rtt = (x: { t0: number; t1: number }) => x.t1 - x.t0;
    const sorted = [...this.samples].sort((a, b) => rtt(a) - rtt(b));
    const limit = rtt(sorted[0]) * 2 + 1;
    const best = sorted.filter((x) => rtt(x) <= limit).slice(0, BEST_SAMPLES);
    const sync = new ClockSync(BEST_SAMPLES);
    for (const x of best) sync.addSample(x.t0, x.serverTime, x.t1);
    this.sync = sync;
    return t1 - t0;
  }

  /** Join again (resync: fresh state, clock and keyframe). Done automatically on every connect. */
  async join(): Promise<Ack<JoinResult>> {
    const { roomId, name, role, instructorKey } = this.o;
    const kf = this.nextKeyframe();
    const r = await this.call<JoinResult>('room:join', { roomId, name, role, instructorKey, clientId: this.clientId });
    if (!r.ok) {
      this._error = `${r.error.code}: ${r.error.message}`;
      this.setStatus('error');
      return r;
    }
    this._room = r.room;
    this._you = r.you;
    this.takeClock(r.room.clock);
    this.emit('room');
    for (let i = 0; i < (this.o.pings ?? 8); i++) await this.ping().catch(() => {});
    await kf;
    for (const ms of this.o.settleMs ?? [400, 1200, 2500]) {
      const timer = setTimeout(() => void (this.closed || this.ping().catch(() => {})), ms * (0.5 + Math.random()));
      this.settleTimers.push(timer);
    }
    return r;
  }

  close(): void {
    this.closed = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const t of this.settleTimers) clearTimeout(t);
    this.socket.disconnect();
    this.listeners.clear();
    this.eventListeners.clear();
  }

  /** Raw typed emit with ack and timeout; never rejects. */
  call<T extends object>(event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<T>> {
    const timeoutMs = this.o.ackTimeoutMs ?? 10_000;
    return new Promise((resolve) => {
      // The typed overloads cannot express "any event with its payload" generically; the server validates anyway.
      const s = this.socket as unknown as { timeout(ms: number): { emit(ev: string, p: unknown, cb: (err: Error | null, res: Ack<T>) => void): void } };
      s.timeout(timeoutMs).emit(event, payload, (err, res) => {
        if (err) resolve({ ok: false, error: { code: 'INTERNAL', message: 'no acknowledgement from the server (timeout)' } });
        else resolve(res);
      });
    });
  }

  // ---- incoming ---------------------------------------------------------------------------------

  private takeClock(c: PlaybackClock): void {
    if (this._clock && c.version < this._clock.version) return;
    if (this._clock && c.version === this._clock.version && c.serverTime === this._clock.serverTime) return;
    this._clock = c;
    if (this._room) this._room = { ...this._room, clock: c };
    this.emit('clock');
  }

  private takeKeyframe(m: KeyframeMsg): void {
    const sameBranch = m.branchId === this.branchId;
    // Events we already hold past the keyframe stay valid (events are immutable facts of a branch).
    const keep = sameBranch ? this.log.filter((e) => e.seq >= m.state.nextSeq) : [];
    const contiguous = keep.length > 0 && keep[0].seq === m.state.nextSeq;
    if (m.branchId !== this.branchId && this._room) this._room = { ...this._room, branchId: m.branchId };
    this.branchId = m.branchId;
    this.base = m.state;
    this.state = m.state;
    this.log = contiguous ? keep : [];
    this.applied = 0;
    this.emit('state');
    const waiters = this.keyframeWaiters;
    this.keyframeWaiters = [];
    for (const w of waiters) w();
  }

  private takeEvents(m: TimelineEventsMsg): void {
    if (!this.base || m.branchId !== this.branchId) return;
    const expected = this.base.nextSeq + this.log.length;
    if (m.toSeq <= expected) return; // nothing new
    if (m.fromSeq > expected) {
      // A hole in the stream: our world can no longer be trusted. Resync (at most every 2 s).
      if (this.now() - this.lastRejoin > 2000 && !this.closed) {
        this.lastRejoin = this.now();
        void this.join();
      }
      return;
    }
    const fresh = m.events.filter((e) => e.seq >= expected);
    for (const e of fresh) this.log.push(e);
    // Keep memory bounded on long sessions: rebase on the folded state once plenty is applied.
    if (this.applied > 20_000 && this.state) {
      this.log = this.log.slice(this.applied);
      this.base = this.state;
      this.applied = 0;
    }
    for (const fn of this.eventListeners) fn(fresh, m.branchId);
  }

  private upsertAnnotation(a: Annotation): void {
    if (!this._room) return;
    const others = this._room.annotations.filter((x) => x.id !== a.id);
    this._room = { ...this._room, annotations: [...others, a].sort((x, y) => x.positionMs - y.positionMs) };
    this.emit('annotations');
  }

  private setStatus(s: ConnectionStatus): void {
    if (this._status === s) return;
    this._status = s;
    this.emit('connection');
  }

  private emit(c: RoomChange): void {
    for (const fn of this.listeners) fn(c);
  }
}
