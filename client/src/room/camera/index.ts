import type { CameraState } from '../../../../shared/protocol/events.js';
import type { CameraView } from '../../../../shared/protocol/schemas.js';
import { el, setText } from '../../dom.js';
import { openTab, selectTab } from '../chat/sideTab.js';
import type { RoomContext } from '../context.js';
import { fitScale, glide, moved, pickUnit, type ViewXY, viewOf } from './follow.js';
import './camera.css';

// Follow the instructor's camera (issue #11 item 1). The instructor presents: their map view (centre,
// zoom) and open tab become the room's view, sent at most every SEND_MS (and once more when the motion
// stops). Everyone else follows it smoothly, steps out with "Free camera" (or simply by panning) and back
// in with "Follow"; a badge says who leads. A late joiner gets the presented view from the server at join.

const SEND_MS = 100;
/** A follower glides to each new view over about one update interval. */
const GLIDE_MS = 110;

export interface CameraHooks {
  view(): ViewXY | null;
  state(): CameraState | null;
  following(): boolean;
  presenting(): boolean;
  /** Last view this page sent (presenter) or reached (follower). */
  target(): ViewXY | null;
  /** The unit ringed on this page's map in the last frame (the presenter's selection). */
  highlighted(): string | null;
}

declare global {
  interface Window {
    __wardroomCamera?: CameraHooks;
  }
}

