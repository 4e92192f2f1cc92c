import type { WorldState } from '../../../../shared/battle/state.js';
import type { BattleInfo } from '../../../../shared/battle/timeline.js';
import type { MapFeature, Unit } from '../../../../shared/battle/types.js';
import { el, setText } from '../../dom.js';
import { Camera } from './camera.js';
import { FxPacker, fxWindowMs } from './fxLayer.js';
import { paintFx } from './fxPaint.js';
import { FxIndex } from './fxIndex.js';
import { drawFeatures, drawFields, drawGrid, drawScaleBar } from './mapLayer.js';
import { LabelPlacer } from './labels.js';
import { BG, NEUTRAL_SIDE } from './palette.js';
import { drawUnits, hitId, lastUnitRenderer, newHitGrid } from './unitLayer.js';
import { WorkerStamps } from './workerStamps.js';

// The tactical canvas: owns the camera and input (pan, zoom, pinch, hover) and draws one frame
// when asked. No per-unit DOM: the only DOM besides the canvas is the tooltip and zoom buttons.

export interface TacticalFrame {
  state: WorldState | null;
  positionMs: number;
  rate: number;
}

/** Extra drawing on top of the map each frame (annotation pins, branch ghosts...). */
export type MapOverlay = (ctx: CanvasRenderingContext2D, cam: Camera, frame: TacticalFrame) => void;

export class TacticalView {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly fx = new FxIndex();
  private ctx: CanvasRenderingContext2D;
  /**
   * Text and marks over everything (map, field and unit labels, hull bars, annotation pins, the scale bar): a canvas
   * of its own above the unit layer's, which a 22,401-unit fleet would otherwise paint over.
   */
  private readonly top: HTMLCanvasElement;
  private readonly topCtx: CanvasRenderingContext2D;
  private cam = new Camera();
  private info: BattleInfo | null = null;
  private colors = new Map<string, string>();
  private sideNames = new Map<string, string>();
  private hit = newHitGrid();
  private labels = new LabelPlacer();
  private stations: Unit[] = [];
  private hoverId: string | null = null;
  private mouse: { x: number; y: number } | null = null;
  private tooltip: HTMLElement;
  private fitted = false;
  /** The user panned or zoomed: keep their view on resize instead of re-fitting. */
  private userMoved = false;
  private dpr = 1;
  private unitsCache: { src: Record<string, Unit> | null; list: Unit[] } = { src: null, list: [] };
  private lastState: WorldState | null = null;
  private overlays: MapOverlay[] = [];
  private downAt: { x: number; y: number } | null = null;
  private pointers = new Map<number, { x: number; y: number }>();
  /** Big battles' small wedges, stamped by a worker on a canvas of their own (workerStamps.ts). */
  private offThread: WorkerStamps | null = null;
  private fxPacker = new FxPacker();

  constructor() {
    this.canvas = el('canvas', { class: 'tactical-canvas', 'data-testid': 'tactical-canvas', 'aria-label': 'Tactical map' });
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('Canvas 2D unavailable');
    this.ctx = ctx;
    this.tooltip = el('div', { class: 'unit-tooltip', hidden: true, role: 'tooltip', 'data-testid': 'unit-tooltip' });
    const zoomIn = el('button', { type: 'button', title: 'Zoom in', 'aria-label': 'Zoom in', text: '+' });
    const zoomOut = el('button', { type: 'button', title: 'Zoom out', 'aria-label': 'Zoom out', text: '−' });
    const fit = el('button', { type: 'button', title: 'Fit map', 'aria-label': 'Fit map', text: 'Fit' });
    zoomIn.addEventListener('click', () => this.zoomCenter(1.5));
    zoomOut.addEventListener('click', () => this.zoomCenter(1 / 1.5));
    fit.addEventListener('click', () => this.fit());
    // The unit canvas lies over the tactical canvas and lets the pointer through; a worker draws it.
    const units = el('canvas', { class: 'tactical-units', 'data-testid': 'tactical-units', 'aria-hidden': 'true' });
    // Under it, the big battles' beams and effects, painted by the same worker.
    const fxCanvas = el('canvas', { class: 'tactical-units', 'data-testid': 'tactical-fx', 'aria-hidden': 'true' });
    if (WorkerStamps.supported()) this.offThread = new WorkerStamps(units, fxCanvas);
    this.top = el('canvas', { class: 'tactical-units', 'data-testid': 'tactical-labels', 'aria-hidden': 'true' });
    const topCtx = this.top.getContext('2d');
    if (!topCtx) throw new Error('Canvas 2D unavailable');
    this.topCtx = topCtx;
    this.root = el(
      'div',
      { class: 'tactical' },
      this.canvas,
      ...(this.offThread ? [fxCanvas, units] : []),
      this.top,
      this.tooltip,
      el('div', { class: 'zoom-controls' }, zoomIn, zoomOut, fit),
    );
    this.bindInput();
    new ResizeObserver(() => this.resize()).observe(this.root);
  }

