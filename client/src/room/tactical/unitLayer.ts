import type { Unit } from '../../../../shared/battle/types.js';
import type { Camera } from './camera.js';
import { ChunkedPath } from './chunkedPath.js';
import { STAMP_MAX_PX, StampLayer } from './stampLayer.js';
import { placeText, type LabelPlacer } from './labels.js';
import { UNIT_LABEL, withAlpha } from './palette.js';
import type { WedgeSink, WorkerStamps } from './workerStamps.js';

// Units, batched: one Path2D per (side colour, style) so thousands of ships cost a handful of fill
// calls per frame. Also records where each unit landed on screen for hover hit-testing.

export interface HitGrid {
  count: number;
  ids: string[];
  x: Float32Array;
  y: Float32Array;
  r: Float32Array;
}

export function newHitGrid(capacity = 1024): HitGrid {
  return {
    count: 0,
    ids: new Array<string>(capacity),
    x: new Float32Array(capacity),
    y: new Float32Array(capacity),
    r: new Float32Array(capacity),
  };
}

function pushHit(h: HitGrid, id: string, x: number, y: number, r: number): void {
  if (h.count >= h.x.length) {
    const cap = h.x.length * 2;
    const nx = new Float32Array(cap);
    nx.set(h.x);
    const ny = new Float32Array(cap);
    ny.set(h.y);
    const nr = new Float32Array(cap);
    nr.set(h.r);
    h.x = nx;
    h.y = ny;
    h.r = nr;
    h.ids.length = cap;
  }
  h.ids[h.count] = id;
  h.x[h.count] = x;
  h.y[h.count] = y;
  h.r[h.count] = r;
  h.count++;
}

type Style = 'fill' | 'ghost' | 'cloak' | 'disabled' | 'station' | 'shield0' | 'shield1' | 'shield2' | 'shield3' | 'wreck' | 'halo';

/**
 * The story's named units (the Defiant, the Rotarran, the Regent's flagship...): a battle gives them
 * an explicit id in its scenario, while the rest of a group are numbered `<group>-<n>`. They are
 * always labelled and ringed with a halo, so they can be found at any zoom.
 */
export function isHero(u: Pick<Unit, 'id' | 'kind'>): boolean {
  if (u.kind === 'decoy') return false;
  // Same as !/-\d+$/.test(id), without a regex per unit per frame (20,000 of them in a big battle).
  const id = u.id;
  let i = id.length - 1;
  while (i >= 0 && id.charCodeAt(i) >= 48 && id.charCodeAt(i) <= 57) i--;
  return !(i < id.length - 1 && i >= 0 && id.charCodeAt(i) === 45);
}

interface Bucket {
  color: string;
  style: Style;
  path: ChunkedPath;
}

export interface UnitDrawOptions {
  t: number;
  colorOf: (side: string) => string;
  hoverId: string | null;
  hit: HitGrid;
  labels: LabelPlacer;
  /** Multiplier on the minimum symbol size (small battles draw bigger). */
  boost?: number;
  /** The off-thread unit layer, when the view has one: stamped wedges go there instead of onto ctx. */
  offThread?: WorkerStamps | null;
}

const MIN_PX: Record<Unit['kind'], number> = { ship: 3.2, station: 8, platform: 3.5, decoy: 3.2 };
/** The map is schematic: zoomed far in, symbols stop growing so a fleet stays readable. */
const MAX_PX: Record<Unit['kind'], number> = { ship: 16, station: 80, platform: 12, decoy: 16 };

/** Drawn half-size in pixels. */
export function pixelSize(u: Unit, scale: number, boost = 1): number {
  return Math.min(MAX_PX[u.kind], Math.max(MIN_PX[u.kind] * boost, (u.size * scale) / 2));
}

/** From this many units on, small plain ship wedges are stamped as pixels (stampLayer.ts). */
export const STAMP_MIN_UNITS = 2000;
let renderer: 'auto' | 'canvas' = 'auto';
let stampLayer: StampLayer | null = null;

