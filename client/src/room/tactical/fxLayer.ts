import type { Unit, Vec2 } from '../../../../shared/battle/types.js';
import type { Camera } from './camera.js';
import { ChunkedPath } from './chunkedPath.js';
import { placeTextNear, type LabelPlacer } from './labels.js';
import type { EffectEvent, FxEvent } from './fxIndex.js';
import type { WeaponKind } from '../../../../shared/battle/types.js';
import { BEAM_MS, EFFECT_COLOR, EFFECT_MS, WEAPON_COLOR, withAlpha } from './palette.js';

// Weapons fire and effects. Both are keyed to playback time (so every browser in a room shows the
// same beams), but their lifetime scales with the rate so they stay readable at 16x.

export const MAX_BEAMS = 2500;

export function fxWindowMs(rate: number): number {
  return Math.max(...Object.values(EFFECT_MS), BEAM_MS) * Math.max(1, rate);
}

export function drawFx(
  ctx: CanvasRenderingContext2D,
  cam: Camera,
  events: readonly FxEvent[],
  units: Record<string, Unit>,
  t: number,
  rate: number,
  labels: LabelPlacer,
): void {
  const k = Math.max(1, rate);
  const beamWindow = BEAM_MS * k;
  const beams = new Map<string, ChunkedPath>();
  const path = (key: string): Path2D => {
    let p = beams.get(key);
    if (!p) beams.set(key, (p = new ChunkedPath()));
    return p.next();
  };
  const effects: EffectEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i];
    if (ev.type === 'effect' && t - ev.t <= EFFECT_MS[ev.kind] * k && effects.length < 400) effects.push(ev);
  }
  forEachShot(events, t, beamWindow, MAX_BEAMS, (from, to, weapon, hit, salt, f) =>
    addBeam(cam, from, to, weapon, hit, salt, units, t, f, path),
  );
  ctx.save();
  ctx.lineCap = 'round';
  for (const [key, p] of beams) {
    const [weapon, hit, fade, shape] = key.split('|');
    const color = WEAPON_COLOR[weapon as WeaponKind] ?? '#ffffff';
    const alpha = (hit === '1' ? 0.95 : 0.32) * (1 - Number(fade) / 3);
    if (shape === 'dot') {
      ctx.fillStyle = withAlpha(color, alpha);
      p.fill(ctx);
    } else {
      ctx.strokeStyle = withAlpha(color, alpha);
      ctx.lineWidth = hit === '1' ? 1.6 : 1;
      p.stroke(ctx);
    }
  }
  ctx.restore();
  for (let i = effects.length - 1; i >= 0; i--)
    drawEffect(ctx, cam, effects[i], (t - effects[i].t) / (EFFECT_MS[effects[i].kind] * k), labels);
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

function unitAt(u: Unit, t: number): Vec2 {
  const dt = (t - u.t0) / 1000;
  return { x: u.pos.x + u.vel.x * dt, y: u.pos.y + u.vel.y * dt };
}

/** One shot's beam (or projectile); `salt` varies a miss's offset deterministically (the event's seq). */
function addBeam(
  cam: Camera,
  from: string,
  to: string,
  weapon: WeaponKind,
  hit: boolean,
  salt: number,
  units: Record<string, Unit>,
  t: number,
  f: number,
  path: (key: string) => Path2D,
): boolean {
  const a = units[from];
  const b = units[to];
  if (!a || !b) return false;
  const pa = unitAt(a, t);
  const pb = unitAt(b, t);
  const ax = cam.toScreenX(pa.x);
  const ay = cam.toScreenY(pa.y);
  let bx = cam.toScreenX(pb.x);
  let by = cam.toScreenY(pb.y);
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
  const fade = Math.min(2, Math.floor(f * 3));
  if (weapon === 'torpedo' || weapon === 'plasma') {
    // Projectiles travel: a dot from shooter to target over the beam lifetime.
    const x = ax + (bx - ax) * f;
    const y = ay + (by - ay) * f;
    const p = path(`${weapon}|${hit ? 1 : 0}|0|dot`);
    p.moveTo(x + 2, y);
    p.arc(x, y, 2, 0, Math.PI * 2);
  } else {
    const p = path(`${weapon}|${hit ? 1 : 0}|${fade}|line`);
    p.moveTo(ax, ay);
    p.lineTo(bx, by);
  }
  return true;
}

