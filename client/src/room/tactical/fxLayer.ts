import type { Unit, WeaponKind } from '../../../../shared/battle/types.js';
import type { Camera } from './camera.js';
import type { EffectEvent, FxEvent } from './fxIndex.js';
import { beamCode, EFFECT_KINDS, FX_STRIDE, type FxFrame, WEAPONS } from './fxPaint.js';
import { placeTextNear, type LabelPlacer } from './labels.js';
import { BEAM_MS, EFFECT_MS } from './palette.js';

// Weapons fire and effects. Both are keyed to playback time (so every browser in a room shows the
// same beams), but their lifetime scales with the rate so they stay readable at 16x.

export const MAX_BEAMS = 2500;

export function fxWindowMs(rate: number): number {
  return Math.max(...Object.values(EFFECT_MS), BEAM_MS) * Math.max(1, rate);
}

/** An effect's label, drawn on the page's canvas (labels are placed against the units' own). */
interface FxLabel {
  text: string;
  x: number;
  y: number;
  a: number;
}

/**
 * A frame's beams and effects in screen space (fxPaint.ts paints them): the shots younger than the beam window,
 * latest first, up to MAX_BEAMS on screen, and up to 400 effects, oldest first. Buffers are kept between frames.
 */
export class FxPacker implements FxFrame {
  data = new Float32Array(0);
  beams = 0;
  effects = 0;
  labels: FxLabel[] = [];
  private n = 0;
  /** One beam record (one function for every beam of every frame: no closure per shot). */
  private readonly putBeam = (code: number, x0: number, y0: number, x1: number, y1: number): void => {
    const o = this.record();
    const data = this.data;
    data[o] = code;
    data[o + 1] = x0;
    data[o + 2] = y0;
    data[o + 3] = x1;
    data[o + 4] = y1;
  };

  private record(): number {
    if ((this.n + 1) * FX_STRIDE > this.data.length) {
      const d = new Float32Array(Math.max(1024, this.data.length * 2));
      d.set(this.data);
      this.data = d;
    }
    return this.n++ * FX_STRIDE;
  }

  pack(cam: Camera, events: readonly FxEvent[], units: Record<string, Unit>, t: number, rate: number): this {
    const k = Math.max(1, rate);
    this.n = 0;
    this.labels.length = 0;
    forEachShot(events, t, BEAM_MS * k, MAX_BEAMS, (from, to, weapon, hit, salt, f) => {
      const a = units[from];
      const b = units[to];
      if (!a || !b) return false;
      return addBeam(cam, a, b, weapon, hit, salt, t, f, this.putBeam);
    });
    this.beams = this.n;
    const effects: EffectEvent[] = [];
    for (let i = events.length - 1; i >= 0; i--) {
      const ev = events[i];
      if (ev.type === 'effect' && t - ev.t <= EFFECT_MS[ev.kind] * k && effects.length < 400) effects.push(ev);
    }
    for (let i = effects.length - 1; i >= 0; i--) {
      const ev = effects[i];
      const f = (t - ev.t) / (EFFECT_MS[ev.kind] * k);
      const x = cam.toScreenX(ev.pos.x);
      const y = cam.toScreenY(ev.pos.y);
      const r = Math.max(4, ev.radius * cam.scale);
      if (x < -r * 2 || y < -r * 2 || x > cam.width + r * 2 || y > cam.height + r * 2) continue;
      const o = this.record();
      const data = this.data;
      data[o] = EFFECT_KINDS.indexOf(ev.kind);
      data[o + 1] = x;
      data[o + 2] = y;
      data[o + 3] = r;
      data[o + 4] = f;
      if (ev.label && f < 0.8) this.labels.push({ text: ev.label, x, y: y + r + 4, a: Math.max(0, 1 - f) });
    }
    this.effects = this.n - this.beams;
    return this;
  }

  /** The effects' labels, on the labels' canvas over the units, after the units' labels (first placed wins). */
  drawLabels(ctx: CanvasRenderingContext2D, labels: LabelPlacer): void {
    if (this.labels.length === 0) return;
    ctx.save();
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#ffffff';
    for (const l of this.labels) {
      // Fading through globalAlpha, so the label's halo fades with it (labels.ts).
      ctx.globalAlpha = Math.min(1, l.a * 1.5);
      placeTextNear(ctx, labels, l.text, l.x, l.y);
    }
    ctx.restore();
  }
}

/**
 * The shots to draw at t, latest first: those younger than `window` ms, unit:fire and unit:volley alike, until
 * `max` of them were drawn (`draw` returns false for a shot it did not draw, e.g. off screen). `salt` varies a
 * miss's offset (the event's seq; seq + k for a volley's shot k); `f` is the shot's age as a fraction of `window`.
 */
export function forEachShot(
  events: readonly FxEvent[],
  t: number,
  window: number,
  max: number,
  draw: (from: string, to: string, weapon: WeaponKind, hit: boolean, salt: number, f: number) => boolean,
): void {
  let n = 0;
  for (let i = events.length - 1; i >= 0 && n < max; i--) {
    const ev = events[i];
    if (ev.type === 'effect') continue;
    const age = t - ev.t;
    if (age > window) continue;
    const f = age / window;
    if (ev.type === 'unit:fire') {
      if (draw(ev.from, ev.to, ev.weapon, ev.hit, ev.seq, f)) n++;
      continue;
    }
    for (let k = ev.from.length - 1; k >= 0 && n < max; k--) {
      if (draw(ev.ids[ev.from[k]], ev.ids[ev.to[k]], ev.weapons[ev.weapon[k]], ev.hit[k] === 1, ev.seq + k, f)) n++;
    }
  }
}

/** One shot's beam (or projectile) in screen space; `salt` varies a miss's offset deterministically (the event's seq). */
function addBeam(
  cam: Camera,
  a: Unit,
  b: Unit,
  weapon: WeaponKind,
  hit: boolean,
  salt: number,
  t: number,
  f: number,
  put: (code: number, x0: number, y0: number, x1: number, y1: number) => void,
): boolean {
  const da = (t - a.t0) / 1000;
  const db = (t - b.t0) / 1000;
  const ax = cam.toScreenX(a.pos.x + a.vel.x * da);
  const ay = cam.toScreenY(a.pos.y + a.vel.y * da);
  let bx = cam.toScreenX(b.pos.x + b.vel.x * db);
  let by = cam.toScreenY(b.pos.y + b.vel.y * db);
  if (Math.max(ax, bx) < 0 || Math.min(ax, bx) > cam.width || Math.max(ay, by) < 0 || Math.min(ay, by) > cam.height) return false;
  if (!hit) {
    // A miss passes beside the target: offset the end point sideways, deterministically by seq.
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy) || 1;
    const off = (salt % 2 ? 1 : -1) * (6 + (salt % 5));
    bx += (-dy / len) * off;
    by += (dx / len) * off;
  }
  const w = Math.max(0, WEAPONS.indexOf(weapon));
  if (weapon === 'torpedo' || weapon === 'plasma') {
    // Projectiles travel: a dot from shooter to target over the beam lifetime.
    put(beamCode(w, hit, 0, true), ax + (bx - ax) * f, ay + (by - ay) * f, 0, 0);
  } else {
    put(beamCode(w, hit, Math.min(2, Math.floor(f * 3)), false), ax, ay, bx, by);
  }
  return true;
}