/** 'canvas' forces the path-only drawing (the benchmark compares the two). */
export function setUnitRenderer(r: 'auto' | 'canvas'): void {
  renderer = r;
}

/** Which path drew the small ship wedges last frame (benchmarks and tests read it). */
export let lastUnitRenderer: 'worker' | 'stamp' | 'canvas' = 'canvas';

function stampsFor(
  ctx: CanvasRenderingContext2D,
  cam: Camera,
  count: number,
  offThread: WorkerStamps | null | undefined,
): WedgeSink | null {
  if (renderer === 'canvas' || count < STAMP_MIN_UNITS) {
    offThread?.idle();
    return null;
  }
  if (offThread?.begin(ctx, cam.width, cam.height)) return offThread;
  stampLayer ??= new StampLayer();
  return stampLayer.begin(ctx, cam.width, cam.height) ? stampLayer : null;
}

export function drawUnits(ctx: CanvasRenderingContext2D, cam: Camera, units: readonly Unit[], o: UnitDrawOptions): void {
  const stamps = stampsFor(ctx, cam, units.length, o.offThread);
  lastUnitRenderer = !stamps ? 'canvas' : stamps === o.offThread ? 'worker' : 'stamp';
  const buckets = new Map<string, Bucket>();
  const bucket = (color: string, style: Style): Path2D => {
    const key = `${style}|${color}`;
    let b = buckets.get(key);
    if (!b) {
      b = { color, style, path: new ChunkedPath() };
      buckets.set(key, b);
    }
    return b.path.next();
  };
  const margin = 40;
  const hull: { u: Unit; x: number; y: number; s: number }[] = [];
  const labels: { u: Unit; x: number; y: number; s: number }[] = [];
  const stations: { u: Unit; x: number; y: number; s: number }[] = [];
  o.hit.count = 0;

  for (const u of units) {
    const dt = (o.t - u.t0) / 1000;
    const wx = u.pos.x + u.vel.x * dt;
    const wy = u.pos.y + u.vel.y * dt;
    const x = cam.toScreenX(wx);
    const y = cam.toScreenY(wy);
    if (x < -margin || y < -margin || x > cam.width + margin || y > cam.height + margin) continue;
    const s = pixelSize(u, cam.scale, o.boost);
    const color = o.colorOf(u.side);
    const st = u.status;
    if (st === 'destroyed') {
      // Wrecks only when zoomed in enough to read them; zoomed out they would be noise.
      if (s >= 6) {
        const p = bucket('#7d8590', 'wreck');
        const k = s * 0.5;
        p.moveTo(x - k, y - k);
        p.lineTo(x + k, y + k);
        p.moveTo(x + k, y - k);
        p.lineTo(x - k, y + k);
      }
      continue;
    }
    if (st === 'retreated' || st === 'evacuated') continue;
    pushHit(o.hit, u.id, x, y, Math.max(s, 5));

    if (u.kind === 'station') {
      const p = bucket(color, 'station');
      p.moveTo(x + s, y);
      p.arc(x, y, s, 0, Math.PI * 2);
      p.moveTo(x + s * 0.45, y);
      p.arc(x, y, s * 0.45, 0, Math.PI * 2);
      stations.push({ u, x, y, s });
    } else if (u.kind === 'platform') {
      const p = bucket(color, st === 'disabled' || st === 'surrendered' ? 'disabled' : st === 'cloaked' ? 'cloak' : 'fill');
      const k = s * 0.8;
      p.rect(x - k, y - k, k * 2, k * 2);
    } else {
      const style: Style =
        u.kind === 'decoy' ? 'ghost' : st === 'cloaked' ? 'cloak' : st === 'disabled' || st === 'surrendered' ? 'disabled' : 'fill';
      if (style !== 'fill' || !stamps || s > STAMP_MAX_PX || !stamps.push(x, y, s, u.heading, color))
        wedge(bucket(color, style), x, y, s, u.heading);
    }

    // Shields: one ring per unit, alpha by shield fraction quantised so rings still batch.
    // In a crowd (stamped wedges) a ring per ship is noise and most of the frame: rings only zoomed in.
    const ringPx = stamps ? STAMP_MAX_PX : 7;
    if (u.maxShields > 0 && u.shields > 0 && u.kind !== 'decoy' && (s >= ringPx || u.kind === 'station')) {
      const q = Math.min(3, Math.floor((u.shields / u.maxShields) * 4)) as 0 | 1 | 2 | 3;
      const p = bucket(color, `shield${q}` as Style);
      const r = s * (u.kind === 'station' ? 1.25 : 1.35) + 2;
      p.moveTo(x + r, y);
      p.arc(x, y, r, 0, Math.PI * 2);
    }
    const hovered = u.id === o.hoverId;
    const hero = u.kind !== 'station' && isHero(u);
    if (hero) {
      const r = s * 1.35 + 5;
      const p = bucket(color, 'halo');
      p.moveTo(x + r, y);
      p.arc(x, y, r, 0, Math.PI * 2);
    }
    // Hull bars: zoomed in, only for damaged units (a fleet of full bars is noise); always when hovered.
    if (hovered || u.kind === 'station' || (s >= (stamps ? STAMP_MAX_PX : 9) && u.kind !== 'decoy' && u.hull < u.maxHull))
      hull.push({ u, x, y, s });
    if (hovered || hero || s >= 11 || u.kind === 'station') labels.push({ u, x, y, s });
  }

  // The stamped wedges go down first: rings, halos and the rest are drawn over them.
  stamps?.flush(ctx, cam.width);
  for (const b of buckets.values()) paint(ctx, b);
  for (const st of stations) drawSections(ctx, st.u, st.x, st.y, st.s);
  drawHullBars(ctx, hull);
  drawLabels(ctx, labels, o.labels);
}

