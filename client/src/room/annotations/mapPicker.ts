import type { Vec2 } from '../../../../shared/battle/types.js';
import { el } from '../../dom.js';
import type { Camera } from '../tactical/camera.js';
import type { PinDraft } from './mapOverlay.js';

// Placing a pin or an arrow: while picking, a transparent layer covers the tactical view (so the
// map's own pan/zoom input is not involved). Click = pin; drag = arrow from press to release.

const DRAG_PX = 8;

export class MapPicker {
  /** The pin or arrow under the pointer while picking (drawn by the overlay). */
  draft: PinDraft | null = null;
  private layer: HTMLElement;
  private onDone: ((d: PinDraft | null) => void) | null = null;
  private start: { sx: number; sy: number; world: Vec2 } | null = null;

  constructor(
    readonly host: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly camera: () => Camera,
  ) {
    this.layer = el(
      'div',
      {
        class: 'annotation-picker',
        'data-testid': 'annotation-picker',
        hidden: true,
        title: 'Click to pin, drag for an arrow (Esc cancels)',
      },
      el('span', { class: 'annotation-picker-hint', text: 'Click to place a pin, or drag for an arrow · Esc cancels' }),
    );
    host.append(this.layer);
    this.layer.addEventListener('pointerdown', (e) => {
      this.layer.setPointerCapture(e.pointerId);
      const p = this.local(e);
      this.start = { sx: p.x, sy: p.y, world: this.camera().toWorld(p.x, p.y) };
      this.draft = { at: this.start.world };
    });
    this.layer.addEventListener('pointermove', (e) => {
      if (!this.start) return;
      const p = this.local(e);
      const far = Math.hypot(p.x - this.start.sx, p.y - this.start.sy) >= DRAG_PX;
      this.draft = { at: this.start.world, to: far ? this.camera().toWorld(p.x, p.y) : undefined };
    });
    this.layer.addEventListener('pointerup', (e) => {
      if (!this.start) return;
      const p = this.local(e);
      const far = Math.hypot(p.x - this.start.sx, p.y - this.start.sy) >= DRAG_PX;
      this.finish({ at: this.start.world, to: far ? this.camera().toWorld(p.x, p.y) : undefined });
    });
    this.layer.addEventListener('pointercancel', () => {
      this.start = null;
      this.draft = null;
    });
    window.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.active) this.finish(null);
    });
  }

  get active(): boolean {
    return this.onDone !== null;
  }

  pick(onDone: (d: PinDraft | null) => void): void {
    if (this.onDone) this.onDone(null);
    this.onDone = onDone;
    this.start = null;
    this.draft = null;
    this.layer.hidden = false;
  }

  cancel(): void {
    if (this.active) this.finish(null);
  }

  private finish(d: PinDraft | null): void {
    const cb = this.onDone;
    this.onDone = null;
    this.start = null;
    this.draft = null;
    this.layer.hidden = true;
    cb?.(d ? round(d) : null);
  }

  /** Pointer position in the canvas's CSS px (the camera's screen space). */
  private local(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }
}

function round(d: PinDraft): PinDraft {
  const r = (v: Vec2): Vec2 => ({ x: Math.round(v.x * 100) / 100, y: Math.round(v.y * 100) / 100 });
  return d.to ? { at: r(d.at), to: r(d.to) } : { at: r(d.at) };
}