  setBattle(info: BattleInfo): void {
    this.info = info;
    this.colors.clear();
    this.sideNames.clear();
    for (const s of info.sides) {
      this.colors.set(s.id, s.color);
      this.sideNames.set(s.id, s.name);
    }
    this.fitted = false;
    this.resize();
  }

  fit(): void {
    this.userMoved = false;
    if (!this.info) return;
    this.cam.fit(this.info.map);
    this.fitted = true;
  }

  private zoomCenter(factor: number): void {
    this.userMoved = true;
    this.cam.zoomAt(this.cam.width / 2, this.cam.height / 2, factor);
  }

  private colorOf = (side: string): string => this.colors.get(side) ?? NEUTRAL_SIDE;

  /** A station feature whose station is on the map as a unit is labelled by the unit instead. */
  private hideFeatureLabel = (f: MapFeature): boolean => {
    if (f.kind !== 'station') return false;
    const r = Math.max(f.radius ?? 0, 2);
    return this.stations.some((u) => Math.abs(u.pos.x - f.pos.x) <= r && Math.abs(u.pos.y - f.pos.y) <= r);
  };

  private resize(): void {
    const rect = this.root.getBoundingClientRect();
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(rect.width));
    const h = Math.max(1, Math.round(rect.height));
    this.canvas.width = Math.round(w * this.dpr);
    this.canvas.height = Math.round(h * this.dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.top.width = this.canvas.width;
    this.top.height = this.canvas.height;
    const hadSize = this.cam.width > 1;
    this.cam.resize(w, h);
    if (this.info && (!this.fitted || !hadSize || !this.userMoved)) this.fit();
  }

  unitList(state: WorldState): Unit[] {
    if (this.unitsCache.src !== state.units) {
      this.unitsCache = { src: state.units, list: Object.values(state.units) };
      this.stations = this.unitsCache.list.filter((u) => u.kind === 'station');
    }
    return this.unitsCache.list;
  }

  draw(frame: TacticalFrame): void {
    const { ctx, cam, topCtx: top } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = BG;
    ctx.fillRect(0, 0, cam.width, cam.height);
    top.setTransform(1, 0, 0, 1, 0, 0);
    top.clearRect(0, 0, this.top.width, this.top.height);
    top.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const info = this.info;
    if (!info) return;
    const now = performance.now();
    drawGrid(ctx, cam, info.map);
    const state = frame.state;
    this.lastState = state;
    this.labels.reset();
    if (state) this.unitList(state);
    // Fields first: their labels (with progress) win the space over the map's own labels. Shapes on the map's
    // canvas, under the units; text on the top one, over them.
    if (state) drawFields(ctx, cam, Object.values(state.fields), now, this.labels, top);
    drawFeatures(ctx, cam, info.map.features, now, this.labels, this.hideFeatureLabel, top);
    if (state) {
      const t = frame.positionMs;
      if (this.mouse) this.hoverId = this.pick(this.mouse.x, this.mouse.y);
      const list = this.unitList(state);
      // A handful of ships on a big map would be specks: draw small battles' symbols bigger.
      const boost = list.length < 80 ? 1.6 : 1;
      // Beams and effects are packed first: when the worker draws this frame's wedges it paints them too.
      const fx = this.fxPacker.pack(cam, this.fx.range(t - fxWindowMs(frame.rate), t), state.units, t, frame.rate);
      drawUnits(ctx, cam, list, {
        t,
        colorOf: this.colorOf,
        hoverId: this.hoverId,
        hit: this.hit,
        labels: this.labels,
        boost,
        offThread: this.offThread,
        fx,
        touches: this.fx.touches,
        worldT: state.t,
        labelCtx: top,
      });
      if (lastUnitRenderer !== 'worker') paintFx(ctx, fx);
      fx.drawLabels(top, this.labels);
    }
    for (const o of this.overlays) {
      top.save();
      o(top, cam, frame);
      top.restore();
    }
    drawScaleBar(top, cam, info.map.scaleLabel);
    this.updateTooltip(state);
  }

  /** The drawn unit under a screen point (within its radius + 4 px), nearest relative to its size. */
  private pick(x: number, y: number): string | null {
    const h = this.hit;
    let best: string | null = null;
    let bestD = Infinity;
    for (let i = 0; i < h.count; i++) {
      const dx = h.x[i] - x;
      const dy = h.y[i] - y;
      const d = dx * dx + dy * dy;
      const r = h.r[i] + 4;
      // Score by distance relative to size, so a ship in front of a station wins when pointed at.
      const score = d / (r * r);
      if (score <= 1 && score < bestD) {
        bestD = score;
        best = hitId(h, i);
      }
    }
    return best;
  }

