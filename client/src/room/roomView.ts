import { getBattle, getManifest } from '../api.js';
import { clear, el, setText } from '../dom.js';
import { clientId, getInstructorKey, nameOrGuest } from '../prefs.js';
import type { RoomContext, RoomFeature } from './context.js';
import { bindKeyboard } from './keyboard.js';
import { SidePanel } from './panel/sidePanel.js';
import { seriesFromManifest } from './panel/strengthChart.js';
import { must, permissions } from './roomHandle.js';
import { TacticalView } from './tactical/tacticalView.js';
import { FrameMeter, unitPositionsAt } from './testHooks.js';
import { TimelineBar } from './timeline/timelineBar.js';
import { browserSegments } from '../segments/workerSegments.js';
import type { BranchManifest } from '../../../shared/battle/segments.js';
import type { BattleInfo } from '../../../shared/battle/timeline.js';
import { RoomClient, type Delivery } from '../../lib/roomClient.js';

// The room page: tactical canvas (main), timeline bar (below), side panel (right; under the map
// on narrow screens). One requestAnimationFrame loop renders everything at the shared position.
// The world comes as segments over HTTP (client/lib/segmentWorld.ts); the phase bands, decision
// markers and strength chart come from the branch's manifest. `?delivery=socket` uses the socket stream.

/** Per frame while playing: ~0.8 s of a 20,000-unit battle's events (16x at 60 fps needs ~1,300), an eighth of its start. */
const FRAME_BUDGET = { events: 4_000, units: 2_500 };

export interface RoomRoute {
  roomId: string;
  role?: 'instructor' | 'player' | 'viewer';
  /** Default 'segments'. */
  delivery?: Delivery;
}