export function mountCamera(ctx: RoomContext): void {
  const { room: client, tactical } = ctx;
  const session = client;
  let state: CameraState | null = null;
  let following = true;
  let lastSent: (ViewXY & { tab?: string; unitId?: string }) | null = null;
  let lastSentAt = 0;
  let sending = false;
  /** The presenter's tab we last switched to: only a change of it moves the follower's tab again. */
  let appliedTab: string | null = null;
  /** Follower: where the current glide started, and the last view reached. */
  let glideFrom: { view: ViewXY; at: number; version: number } | null = null;
  let reached: ViewXY | null = null;
  /** Presenter: the unit they clicked (a ring on every follower's map); null = none. */
  let selected: string | null = null;
  let highlighted: string | null = null;

  const badge = el('span', { class: 'camera-badge', 'data-testid': 'camera-badge' });
  const followBtn = el('button', { type: 'button', class: 'button small', 'data-testid': 'camera-follow' });
  const presentBtn = el('button', { type: 'button', class: 'button small', 'data-testid': 'camera-present', hidden: true });
  const bar = el('div', { class: 'camera-bar', 'data-testid': 'camera-bar' }, badge, followBtn, presentBtn);
  tactical.root.append(bar);

  const me = () => session.you();
  const amPresenter = (): boolean => !!state?.presenting && state.presenterId === me()?.memberId;
  const leading = (): boolean => !!state?.presenting && !amPresenter();
  const map = () => ctx.battle()?.map ?? null;

  function render(): void {
    const instructor = me()?.role === 'instructor';
    presentBtn.hidden = !instructor;
    setText(presentBtn, amPresenter() ? 'Stop presenting' : 'Present my view');
    followBtn.hidden = !leading();
    setText(followBtn, following ? 'Free camera' : 'Follow');
    followBtn.title = following ? 'Move the map yourself' : `Follow ${state?.presenterName ?? 'the presenter'}'s view`;
    bar.hidden = !instructor && !state?.presenting;
    if (amPresenter()) setText(badge, 'You are presenting');
    else if (state?.presenting) {
      const who = state.presenterName ?? 'the instructor';
      const away = session.room()?.members.some((m) => m.memberId === state?.presenterId && !m.connected) ? ' (offline)' : '';
      setText(badge, following ? `Following ${who}${away}` : `${who}${away} leads · free camera`);
    } else setText(badge, 'Nobody presents');
    badge.classList.toggle('free', !state?.presenting || (!following && !amPresenter()));
  }

  client.socket.on('camera:state', (s) => {
    if (state && s.version <= state.version) return;
    const wasPresenting = state?.presenting ?? false;
    state = s;
    if (s.presenting && !wasPresenting) following = true; // a new presentation: everyone follows
    render();
  });
  // A lost connection may come back to a server that no longer presents (or presents with fresh versions):
  // forget the camera; the re-join pushes the room's current one.
  client.socket.on('disconnect', () => {
    state = null;
    glideFrom = null;
    render();
  });
  session.subscribe((c) => {
    if (c === 'room' || c === 'presence') render();
  });

  followBtn.addEventListener('click', () => {
    following = !following;
    glideFrom = null;
    appliedTab = null; // back in: take the presenter's tab again
    render();
  });
  presentBtn.addEventListener('click', () => {
    selected = null;
    void client.call('camera:present', { on: !amPresenter() }).then((r) => {
      if (!r.ok) return;
      if (!state || r.camera.version > state.version) state = r.camera;
      lastSent = null; // send our view right away
      render();
    });
  });

  // A follower who drags or zooms the map steps out (free camera); "Follow" brings them back.
  const stepOut = (): void => {
    if (leading() && following) {
      following = false;
      render();
    }
  };
  tactical.canvas.addEventListener('pointermove', (e) => e.buttons && stepOut());
  tactical.canvas.addEventListener('wheel', stepOut, { passive: true });
  tactical.root.querySelector('.zoom-controls')?.addEventListener('click', stepOut);

  // The presenter selects a unit by clicking it (not dragging): followers see it ringed.
  let downAt: { x: number; y: number } | null = null;
  tactical.canvas.addEventListener('pointerdown', (e) => {
    downAt = { x: e.clientX, y: e.clientY };
  });
  tactical.canvas.addEventListener('click', (e) => {
    if (!amPresenter() || !downAt || Math.hypot(e.clientX - downAt.x, e.clientY - downAt.y) > 5) return;
    const r = tactical.canvas.getBoundingClientRect();
    const hit = pickUnit(tactical.drawnUnits(), e.clientX - r.left, e.clientY - r.top);
    selected = hit === selected ? null : hit;
  });
  tactical.addOverlay((g) => {
    const id = amPresenter() ? selected : leading() && following ? (state?.view?.unitId ?? null) : null;
    const u = id ? tactical.drawnUnits().find((x) => x.id === id) : undefined;
    highlighted = u ? u.id : null;
    if (!u) return;
    g.strokeStyle = '#f5b74f';
    g.lineWidth = 2;
    g.setLineDash([6, 4]);
    g.beginPath();
    g.arc(u.x, u.y, u.r + 8, 0, Math.PI * 2);
    g.stroke();
  });

  function sendView(v: ViewXY & { tab?: string; unitId?: string }): void {
    sending = true;
    lastSent = v;
    lastSentAt = performance.now();
    const payload: CameraView = {
      x: v.x,
      y: v.y,
      zoom: v.zoom,
      ...(v.tab ? { tab: v.tab } : {}),
      ...(v.unitId ? { unitId: v.unitId } : {}),
    };
    void client.call('camera:update', payload).finally(() => (sending = false));
  }

  const frame = (now: number): void => {
    const m = map();
    const cam = tactical.camera;
    if (m && cam.width > 1) {
      const fit = fitScale(cam, m);
      if (amPresenter()) {
        // Presenter: send the view when it changed, at most every SEND_MS; the last one goes when motion stops.
        const v = { ...viewOf(cam, fit), tab: openTab(ctx.side), unitId: selected ?? undefined };
        const changed = moved(lastSent, v, cam.scale) || v.tab !== lastSent?.tab || v.unitId !== lastSent?.unitId;
        if (changed && !sending && now - lastSentAt >= SEND_MS) sendView(v);
      } else if (leading() && following && state?.view) {
        const target = state.view;
        // A new target: glide to it from wherever we are now (mid-glide included).
        if (glideFrom?.version !== state.version) glideFrom = { view: viewOf(cam, fit), at: now, version: state.version };
        const next = glide(glideFrom.view, target, now - glideFrom.at, GLIDE_MS);
        cam.cx = next.x;
        cam.cy = next.y;
        cam.scale = Math.min(cam.maxScale, Math.max(cam.minScale, next.zoom * fit));
        reached = next;
        if (target.tab && target.tab !== appliedTab) {
          if (openTab(ctx.side) !== target.tab) selectTab(ctx.side, target.tab);
          appliedTab = target.tab;
        }
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  window.__wardroomCamera = {
    view: () => {
      const m = map();
      return m ? viewOf(tactical.camera, fitScale(tactical.camera, m)) : null;
    },
    state: () => state,
    following: () => following,
    highlighted: () => highlighted,
    presenting: () => amPresenter(),
    target: () => (amPresenter() ? lastSent : reached),
  };
  render();
}
