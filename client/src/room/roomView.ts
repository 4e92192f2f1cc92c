import { getBattle } from '../api.js';
import { clear, el, setText } from '../dom.js';
import { clientId, getInstructorKey, nameOrGuest } from '../prefs.js';
import { roomFeatures } from './features.js';
import { bindKeyboard } from './keyboard.js';
import { SidePanel } from './panel/sidePanel.js';
import { seriesFromPoints } from './panel/strengthChart.js';
import { loadTimelineDigest } from './timelineData.js';
import { canControl, type RoomSession } from './session.js';
import { openSession } from './sessionAdapter.js';
import { TacticalView } from './tactical/tacticalView.js';
import { FrameMeter, unitPositionsAt } from './testHooks.js';
import { TimelineBar } from './timeline/timelineBar.js';
import type { BattleInfo } from '../../../shared/battle/timeline.js';
import type { RoomClient } from '../../lib/roomClient.js';

// The room page: tactical canvas (main), timeline bar (below), side panel (right; under the map
// on narrow screens). One requestAnimationFrame loop renders everything at the shared position.

export interface RoomRoute {
  roomId: string;
  role?: 'instructor' | 'player' | 'viewer';
}

/** What feature modules (annotations, branches) get to build on. */
export interface RoomContext {
  session: RoomSession;
  /** The shared room client (annotations, branches, settings commands live there). */
  client: RoomClient;
  tactical: TacticalView;
  timeline: TimelineBar;
  side: SidePanel;
  battle(): BattleInfo | null;
}

export function mountRoom(root: HTMLElement, route: RoomRoute): RoomContext {
  clear(root);
  const instructorKey = getInstructorKey(route.roomId) ?? undefined;
  const session = openSession({
    roomId: route.roomId,
    name: nameOrGuest(),
    role: instructorKey ? undefined : route.role,
    instructorKey,
    clientId: clientId(),
  });

  const tactical = new TacticalView();
  const guard = (p: Promise<void>): void => {
    p.catch((err: Error) => flash(err.message));
  };
  const timeline = new TimelineBar({
    play: () => guard(session.play()),
    pause: () => guard(session.pause()),
    seek: (ms) => guard(session.seek(ms)),
    setRate: (r) => guard(session.setRate(r)),
    stepPhase: (s) => guard(session.stepPhase(s)),
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
  let digestBranch: string | null = null;
  async function loadBattle(id: string): Promise<BattleInfo> {
    const { battle: info, history } = await getBattle(id);
    battle = info;
    setText(title, info.title);
    document.title = `${info.title} · Wardroom`;
    tactical.setBattle(info);
    side.setSides(info.sides, history?.forces);
    // The history summary gives the phase bands at once; the branch digest (below) refines them.
    if (history && (branchId === null || branchId === history.branchId)) timeline.setTimeline(history.durationMs, history.phases, history.decisionPoints);
    else timeline.setTimeline(info.durationMs, [], []);
    return info;
  }

  async function loadTimeline(bId: string, brId: string): Promise<void> {
    const [tl, info] = await Promise.all([loadTimelineDigest(bId, brId, route.roomId), battleLoaded]);
    if (brId !== branchId || !info) return;
    timeline.setTimeline(tl.durationMs, tl.phases, tl.decisionPoints);
    side.setSides(info.sides, tl.forces);
    side.chart.setData(seriesFromPoints(tl.strength, info.sides), info.sides, tl.durationMs);
    digestBranch = brId;
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
      const bId = room.battleId;
      const brId = room.branchId;
      loadTimeline(bId, brId).catch((err: Error) => flash(`Could not load the timeline: ${err.message}`));
    }
    side.setMembers(room.members, you?.memberId ?? null);
    const control = canControl(room, you);
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
      overlay.append(el('div', { class: 'overlay-box' }, el('h2', { text: 'Cannot join this room' }), el('p', { text: err }), el('a', { href: '/', class: 'button primary', text: 'Back to the lobby' })));
      overlay.hidden = false;
    } else if (session.room()) overlay.hidden = true;
  }

  session.subscribe((change) => {
    if (change === 'room' || change === 'presence' || change === 'branch' || change === 'state') refreshRoom();
    if (change === 'connection') refreshConnection();
  });
  session.onEvents((events, brId) => {
    if (brId === branchId) tactical.fx.add(events);
  });
  refreshConnection();
  refreshRoom();

  bindKeyboard({
    enabled: () => timeline.controlsEnabled,
    session,
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
    side.update(state, pos);
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
    get durationMs() {
      return session.clock()?.durationMs ?? battle?.durationMs ?? 0;
    },
    get timelineLoaded() {
      return digestBranch !== null && digestBranch === branchId;
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
    frameStats: () => {
      const st = session.stateNow();
      return meter.stats(st ? Object.keys(st.units).length : 0);
    },
    resetFrameStats: () => meter.reset(),
  };

  const ctx: RoomContext = { session, client: session.client, tactical, timeline, side, battle: () => battle };
  for (const feature of roomFeatures) {
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
    el('div', { class: 'invite-box' }, row('Viewers', `${origin}/room/${roomId}`, 'invite-viewer'), row('Players', `${origin}/room/${roomId}?role=player`, 'invite-player')),
  );
}