export function mountRoom(root: HTMLElement, route: RoomRoute, features: readonly RoomFeature[] = []): RoomContext {
  clear(root);
  const instructorKey = getInstructorKey(route.roomId) ?? undefined;
  const session = new RoomClient({
    url: window.location.origin,
    roomId: route.roomId,
    name: nameOrGuest(),
    role: instructorKey ? undefined : route.role,
    instructorKey,
    clientId: clientId(),
    delivery: route.delivery ?? 'segments',
    segments: browserSegments(),
    // Playing a 20,000-unit battle at 16x, a segment that lands late would otherwise be unpacked and folded in
    // one frame (tens to hundreds of ms): a few ms of it per frame instead (docs/benchmarks.md, issue #14).
    budget: FRAME_BUDGET,
  });

  const tactical = new TacticalView();
  const guard = (p: Promise<void>): void => {
    p.catch((err: Error) => flash(err.message));
  };
  const timeline = new TimelineBar({
    play: () => guard(must(session.play())),
    pause: () => guard(must(session.pause())),
    seek: (ms) => guard(must(session.seek(Math.max(0, ms)))),
    setRate: (r) => guard(must(session.setRate(r))),
    stepPhase: (s) => guard(must(session.stepPhase(s))),
  });
  const side = new SidePanel();

  const title = el('h1', { class: 'room-title', text: 'Wardroom' });
  const roleBadge = el('span', { class: 'badge role-badge', 'data-testid': 'role-badge' });
  const connBadge = el('span', { class: 'badge conn-badge', 'data-testid': 'connection-badge', hidden: true });
  const toast = el('div', { class: 'toast', role: 'alert', hidden: true });
  const overlay = el('div', { class: 'overlay', hidden: true, 'data-testid': 'room-overlay' });
  const invite = inviteMenu(route.roomId);
  const header = el(
    'header',
    { class: 'room-head' },
    el('a', { href: '/', class: 'home', title: 'Back to the lobby', text: '◀ Lobby' }),
    title,
    el('span', { class: 'room-id', text: `Room ${route.roomId}` }),
    el('span', { class: 'spacer' }),
    connBadge,
    roleBadge,
    invite,
  );
  const mainCol = el('div', { class: 'main-col' }, tactical.root, timeline.root);
  root.append(el('div', { class: 'room' }, header, el('div', { class: 'room-body' }, mainCol, side.root), toast, overlay));

  let battle: BattleInfo | null = null;
  let battleId: string | null = null;
  let branchId: string | null = null;
  let toastTimer = 0;
  function flash(msg: string): void {
    toast.textContent = msg;
    toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => (toast.hidden = true), 3500);
  }

  let battleLoaded: Promise<BattleInfo> | null = null;
  /** The branch whose manifest drew the phase bands and the chart (and whether its strength series was in). */
  let drawnManifest: { branchId: string; compiledMs: number; charted: boolean } | null = null;
  async function loadBattle(id: string): Promise<BattleInfo> {
    const { battle: info, timeline: history } = await getBattle(id);
    battle = info;
    setText(title, info.title);
    document.title = `${info.title} · Wardroom`;
    tactical.setBattle(info);
    // Forces at the start are the same on every branch (a fork changes what happens, not who is there).
    side.setSides(info.sides, history.forces);
    // The history summary gives the phase bands at once; the branch manifest (below) replaces them.
    if (branchId === null || branchId === history.branchId)
      timeline.setTimeline(history.durationMs, history.phases, history.decisionPoints);
    else timeline.setTimeline(info.durationMs, [], []);
    drawnManifest = null;
    applyManifest();
    return info;
  }

  /** Phase bands, decision markers and the strength chart from the room branch's manifest. */
  /** Socket delivery holds no manifest: the page reads the room branch's one itself (chart and bands). */
  let ownManifest: BranchManifest | null = null;
  function loadOwnManifest(bId: string, brId: string): void {
    if (session.delivery !== 'socket') return;
    getManifest(bId, brId, { room: route.roomId }).then(
      (m) => {
        ownManifest = m;
        applyManifest();
        if (!m.complete && brId === branchId) window.setTimeout(() => brId === branchId && loadOwnManifest(bId, brId), 1000);
      },
      (err: Error) => flash(`Could not load the timeline: ${err.message}`),
    );
  }

  function applyManifest(): void {
    const m = session.manifest() ?? ownManifest;
    if (!m || !battle || m.branchId !== branchId) return;
    const charted = m.strength !== null;
    if (
      drawnManifest &&
      drawnManifest.branchId === m.branchId &&
      drawnManifest.compiledMs === m.compiledMs &&
      drawnManifest.charted === charted
    )
      return;
    timeline.setTimeline(
      m.complete ? m.durationMs : Math.max(m.durationMs, session.clock()?.durationMs ?? 0),
      m.phases,
      m.decisionPoints,
      !m.complete,
    );
    if (m.strength) side.chart.setData(seriesFromManifest(m.strength, m.durationMs, battle.sides), battle.sides, m.durationMs);
    drawnManifest = { branchId: m.branchId, compiledMs: m.compiledMs, charted };
  }

  function refreshRoom(): void {
    const room = session.room();
    const you = session.you();
    if (!room) return;
    if (room.battleId !== battleId) {
      battleId = room.battleId;
      branchId = null;
      battleLoaded = loadBattle(room.battleId);
      battleLoaded.catch((err: Error) => flash(`Could not load the battle: ${err.message}`));
    }
    if (room.branchId !== branchId) {
      branchId = room.branchId;
      tactical.fx.reset(branchId);
      loadOwnManifest(room.battleId, room.branchId);
      applyManifest();
    }
    side.setMembers(room.members, you?.memberId ?? null);
    const control = permissions(session).control;
    timeline.setEnabled(control);
    setText(roleBadge, you ? you.role : '');
    roleBadge.className = `badge role-badge role-${you?.role ?? 'none'}`;
  }

  function refreshConnection(): void {
    const c = session.connection();
    connBadge.hidden = c === 'connected';
    connBadge.className = `badge conn-badge conn-${c}`;
    setText(connBadge, c === 'reconnecting' ? 'reconnecting…' : c === 'connecting' ? 'connecting…' : c === 'error' ? 'offline' : '');
    const err = session.lastError();
    if (c === 'error' && err && !session.room()) {
      clear(overlay);
      overlay.append(
        el(
          'div',
          { class: 'overlay-box' },
          el('h2', { text: 'Cannot join this room' }),
          el('p', { text: err }),
          el('a', { href: '/', class: 'button primary', text: 'Back to the lobby' }),
        ),
      );
      overlay.hidden = false;
    } else if (session.room()) overlay.hidden = true;
  }

  session.subscribe((change) => {
    if (change === 'room' || change === 'presence' || change === 'branch' || change === 'state') refreshRoom();
    if (change === 'connection') refreshConnection();
    if (change === 'manifest' || change === 'branch') applyManifest();
  });
  session.onEvents((events, brId) => {
    if (brId === branchId) tactical.fx.add(events);
  });
  // A what-if whose simulation could not be finished (docs/protocol.md, branch:failed): say so, or it would look
  // "still being simulated" for good.
  session.socket.on('branch:failed', (m) => flash(`A what-if could not be simulated (${m.error.message}). Fork it again.`));
  refreshConnection();
  refreshRoom();

  bindKeyboard({
    enabled: () => timeline.controlsEnabled,
    room: session,
    onError: flash,
  });

  // The render loop. Everything reads the shared position once per frame.
  const meter = new FrameMeter();
  const frame = (): void => {
    const start = performance.now();
    const pos = session.positionNow();
    const state = session.stateNow();
    const folded = performance.now();
    const clock = session.clock();
    tactical.draw({ state, positionMs: pos, rate: clock?.rate ?? 1 });
    timeline.update(pos, clock, state);
    side.update(state, pos, state ? tactical.unitList(state) : undefined);
    meter.record(start, performance.now(), folded - start);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  window.__wardroom = {
    positionMs: () => session.positionNow(),
    unitPositions: (atMs?: number) => unitPositionsAt(session.stateNow(), atMs ?? session.positionNow()),
    get clockVersion() {
      return session.clock()?.version ?? 0;
    },
    get clockRttMs() {
      return session.sync.rtt;
    },
    get durationMs() {
      return session.clock()?.durationMs ?? battle?.durationMs ?? 0;
    },
    get timelineLoaded() {
      return drawnManifest !== null && drawnManifest.branchId === branchId && drawnManifest.charted;
    },
    get delivery() {
      return session.delivery;
    },
    segments: () => {
      const w = session.segmentWorld();
      const m = session.manifest();
      const bounds = (m?.segments ?? []).map((s): [number, number] => [s.startMs, s.endMs]);
      return {
        branchId: w?.branchId ?? null,
        fetched: [...(w?.fetched ?? [])],
        compiledMs: m?.compiledMs ?? null,
        complete: m?.complete ?? null,
        bounds,
        worker: { asked: browserSegments().asked, delivered: browserSegments().delivered },
      };
    },
    get stateBranchId() {
      return session.stateBranchId();
    },
    get worldT() {
      return session.stateNow()?.t ?? null;
    },
    get ready() {
      return battle !== null && session.room() !== null && session.stateNow() !== null && session.connection() === 'connected';
    },
    get role() {
      return session.you()?.role ?? null;
    },
    get controlsEnabled() {
      return timeline.controlsEnabled;
    },
    get connection() {
      return session.connection();
    },
    drawnUnits: () => tactical.drawnUnits(),
    get unitRenderer() {
      return tactical.unitRenderer;
    },
    frameStats: () => {
      const st = session.stateNow();
      return meter.stats(st ? Object.keys(st.units).length : 0);
    },
    resetFrameStats: () => meter.reset(),
  };

  const ctx: RoomContext = { room: session, tactical, timeline, side, battle: () => battle };
  for (const feature of features) {
    try {
      feature(ctx);
    } catch (err) {
      // One broken feature must not take the tactical view down with it.
      console.error('room feature failed', err);
    }
  }
  return ctx;
}

function inviteMenu(roomId: string): HTMLElement {
  const origin = window.location.origin;
  const row = (label: string, link: string, testId: string): HTMLElement => {
    const input = el('input', { type: 'text', readonly: true, 'data-testid': testId });
    input.value = link;
    input.addEventListener('focus', () => input.select());
    return el('label', { class: 'invite-row' }, el('span', { text: label }), input);
  };
  return el(
    'details',
    { class: 'invite' },
    el('summary', { text: 'Invite' }),
    el(
      'div',
      { class: 'invite-box' },
      row('Viewers', `${origin}/room/${roomId}`, 'invite-viewer'),
      row('Players', `${origin}/room/${roomId}?role=player`, 'invite-player'),
    ),
  );
}