function drawEffect(ctx: CanvasRenderingContext2D, cam: Camera, ev: EffectEvent, f: number, labels: LabelPlacer): void {
  const x = cam.toScreenX(ev.pos.x);
  const y = cam.toScreenY(ev.pos.y);
  const r = Math.max(4, ev.radius * cam.scale);
  if (x < -r * 2 || y < -r * 2 || x > cam.width + r * 2 || y > cam.height + r * 2) return;
  const color = EFFECT_COLOR[ev.kind];
  const a = Math.max(0, 1 - f);
  ctx.save();
  switch (ev.kind) {
    case 'explosion': {
      const rr = r * (0.4 + 0.8 * f);
      const g = ctx.createRadialGradient(x, y, 0, x, y, rr);
      g.addColorStop(0, `rgba(255, 250, 220, ${a.toFixed(3)})`);
      g.addColorStop(0.4, withAlpha(color, a * 0.8));
      g.addColorStop(1, 'rgba(255, 80, 20, 0)');
      ctx.fillStyle = g;
      ctx.beginPath();
      ctx.arc(x, y, rr, 0, Math.PI * 2);
      ctx.fill();
      break;
    }
    case 'strike': {
      ctx.strokeStyle = withAlpha(color, a);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let i = 0; i < 4; i++) {
        const ang = (i * Math.PI) / 2 + Math.PI / 4;
        ctx.moveTo(x + Math.cos(ang) * r * 0.2, y + Math.sin(ang) * r * 0.2);
        ctx.lineTo(x + Math.cos(ang) * r * (0.6 + 0.6 * f), y + Math.sin(ang) * r * (0.6 + 0.6 * f));
      }
      ctx.stroke();
      ctx.fillStyle = withAlpha(color, a * 0.6);
      ctx.beginPath();
      ctx.arc(x, y, r * 0.3, 0, Math.PI * 2);
      ctx.fill();
      break;
    }
    case 'warp-in':
    case 'warp-out': {
      // Warp-in collapses onto the point; warp-out bursts away from it.
      const rr = ev.kind === 'warp-in' ? r * (1.6 - 1.2 * f) : r * (0.3 + 1.4 * f);
      ctx.strokeStyle = withAlpha(color, a);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, rr, 0, Math.PI * 2);
      ctx.stroke();
      ctx.fillStyle = withAlpha('#ffffff', a * 0.5);
      ctx.beginPath();
      ctx.arc(x, y, Math.max(2, r * 0.15), 0, Math.PI * 2);
      ctx.fill();
      break;
    }
    case 'wormhole-open': {
      const rr = r * (0.5 + 1.5 * f);
      const g = ctx.createRadialGradient(x, y, 0, x, y, rr);
      g.addColorStop(0, withAlpha('#ffffff', a));
      g.addColorStop(0.5, withAlpha('#7ec8ff', a * 0.6));
      g.addColorStop(1, 'rgba(60, 120, 255, 0)');
      ctx.fillStyle = g;
      ctx.beginPath();
      ctx.arc(x, y, rr, 0, Math.PI * 2);
      ctx.fill();
      break;
    }
    case 'wormhole-blocked': {
      ctx.strokeStyle = withAlpha(color, a);
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(x, y, r * (1 + 0.3 * Math.sin(f * Math.PI * 4)), 0, Math.PI * 2);
      ctx.stroke();
      ctx.beginPath();
      const k = r * 0.5;
      ctx.moveTo(x - k, y - k);
      ctx.lineTo(x + k, y + k);
      ctx.moveTo(x + k, y - k);
      ctx.lineTo(x - k, y + k);
      ctx.stroke();
      break;
    }
    case 'beam-down': {
      ctx.fillStyle = withAlpha(color, a);
      for (let i = 0; i < 8; i++) {
        const yy = y - r + (((i * 2 * r) / 8 + f * r) % (2 * r));
        ctx.fillRect(x - 1 + ((i * 7) % 5) - 2, yy, 2, 2);
      }
      break;
    }
  }
  if (ev.label && f < 0.8) {
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillStyle = withAlpha('#ffffff', Math.min(1, a * 1.5));
    placeTextNear(ctx, labels, ev.label, x, y + r + 4);
  }
  ctx.restore();
}
