import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { BranchManifest } from '../../shared/battle/segments.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { initialClock, withDuration, positionAt, type PlaybackClock } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo, Member, RoomState } from '../../shared/protocol/events.js';
import type {
  AnnotationAddPayload,
  AnnotationEditPayload,
  AnnotationImportPayload,
  CreateRoomBody,
  JoinPayload,
  RoomSettings,
  RoomSettingsPatch,
} from '../../shared/protocol/schemas.js';
import { AppError, RoomGoneError } from '../errors.js';
import type { Playhead, RoomRecord, Store } from '../store/types.js';
import type { TimelineCache } from '../timelines/TimelineCache.js';
import type { ForkedBranch, TimelineMeta } from '../timelines/TimelineService.js';
import { ForkQuota } from '../timelines/ForkQuota.js';
import { keyMatches, resolveRole } from './access.js';
import { branchInfoOf, divergenceMs } from './branching.js';
import { phaseIndexAt } from './playback.js';
import { DEFAULT_LIMITS, type LimitSettings } from '../limits/settings.js';

/** A room's playhead as a process holds it (with the room's battle, which never changes). */
export interface HeldPlayhead {
  battleId: string;
  playhead: Playhead;
}

export type RoomCaps = Pick<LimitSettings, 'roomMembers' | 'roomAnnotations' | 'roomBranches'>;

export const DEFAULT_SETTINGS: RoomSettings = { openControl: false, playersAnnotate: false, stepMode: false };

const token = (bytes: number): string => randomBytes(bytes).toString('base64url');

/** A reconnecting browser sends the same clientId and gets the same member; the hash keeps clientId private. */
export function memberIdFor(roomId: string, clientId: string | undefined): string {
  if (!clientId) return `m_${token(9)}`;
  return `m_${createHash('sha256').update(`${roomId}\0${clientId}`).digest('base64url').slice(0, 16)}`;
}

export interface ForkResult {
  branch: BranchInfo;
  created: boolean;
  /**
   * A progressive fork (`branch.complete` false, recorded for the room already): settles with the final info
   * once the compile is done and the record is updated.
   */
  completed: Promise<{ branch: BranchInfo; created: boolean }> | null;
  /**
   * The branch's manifest when the fork answered (a progressive fork's as its fork-point segment was listed): sent
   * with the ack, so the forking client folds its first frame without a manifest request first.
   */
  manifest?: BranchManifest;
}

const isFull = (tl: ForkedBranch): tl is Timeline => 'events' in tl;

/**
 * The metadata a room uses while it is on a fork still compiling here: the manifest's (phases, decision points
 * and fork so far) with the parent's duration as a provisional end (the loop holds the clock at the compiled
 * frontier, so the room never plays into it); the final metadata replaces it when the compile is over.
 * `durationMs`: the provisional end already given out (it stays put while the manifest grows: rooms' clocks carry it).
 * The phase still running at the frontier has no end yet: it gets the provisional end, so it is no step-mode stop
 * (its manifest end is only how far the compile got).
 */
function provisionalMeta(m: BranchManifest, parent: TimelineMeta, durationMs = Math.max(parent.durationMs, m.compiledMs)): TimelineMeta {
  const last = m.phases[m.phases.length - 1];
  const phases =
    last && last.endMs >= m.compiledMs ? [...m.phases.slice(0, -1), { ...last, endMs: Math.max(last.endMs, durationMs) }] : m.phases;
  return {
    battleId: m.battleId,
    branchId: m.branchId,
    parentBranchId: m.parentBranchId,
    decisions: m.decisions,
    seed: parent.seed,
    durationMs,
    eventsSha256: '',
    phases,
    decisionPoints: m.decisionPoints,
    keyframeIntervalMs: parent.keyframeIntervalMs,
    forces: parent.forces,
    outcome: { winner: null, summary: 'Still being simulated.', losses: {}, facts: [], objectives: {} },
    fork: m.fork,
    eventCount: 0,
  };
}