function wedge(p: Path2D, x: number, y: number, s: number, heading: number): void {
  const c = Math.cos(heading);
  const n = Math.sin(heading);
  // Arrowhead: nose, left wing, notch, right wing (local coords rotated by heading).
  const pts = [
    [s, 0],
    [-s * 0.75, s * 0.6],
    [-s * 0.35, 0],
    [-s * 0.75, -s * 0.6],
  ];
  for (let i = 0; i < 4; i++) {
    const lx = pts[i][0];
    const ly = pts[i][1];
    const px = x + lx * c - ly * n;
    const py = y + lx * n + ly * c;
    if (i === 0) p.moveTo(px, py);
    else p.lineTo(px, py);
  }
  p.closePath();
}

function paint(ctx: CanvasRenderingContext2D, b: Bucket): void {
  ctx.save();
  switch (b.style) {
    case 'fill':
      ctx.fillStyle = b.color;
      b.path.fill(ctx);
      break;
    case 'disabled':
      ctx.fillStyle = 'rgba(120, 126, 136, 0.55)';
      b.path.fill(ctx);
      ctx.strokeStyle = withAlpha(b.color, 0.8);
      ctx.lineWidth = 1;
      b.path.stroke(ctx);
      break;
    case 'ghost':
      ctx.strokeStyle = withAlpha(b.color, 0.45);
      ctx.fillStyle = withAlpha(b.color, 0.08);
      ctx.setLineDash([2, 2]);
      b.path.fill(ctx);
      b.path.stroke(ctx);
      break;
    case 'cloak':
      ctx.strokeStyle = withAlpha(b.color, 0.35);
      ctx.setLineDash([3, 3]);
      b.path.stroke(ctx);
      break;
    case 'station':
      ctx.fillStyle = withAlpha(b.color, 0.18);
      b.path.fill(ctx, 'evenodd');
      ctx.strokeStyle = b.color;
      ctx.lineWidth = 2.5;
      b.path.stroke(ctx);
      break;
    case 'halo':
      ctx.strokeStyle = 'rgba(255, 214, 102, 0.85)';
      ctx.lineWidth = 1.5;
      b.path.stroke(ctx);
      break;
    case 'wreck':
      ctx.strokeStyle = 'rgba(125, 133, 144, 0.45)';
      ctx.lineWidth = 1;
      b.path.stroke(ctx);
      break;
    default: {
      const q = Number(b.style.slice(6));
      ctx.strokeStyle = withAlpha(b.color, 0.12 + q * 0.16);
      ctx.lineWidth = 1;
      b.path.stroke(ctx);
    }
  }
  ctx.restore();
}