  private updateTooltip(state: WorldState | null): void {
    const u = this.hoverId && state ? state.units[this.hoverId] : undefined;
    if (!u || !this.mouse) {
      if (!this.tooltip.hidden) this.tooltip.hidden = true;
      return;
    }
    this.tooltip.hidden = false;
    const side = this.sideNames.get(u.side) ?? u.side;
    const lines = [
      u.name,
      `${u.cls.replace(/[-_]/g, ' ')} · ${u.kind}`,
      side + (u.commander ? ` · ${u.commander}` : ''),
      `Shields ${Math.round(u.shields)}/${Math.round(u.maxShields)} · Hull ${Math.round(u.hull)}/${Math.round(u.maxHull)}`,
      `Status: ${u.status}`,
    ];
    if (u.sections?.length)
      lines.push(u.sections.map((s) => `${s.label}: ${Math.round((s.shields / Math.max(1, s.maxShields)) * 100)}%`).join(' · '));
    setText(this.tooltip, lines.join('\n'));
    const w = this.tooltip.offsetWidth;
    const left = Math.min(this.mouse.x + 14, this.cam.width - w - 4);
    this.tooltip.style.transform = `translate(${Math.max(4, left)}px, ${this.mouse.y + 14}px)`;
  }

  private bindInput(): void {
    const c = this.canvas;
    c.style.touchAction = 'none';
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.userMoved = true;
        const r = c.getBoundingClientRect();
        this.cam.zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (e) => {
      c.setPointerCapture(e.pointerId);
      this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      this.downAt = { x: e.clientX, y: e.clientY };
    });
    c.addEventListener('pointermove', (e) => {
      const r = c.getBoundingClientRect();
      if (e.pointerType === 'mouse') this.mouse = { x: e.clientX - r.left, y: e.clientY - r.top };
      const prev = this.pointers.get(e.pointerId);
      if (!prev) return;
      this.userMoved = true;
      if (this.pointers.size === 1) {
        this.cam.panBy(e.clientX - prev.x, e.clientY - prev.y);
      } else if (this.pointers.size === 2) {
        // Pinch: zoom by the change of distance between the two pointers, about their midpoint.
        const other = [...this.pointers.entries()].find(([id]) => id !== e.pointerId)?.[1];
        if (other) {
          const d0 = Math.hypot(prev.x - other.x, prev.y - other.y);
          const d1 = Math.hypot(e.clientX - other.x, e.clientY - other.y);
          if (d0 > 0) this.cam.zoomAt((e.clientX + other.x) / 2 - r.left, (e.clientY + other.y) / 2 - r.top, d1 / d0);
        }
      }
      this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    });
    const up = (e: PointerEvent): void => {
      this.pointers.delete(e.pointerId);
      // Touch has no hover: a tap (no drag) on a unit shows its tooltip, a tap elsewhere hides it.
      if (
        e.pointerType !== 'mouse' &&
        e.type === 'pointerup' &&
        this.downAt &&
        Math.hypot(e.clientX - this.downAt.x, e.clientY - this.downAt.y) < 8
      ) {
        const r = c.getBoundingClientRect();
        const p = { x: e.clientX - r.left, y: e.clientY - r.top };
        this.mouse = this.pick(p.x, p.y) ? p : null;
      }
      this.downAt = null;
    };
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    c.addEventListener('pointerleave', (e) => {
      if (e.pointerType === 'mouse') this.mouse = null;
    });
    c.addEventListener('dblclick', () => this.fit());
  }

  /** Units drawn in the last frame with their screen position and radius (CSS px), for tests/tools. */
  drawnUnits(): { id: string; x: number; y: number; r: number }[] {
    const h = this.hit;
    const out: { id: string; x: number; y: number; r: number }[] = [];
    for (let i = 0; i < h.count; i++) out.push({ id: hitId(h, i), x: h.x[i], y: h.y[i], r: h.r[i] });
    return out;
  }

  /** Which path drew the small wedges last frame: 'worker' (off-thread canvas), 'stamp' or 'canvas'. */
  get unitRenderer(): string {
    return lastUnitRenderer;
  }

  /** Register an overlay; returns its remover. */
  addOverlay(o: MapOverlay): () => void {
    this.overlays.push(o);
    return () => {
      this.overlays = this.overlays.filter((x) => x !== o);
    };
  }

  /** World <-> screen of the current camera (for overlays and map clicks). */
  get camera(): Camera {
    return this.cam;
  }

  get state(): WorldState | null {
    return this.lastState;
  }
}