/** A fork compiling here: its provisional metadata, the rooms that moved onto it, and how its compile ended. */
interface Provisional {
  meta: TimelineMeta;
  parent: TimelineMeta;
  /** What of the manifest the metadata was built from changes it (phases begun, decision points reached). */
  shape: string;
  rooms: Set<string>;
  /** 'done' once the final metadata is known here; 'failed' while the rooms on it are taken back to the parent. */
  state: 'compiling' | 'done' | 'failed';
}

/**
 * A room's playhead changed because the branch it is on finished compiling (the loop broadcasts it), or because
 * that compile failed and the room went back to the fork's parent.
 */
export type SettledListener = (roomId: string, res: { playhead: Playhead; timeline: TimelineMeta }) => void;

/**
 * Where a compiling fork's manifest is seen to grow (the segment store): the provisional metadata follows it.
 * `subscribe` calls back on each move of the branch's frontier (a segment listed), not per tick.
 */
export interface ManifestFeed {
  peekManifest(battleId: string, branchId: string): { manifest: BranchManifest } | undefined;
  subscribe(battleId: string, branchId: string, fn: () => void): () => void;
}

/** The provisional metadata's inputs: a new phase (which ends the one before) or a newly reached decision point. */
const shapeOf = (m: BranchManifest): string => `${m.phases.length}/${m.decisionPoints.filter((d) => d.atMs !== null).length}`;

/** BranchInfo of a fork still compiling (from its manifest). */
function pendingBranchInfo(m: BranchManifest, createdBy: string, createdAt: number): BranchInfo {
  return {
    branchId: m.branchId,
    battleId: m.battleId,
    parentBranchId: m.parentBranchId,
    decisions: m.decisions,
    fork: m.fork,
    durationMs: m.compiledMs,
    outcome: { winner: null, summary: 'Still being simulated.', losses: {}, facts: [], objectives: {} },
    createdBy,
    createdAt,
    complete: false,
    compiledMs: m.compiledMs,
  };
}

/** A room deleted meanwhile: nothing to do, and nothing to log (an unknown branch, also NOT_FOUND, is logged). */
const gone = (err: unknown): boolean => err instanceof RoomGoneError;

export interface Loaded {
  room: RoomRecord;
  playhead: Playhead;
  /** The branch's metadata (no events: commands never need them). */
  timeline: TimelineMeta;
}

/**
 * Room use cases over the store and the timelines. No sockets here: the socket layer checks roles,
 * calls these, and emits what they return.
 */