/** Station shield sections as arcs around the ring, alpha by each section's shields. */
function drawSections(ctx: CanvasRenderingContext2D, u: Unit, x: number, y: number, s: number): void {
  const secs = u.sections;
  if (!secs || secs.length === 0 || s < 10) return;
  const r = s * 1.5 + 4;
  const span = (Math.PI * 2) / secs.length;
  ctx.save();
  ctx.lineWidth = 3;
  secs.forEach((sec, i) => {
    const f = sec.maxShields > 0 ? sec.shields / sec.maxShields : 0;
    ctx.strokeStyle = f > 0 ? `rgba(120, 200, 255, ${(0.15 + 0.75 * f).toFixed(2)})` : 'rgba(255, 80, 80, 0.6)';
    ctx.beginPath();
    ctx.arc(x, y, r, i * span + 0.06, (i + 1) * span - 0.06);
    ctx.stroke();
  });
  ctx.restore();
}

function drawHullBars(ctx: CanvasRenderingContext2D, items: { u: Unit; x: number; y: number; s: number }[]): void {
  if (items.length === 0) return;
  const back = new ChunkedPath();
  const fills: Record<'g' | 'y' | 'r', ChunkedPath> = { g: new ChunkedPath(), y: new ChunkedPath(), r: new ChunkedPath() };
  for (const { u, x, y, s } of items) {
    if (u.maxHull <= 0) continue;
    const f = Math.max(0, Math.min(1, u.hull / u.maxHull));
    const w = Math.min(u.kind === 'station' ? 80 : 36, Math.max(16, s * 1.6));
    const bx = x - w / 2;
    const by = y + s * (u.kind === 'station' ? 1.6 : 1.4) + 4;
    back.next().rect(bx, by, w, 3);
    fills[f > 0.6 ? 'g' : f > 0.3 ? 'y' : 'r'].next().rect(bx, by, w * f, 3);
  }
  ctx.fillStyle = 'rgba(0, 0, 0, 0.6)';
  back.fill(ctx);
  ctx.fillStyle = '#4ade80';
  fills.g.fill(ctx);
  ctx.fillStyle = '#facc15';
  fills.y.fill(ctx);
  ctx.fillStyle = '#f87171';
  fills.r.fill(ctx);
}

function drawLabels(ctx: CanvasRenderingContext2D, items: { u: Unit; x: number; y: number; s: number }[], placer: LabelPlacer): void {
  // A crowd of labels is noise; the named heroes and stations keep theirs.
  if (items.length > 400) items = items.filter((i) => i.u.kind === 'station' || isHero(i.u));
  if (items.length === 0) return;
  ctx.save();
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillStyle = UNIT_LABEL;
  // Stations, then heroes, then bigger units first: they win the label space.
  const rank = (u: Unit) => (u.kind === 'station' ? 2 : isHero(u) ? 1 : 0);
  items.sort((a, b) => rank(b.u) - rank(a.u) || b.s - a.s);
  for (const { u, x, y, s } of items)
    placeText(ctx, placer, u.name, x + s * (u.kind === 'station' ? 1.6 : 1.2) + 4, y - s * 0.6 - 6, 'left');
  ctx.restore();
}