export class RoomService {
  constructor(
    private readonly store: Store,
    readonly timelines: TimelineCache,
    private readonly now: () => number,
    /** Per-room caps (LIMIT_REACHED past them). */
    private readonly caps: RoomCaps = DEFAULT_LIMITS,
    /** Pending forks per room / address / in total (RATE_LIMITED past them). */
    readonly forkQuota: ForkQuota = new ForkQuota(undefined, now),
    /** Growing manifests of forks compiling here (none: the provisional metadata stays as at the fork). */
    private readonly manifests?: ManifestFeed,
    /** Failures no caller hears of (a room's settle or revert after a fork's compile ended). */
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  /** Forks compiling in this process that a room may already be on, by `battleId/branchId`. */
  private readonly provisional = new Map<string, Provisional>();
  private readonly settledListeners = new Set<SettledListener>();
  private readonly provisionalListeners = new Set<(battleId: string, branchId: string) => void>();

  /**
   * Hear of a room whose clock changed when its branch finished compiling, or went back to the fork's parent when
   * that compile failed (the app wires the playback loop).
   */
  onBranchSettled(fn: SettledListener): () => void {
    this.settledListeners.add(fn);
    return () => this.settledListeners.delete(fn);
  }

  /**
   * Hear of a compiling fork whose provisional metadata changed (its manifest began a phase or reached a decision
   * point): the stops of rooms on it are to be planned again (the app wires the playback loop).
   */
  onProvisionalChanged(fn: (battleId: string, branchId: string) => void): () => void {
    this.provisionalListeners.add(fn);
    return () => this.provisionalListeners.delete(fn);
  }

  async createRoom(body: CreateRoomBody): Promise<{ room: RoomRecord; playhead: Playhead }> {
    const canonical = await this.timelines.service.canonicalBranchId(body.battleId);
    if (!canonical) throw new AppError('NOT_FOUND', `unknown battle ${body.battleId}`);
    const branchId = body.branchId ?? canonical;
    const tl = await this.timelines.meta(body.battleId, branchId);
    if (!tl) throw new AppError('NOT_FOUND', `unknown branch ${branchId}`);
    const room: RoomRecord = {
      roomId: token(6),
      battleId: body.battleId,
      instructorKey: token(18),
      settings: { ...DEFAULT_SETTINGS, ...body.settings },
      createdAt: this.now(),
    };
    const playhead: Playhead = { branchId, clock: initialClock(tl.durationMs, this.now()) };
    await this.store.createRoom(room, playhead);
    if (branchId !== canonical) await this.store.addBranch(room.roomId, branchInfoOf(tl, null, this.now()));
    return { room, playhead };
  }

  async room(roomId: string): Promise<RoomRecord> {
    const room = await this.store.getRoom(roomId);
    if (!room) throw new RoomGoneError(roomId);
    return room;
  }

  /**
   * A branch's metadata, what every room command reads: kept on this thread, else asked of the service without
   * the events. Decisions for branches this process never compiled come from the room's branch records.
   */
  async metaOf(roomId: string, battleId: string, branchId: string): Promise<TimelineMeta> {
    // A fork still compiling: its provisional metadata now (the final one would wait for the whole compile).
    const compiling = this.provisional.get(`${battleId}/${branchId}`);
    if (compiling) return compiling.meta;
    const held = this.timelines.peekMeta(battleId, branchId);
    const meta = held
      ? await held
      : await this.timelines.meta(battleId, branchId, (await this.store.getBranch(roomId, branchId))?.decisions);
    if (!meta) throw new AppError('NOT_FOUND', `unknown branch ${branchId}`);
    return meta;
  }

  /**
   * A branch's whole timeline (events and keyframes), for socket delivery and the HTTP timeline route only;
   * decisions for branches this process never compiled come from the room's branch records.
   */
  async timelineOf(roomId: string, battleId: string, branchId: string): Promise<Timeline> {
    const hit = this.timelines.peek(battleId, branchId);
    if (hit) return hit;
    let decisions: DecisionChoice[] | undefined;
    const record = await this.store.getBranch(roomId, branchId);
    if (record) decisions = record.decisions;
    const tl = await this.timelines.get(battleId, branchId, decisions);
    if (!tl) throw new AppError('NOT_FOUND', `unknown branch ${branchId}`);
    return tl;
  }

  /** How to rebuild a branch the room recorded (lets a process that never compiled it serve it). */
  async branchRecipe(roomId: string, branchId: string): Promise<{ decisions: DecisionChoice[]; forkDecisionId?: string } | undefined> {
    const b = await this.store.getBranch(roomId, branchId);
    return b && { decisions: b.decisions, ...(b.fork ? { forkDecisionId: b.fork.decisionId } : {}) };
  }

  async load(roomId: string): Promise<Loaded> {
    const [room, playhead] = await Promise.all([this.room(roomId), this.store.getPlayhead(roomId)]);
    if (!playhead) throw new RoomGoneError(roomId);
    return { room, playhead, timeline: await this.metaOf(roomId, room.battleId, playhead.branchId) };
  }

  async state(roomId: string): Promise<RoomState> {
    const { room, playhead } = await this.load(roomId);
    const [members, annotations, branches] = await Promise.all([
      this.store.listMembers(roomId),
      this.store.listAnnotations(roomId),
      this.store.listBranches(roomId),
    ]);
    return {
      roomId,
      battleId: room.battleId,
      branchId: playhead.branchId,
      settings: room.settings,
      clock: playhead.clock,
      members,
      annotations,
      branches,
    };
  }

  async join(p: JoinPayload): Promise<{ member: Member; loaded: Loaded }> {
    const loaded = await this.load(p.roomId);
    const memberId = memberIdFor(p.roomId, p.clientId);
    const existing = p.clientId ? await this.store.getMember(p.roomId, memberId) : null;
    const role = resolveRole(p.role, keyMatches(p.instructorKey, loaded.room.instructorKey), existing);
    const member: Member = { memberId, name: p.name, role, connected: true };
    // Atomic check-and-add: only present members fill places, so departed ones never keep a class out.
    if (!(await this.store.admitMember(p.roomId, member, this.caps.roomMembers))) {
      throw new AppError('LIMIT_REACHED', `room is full (${this.caps.roomMembers} members present)`);
    }
    return { member, loaded };
  }

  async setConnected(roomId: string, memberId: string, connected: boolean): Promise<void> {
    const m = await this.store.getMember(roomId, memberId);
    if (m && m.connected !== connected) await this.store.upsertMember(roomId, { ...m, connected });
  }

  members(roomId: string): Promise<Member[]> {
    return this.store.listMembers(roomId);
  }

  async updateSettings(roomId: string, patch: RoomSettingsPatch): Promise<RoomSettings> {
    const room = await this.store.updateSettings(roomId, patch);
    if (!room) throw new RoomGoneError(roomId);
    return room.settings;
  }

  /**
   * Change the playhead with compare-and-set, retrying on a concurrent change from another
   * command or process. `fn` returns null to leave it unchanged.
   *
   * `held`: the playhead this process already holds for the room (the playback loop's), written against
   * without reading the store first: a command then costs the store one round trip, the write. A stale one only
   * loses the compare-and-set, which answers with the current playhead for the retry. What `fn` says about a
   * held playhead (null, or an error) is not trusted until it has been checked against the store.
   */
  async updatePlayhead(
    roomId: string,
    fn: (ph: Playhead, tl: TimelineMeta) => Playhead | null | Promise<Playhead | null>,
    held?: HeldPlayhead | null,
  ): Promise<{ playhead: Playhead; timeline: TimelineMeta; changed: boolean }> {
    let cur: HeldPlayhead | null = held ?? null;
    let checked = !held; // a playhead just read (or returned by a lost CAS) is the store's
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!cur) {
        const loaded = await this.load(roomId);
        cur = { battleId: loaded.room.battleId, playhead: loaded.playhead };
        checked = true;
      }
      const { battleId, playhead } = cur;
      let next: Playhead | null;
      let timeline: TimelineMeta;
      try {
        timeline = await this.metaOf(roomId, battleId, playhead.branchId);
        next = await fn(playhead, timeline);
      } catch (err) {
        if (checked) throw err;
        cur = null; // judged on a possibly stale playhead: judge again on the store's
        continue;
      }
      if (!next) {
        if (checked) return { playhead, timeline, changed: false };
        cur = null;
        continue;
      }
      const res = await this.store.casPlayhead(roomId, playhead.clock.version, next);
      if (res.ok) {
        const tl = next.branchId === playhead.branchId ? timeline : await this.metaOf(roomId, battleId, next.branchId);
        return { playhead: next, timeline: tl, changed: true };
      }
      if (!res.current) throw new RoomGoneError(roomId);
      cur = { battleId, playhead: res.current };
      checked = true;
    }
    throw new AppError('CONFLICT', 'the room changed concurrently; retry');
  }

  // ---- annotations -------------------------------------------------------------------------

  private phaseOf(tl: TimelineMeta, positionMs: number): string | undefined {
    const i = phaseIndexAt(tl.phases, positionMs);
    return i >= 0 ? tl.phases[i].id : undefined;
  }

  async addAnnotation(roomId: string, member: Member, p: AnnotationAddPayload): Promise<{ created: boolean; annotation: Annotation }> {
    const { playhead, timeline } = await this.load(roomId);
    const now = this.now();
    const positionMs = Math.min(p.positionMs, timeline.durationMs);
    const a: Annotation = {
      id: p.id,
      roomId,
      branchId: playhead.branchId,
      positionMs,
      text: p.text,
      phaseId: p.phaseId ?? this.phaseOf(timeline, positionMs),
      ...(p.at ? { at: p.at } : {}),
      ...(p.to ? { to: p.to } : {}),
      ...(p.stop ? { stop: true } : {}),
      author: member.name,
      authorId: member.memberId,
      authorRole: member.role,
      createdAt: now,
      updatedAt: now,
    };
    const res = await this.store.addAnnotationsCapped(roomId, [a], this.caps.roomAnnotations);
    if (res.full) throw this.annotationCap();
    return res.results[0];
  }

  async annotation(roomId: string, id: string): Promise<Annotation> {
    const a = await this.store.getAnnotation(roomId, id);
    if (!a) throw new AppError('NOT_FOUND', `no annotation ${id}`);
    return a;
  }

  async editAnnotation(a: Annotation, p: AnnotationEditPayload): Promise<Annotation> {
    const next: Annotation = { ...a, updatedAt: this.now() };
    if (p.text !== undefined) next.text = p.text;
    if (p.positionMs !== undefined) next.positionMs = p.positionMs;
    if (p.stop !== undefined) next.stop = p.stop;
    if (p.phaseId !== undefined) p.phaseId === null ? delete next.phaseId : (next.phaseId = p.phaseId);
    if (p.at !== undefined) p.at === null ? delete next.at : (next.at = p.at);
    if (p.to !== undefined) p.to === null ? delete next.to : (next.to = p.to);
    if (!(await this.store.updateAnnotation(next))) throw new AppError('NOT_FOUND', `no annotation ${a.id}`);
    return next;
  }

  async deleteAnnotation(roomId: string, id: string): Promise<boolean> {
    return this.store.deleteAnnotation(roomId, id);
  }

  /** Import an export (GET /api/rooms/:id/annotations): ids are kept, so importing twice is harmless. */
  async importAnnotations(roomId: string, member: Member, p: AnnotationImportPayload): Promise<Annotation[]> {
    const { playhead, timeline } = await this.load(roomId);
    const now = this.now();
    const list = p.annotations.map((item): Annotation => {
      const a: Annotation = {
        id: item.id,
        roomId,
        branchId: item.branchId ?? playhead.branchId,
        // Another branch may be longer; on the current one a position past the end is clamped as in addAnnotation.
        positionMs:
          item.branchId === undefined || item.branchId === playhead.branchId
            ? Math.min(item.positionMs, timeline.durationMs)
            : item.positionMs,
        text: item.text,
        phaseId:
          item.phaseId ??
          (item.branchId === undefined || item.branchId === playhead.branchId ? this.phaseOf(timeline, item.positionMs) : undefined),
        ...(item.at ? { at: item.at } : {}),
        ...(item.to ? { to: item.to } : {}),
        ...(item.stop ? { stop: true } : {}),
        author: item.author ?? member.name,
        authorId: member.memberId,
        authorRole: member.role,
        createdAt: now,
        updatedAt: now,
      };
      if (a.phaseId === undefined) delete a.phaseId;
      return a;
    });
    // All or nothing: an import that would pass the cap imports none of its new annotations.
    const res = await this.store.addAnnotationsCapped(roomId, list, this.caps.roomAnnotations);
    if (res.full) throw this.annotationCap();
    return res.results.filter((r) => r.created).map((r) => r.annotation);
  }

  private annotationCap(): AppError {
    return new AppError('LIMIT_REACHED', `room holds its maximum of ${this.caps.roomAnnotations} annotations`);
  }

  private branchCap(): AppError {
    return new AppError('LIMIT_REACHED', `room holds its maximum of ${this.caps.roomBranches} what-if branches`);
  }

  annotations(roomId: string, branchId?: string): Promise<Annotation[]> {
    return this.store.listAnnotations(roomId, branchId);
  }

  // ---- branches ----------------------------------------------------------------------------

  branches(roomId: string): Promise<BranchInfo[]> {
    return this.store.listBranches(roomId);
  }

  /**
   * Fork from the room's current branch. `created` is false when the branch was already in the room, or when
   * the choices lead back to history (the trunk is never stored as a room branch). A progressive fork returns
   * as soon as the segment holding the fork point is built: `branch.complete` is false, and `completed`
   * settles when the compile is done.
   */
  async fork(roomId: string, member: Member, choice: DecisionChoice, fromBranchId?: string, address = 'local'): Promise<ForkResult> {
    const loaded = await this.load(roomId);
    const room = loaded.room;
    // `fromBranchId`: a vote forks from the branch it was opened on, even if the room moved since.
    const timeline =
      fromBranchId && fromBranchId !== loaded.timeline.branchId ? await this.metaOf(roomId, room.battleId, fromBranchId) : loaded.timeline;
    // Checked before compiling: a full room costs no compile. (At the cap even a fork that names a known branch is refused.)
    // The exact check is atomic, when the branch is recorded (two processes may both pass this one).
    if ((await this.store.listBranches(roomId)).length >= this.caps.roomBranches) throw this.branchCap();
    const release = this.forkQuota.acquire(roomId, address);
    let onStarted!: (m: BranchManifest) => void;
    const started = new Promise<BranchManifest>((resolve) => (onStarted = resolve));
    const compiled = this.timelines.service.fork(room.battleId, timeline.branchId, choice, timeline.decisions, onStarted);
    compiled.then(release, release); // the slot is held until the compile is over
    compiled.catch(() => {}); // surfaced through `first` or `completed`
    const first = await Promise.race([started, compiled]);
    const manifest = 'segments' in first ? { manifest: first } : {};
    if (!('segments' in first) || first.complete)
      return { ...(await this.recordBranch(roomId, await compiled, member)), completed: null, ...manifest };
    this.trackCompiling(first, timeline, compiled);
    return { ...(await this.recordPending(roomId, first, compiled, member)), ...manifest };
  }

  /**
   * Keep a provisional metadata for a fork while it compiles (a switch to it answers at once), following its manifest
   * as it grows; then settle the rooms that moved onto it: their clocks take the branch's real end, or, if the
   * compile failed, they go back to the fork's parent.
   */
  private trackCompiling(m: BranchManifest, parent: TimelineMeta, compiled: Promise<ForkedBranch>): void {
    const key = `${m.battleId}/${m.branchId}`;
    if (this.provisional.has(key)) return;
    const entry: Provisional = { meta: provisionalMeta(m, parent), parent, shape: shapeOf(m), rooms: new Set(), state: 'compiling' };
    this.provisional.set(key, entry);
    const unfollow = this.followManifest(entry, m.battleId, m.branchId);
    compiled.then(
      (tl) => {
        unfollow();
        this.remember(tl);
        entry.state = 'done';
        this.provisional.delete(key);
        for (const roomId of entry.rooms) void this.settle(roomId, m.branchId);
      },
      async () => {
        unfollow();
        entry.state = 'failed';
        // The provisional metadata stays until the rooms are back on the parent: reading the failed branch's metadata
        // any other way would compile it again.
        await Promise.all([...entry.rooms].map((roomId) => this.revert(roomId, entry.meta)));
        this.provisional.delete(key);
      },
    );
  }

  /**
   * Rebuild the provisional metadata when the growing manifest begins a phase or reaches a decision point (checked
   * on each segment listed: a count, not a rebuild, in the common case), and say so: the rooms' stops change.
   */
  private followManifest(entry: Provisional, battleId: string, branchId: string): () => void {
    const feed = this.manifests;
    if (!feed) return () => {};
    const check = () => {
      const m = feed.peekManifest(battleId, branchId)?.manifest;
      if (!m || m.complete || entry.state !== 'compiling') return;
      const shape = shapeOf(m);
      if (shape === entry.shape) return;
      entry.shape = shape;
      entry.meta = provisionalMeta(m, entry.parent, entry.meta.durationMs);
      for (const fn of this.provisionalListeners) fn(battleId, branchId);
    };
    const off = feed.subscribe(battleId, branchId, check);
    check(); // it may have grown between the fork's first segment and now
    return off;
  }

  /**
   * A room on a fork whose compile failed goes back to the fork's parent, as a switch would take it (the same
   * position while it is before the fork point, else the fork point), paused: the what-if has no more to play.
   */
  private async revert(roomId: string, failed: TimelineMeta): Promise<void> {
    const parentId = failed.parentBranchId;
    if (!parentId) return;
    try {
      const parent = await this.metaOf(roomId, failed.battleId, parentId);
      // Compare-and-set without updatePlayhead: it would read the failed branch's metadata, which (once the
      // provisional one is gone) means compiling it again.
      let ph = await this.store.getPlayhead(roomId);
      for (let attempt = 0; ph && ph.branchId === failed.branchId && attempt < 5; attempt++) {
        const now = this.now();
        const pos = Math.min(positionAt(ph.clock, now), divergenceMs(failed, parent));
        const next: Playhead = { branchId: parentId, clock: { ...withDuration(ph.clock, now, parent.durationMs, pos), state: 'paused' } };
        const res = await this.store.casPlayhead(roomId, ph.clock.version, next);
        if (res.ok) {
          for (const fn of this.settledListeners) fn(roomId, { playhead: next, timeline: parent });
          return;
        }
        ph = res.current ?? null;
      }
    } catch (err) {
      // The room is gone: nothing to take back. Else (the store failed) the room stays on the failed branch: said,
      // since no caller hears of it.
      if (!gone(err))
        this.logger?.warn(
          { err, roomId, branchId: failed.branchId, parentBranchId: parentId },
          'failed fork: room not taken back to its parent',
        );
    }
  }

  /**
   * A room on a branch that just finished compiling: its clock takes the real end. A clock held at the frontier (or
   * stopped at a provisional end the branch runs past) plays on ('resume'); one at or past the real end (a shorter
   * fork) stops there ('end'). The loop's own resume may have won the race: then only the end changes.
   */
  private async settle(roomId: string, branchId: string): Promise<void> {
    try {
      const res = await this.updatePlayhead(roomId, (ph, tl) => {
        if (ph.branchId !== branchId) return null;
        const c = ph.clock;
        const end = tl.durationMs;
        const held = c.state === 'paused' && (c.reason === 'hold' || (c.reason === 'end' && c.positionMs < end));
        if (c.durationMs === end && !held) return null;
        const now = this.now();
        const pos = Math.min(positionAt(c, now), end);
        const next: PlaybackClock = { ...c, durationMs: end, positionMs: pos, serverTime: now, version: c.version + 1 };
        const clock: PlaybackClock =
          pos >= end ? { ...next, state: 'paused', reason: 'end' } : held ? { ...next, state: 'playing', reason: 'resume' } : next;
        return { ...ph, clock };
      });
      if (res.changed) for (const fn of this.settledListeners) fn(roomId, res);
    } catch (err) {
      // The room is gone, or the store is down (said): its next command reads the final metadata anyway.
      if (!gone(err)) this.logger?.warn({ err, roomId, branchId }, 'compiled fork: room clock not settled');
    }
  }

  private readonly pendingRecords = new Map<string, Promise<ForkResult>>();

  /**
   * Record a fork still compiling for the room now (so any process can rebuild it from the record), and
   * replace the record with the final info when it completes (`completed`).
   */
  private recordPending(roomId: string, m: BranchManifest, compiled: Promise<ForkedBranch>, member: Member): Promise<ForkResult> {
    const k = `${roomId}/${m.branchId}`;
    const running = this.pendingRecords.get(k);
    if (running) return running.then((r) => ({ branch: r.branch, created: false, completed: null }));
    const p = (async (): Promise<ForkResult> => {
      const existing = await this.store.getBranch(roomId, m.branchId);
      if (existing) return { branch: existing, created: false, completed: null };
      const pending = pendingBranchInfo(m, member.name, this.now());
      if ((await this.store.addBranch(roomId, pending, this.caps.roomBranches)) === 'full') throw this.branchCap();
      const completed = compiled.then(async (tl) => {
        this.remember(tl);
        const info = branchInfoOf(tl, member.name, pending.createdAt);
        await this.store.updateBranch(roomId, info);
        return { branch: info, created: true };
      });
      completed.finally(() => this.pendingRecords.delete(k)).catch(() => {});
      return { branch: pending, created: true, completed };
    })();
    this.pendingRecords.set(k, p);
    p.catch(() => this.pendingRecords.delete(k));
    return p;
  }

  private readonly recording = new Map<string, Promise<{ branch: BranchInfo; created: boolean }>>();

  /** Record a compiled fork for the room, once: concurrent asks for one fork share the first (created once). */
  private recordBranch(roomId: string, tl: ForkedBranch, member: Member): Promise<{ branch: BranchInfo; created: boolean }> {
    const k = `${roomId}/${tl.branchId}`;
    const running = this.recording.get(k);
    if (running) return running.then((r) => ({ branch: r.branch, created: false }));
    const p = this.recordBranchOnce(roomId, tl, member);
    this.recording.set(k, p);
    const done = () => this.recording.delete(k);
    p.then(done, done);
    return p;
  }

  private async recordBranchOnce(roomId: string, tl: ForkedBranch, member: Member): Promise<{ branch: BranchInfo; created: boolean }> {
    this.remember(tl);
    if (tl.branchId === (await this.timelines.service.canonicalBranchId(tl.battleId))) {
      return { branch: branchInfoOf(tl, null, this.now()), created: false };
    }
    const existing = await this.store.getBranch(roomId, tl.branchId);
    if (existing) return { branch: existing, created: false };
    const info = branchInfoOf(tl, member.name, this.now());
    const added = await this.store.addBranch(roomId, info, this.caps.roomBranches);
    if (added === 'full') throw this.branchCap();
    if (added === 'exists') {
      const raced = await this.store.getBranch(roomId, tl.branchId);
      if (raced) return { branch: raced, created: false };
    }
    return { branch: info, created: true };
  }

  /** A compiled fork: its whole timeline when the service gave it (in-process), else its metadata (a worker's). */
  private remember(tl: ForkedBranch): void {
    if (isFull(tl)) this.timelines.put(tl);
    else this.timelines.putMeta(tl);
  }

  /** Move the room to a known branch: keep the position while it is in the shared part, else go to the divergence. */
  async switchBranch(roomId: string, branchId: string): Promise<{ playhead: Playhead; timeline: TimelineMeta; changed: boolean }> {
    const room = await this.room(roomId);
    const canonical = await this.timelines.service.canonicalBranchId(room.battleId);
    const known = branchId === canonical || (await this.store.getBranch(roomId, branchId)) !== undefined;
    if (!known) throw new AppError('NOT_FOUND', `branch ${branchId} is not in this room; fork it first`);
    // On a fork still compiling: the room's clock is settled when the compile is over (trackCompiling). Noted before
    // the metadata is read, so a compile ending meanwhile still settles this room.
    const key = `${room.battleId}/${branchId}`;
    const compiling = this.provisional.get(key);
    compiling?.rooms.add(roomId);
    const target = await this.metaOf(roomId, room.battleId, branchId);
    const res = await this.updatePlayhead(roomId, (ph, tl) => {
      if (ph.branchId === branchId) return null;
      const now = this.now();
      const pos = Math.min(positionAt(ph.clock, now), divergenceMs(tl, target));
      return { branchId, clock: withDuration(ph.clock, now, target.durationMs, pos) };
    });
    // It finished (or failed) while this switch was being written: settle (or take back) now, after the caller
    // applies this switch.
    if (compiling?.state === 'done') void this.settle(roomId, branchId);
    else if (compiling?.state === 'failed') void this.revert(roomId, compiling.meta);
    return { playhead: res.playhead, timeline: res.timeline, changed: res.changed };
  }
}
