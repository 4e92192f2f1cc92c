import type { Unit } from '../../../../shared/battle/types.js';
import type { Camera } from './camera.js';
import type { FxFrame } from './fxPaint.js';
import { ChunkedPath } from './chunkedPath.js';
import { STAMP_MAX_PX, StampLayer } from './stampLayer.js';
import { placeText, type LabelPlacer } from './labels.js';
import { UNIT_LABEL, withAlpha } from './palette.js';
import type { WedgeSink, WorkerStamps } from './workerStamps.js';
import { ColorWords } from './wedgeStamp.js';
import type { UnitTouches } from './unitTouches.js';

// Units, batched: one Path2D per (side colour, style) so thousands of ships cost a handful of fill
// calls per frame. Also records where each unit landed on screen for hover hit-testing.

export interface HitGrid {
  count: number;
  /** The list drawn last; hit i is the unit list[idx[i]]. */
  list: readonly Unit[];
  idx: Int32Array;
  x: Float32Array;
  y: Float32Array;
  r: Float32Array;
}

export function newHitGrid(capacity = 1024): HitGrid {
  return {
    count: 0,
    list: [],
    idx: new Int32Array(capacity),
    x: new Float32Array(capacity),
    y: new Float32Array(capacity),
    r: new Float32Array(capacity),
  };
}

/** The id of hit i. */
export function hitId(h: HitGrid, i: number): string {
  return h.list[h.idx[i]].id;
}

function pushHit(h: HitGrid, index: number, x: number, y: number, r: number): void {
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
    const ni = new Int32Array(cap);
    ni.set(h.idx);
    h.idx = ni;
  }
  h.idx[h.count] = index;
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
  /** This frame's beams and effects: when the off-thread layer takes the wedges, its worker paints these too. */
  fx?: FxFrame | null;
  /**
   * The units' changes as events name them, and the world's time (state.t): with both, a list drawn again re-reads
   * only the units touched since its last frame (UnitTouches). Without, every unit is re-read every frame.
   */
  touches?: UnitTouches;
  worldT?: number;
  /** Where hull bars and labels go (a canvas over the unit layer's); default ctx. */
  labelCtx?: CanvasRenderingContext2D;
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

/** Kind codes for the per-unit cache (index into MIN/MAX_BY_KIND). */
const SHIP = 0;
const STATION = 1;
const PLATFORM = 2;
const DECOY = 3;
const KIND_CODE: Record<Unit['kind'], number> = { ship: SHIP, station: STATION, platform: PLATFORM, decoy: DECOY };
const MIN_BY_KIND = [MIN_PX.ship, MIN_PX.station, MIN_PX.platform, MIN_PX.decoy];
const MAX_BY_KIND = [MAX_PX.ship, MAX_PX.station, MAX_PX.platform, MAX_PX.decoy];

/** Status codes of the columns. */
const PLAIN = 0;
const DESTROYED = 1;
const GONE = 2;
const CLOAKED = 3;
const DISABLED = 4;
function statusCode(st: Unit['status']): number {
  if (st === 'destroyed') return DESTROYED;
  if (st === 'retreated' || st === 'evacuated') return GONE;
  if (st === 'cloaked') return CLOAKED;
  if (st === 'disabled' || st === 'surrendered') return DISABLED;
  return PLAIN;
}

/** Units re-read per frame whatever the events said: a backstop, so a missed change heals within a second. */
const SWEEP_PER_FRAME = 512;

/**
 * Per-unit columns for drawUnits, kept while the unit list is the same array (TacticalView keeps it until units
 * are added; a segment world folds in place). Kind, hero and size are read once; motion (pos, vel, t0, heading),
 * status and side are re-read for the units the events folded since the last frame name (UnitTouches), for all
 * of them when the world went back in time, and for a few hundred more each frame as a backstop. Why: at 20,000
 * units, following every unit's objects and boxed numbers each frame was most of a frame's script (they lie
 * wherever the events that carried them were parsed, a cache miss each): measured ~10x slower than reading
 * the same numbers from freshly allocated objects, and slower again on a loaded machine.
 */
class UnitStatics {
  list: readonly Unit[] = [];
  kind = new Uint8Array(0);
  hero = new Uint8Array(0);
  size = new Float64Array(0);
  status = new Uint8Array(0);
  /** x, y, vx, vy, t0, heading per unit. */
  motion = new Float64Array(0);
  side: string[] = [];
  color: string[] = [];
  word = new Uint32Array(0);
  readonly index = new Map<string, number>();
  private palette = new Map<string, string>();
  private words = new ColorWords();
  private worldT = -Infinity;
  private sweep = 0;
  private colorOf: (side: string) => string;
  /** Just built: every unit was read. */
  private fresh = false;

  constructor(units: readonly Unit[], colorOf: (side: string) => string) {
    const n = units.length;
    this.list = units;
    this.colorOf = colorOf;
    this.kind = new Uint8Array(n);
    this.hero = new Uint8Array(n);
    this.size = new Float64Array(n);
    this.status = new Uint8Array(n);
    this.motion = new Float64Array(n * 6);
    this.word = new Uint32Array(n);
    this.side = new Array<string>(n);
    this.color = new Array<string>(n);
    // One pass over the units (a new list comes with a new world: that frame has enough to do).
    for (let i = 0; i < n; i++) {
      const u = units[i];
      this.kind[i] = KIND_CODE[u.kind] ?? SHIP;
      this.hero[i] = u.kind !== 'station' && isHero(u) ? 1 : 0;
      this.size[i] = u.size;
      this.index.set(u.id, i);
      this.read(i);
    }
    this.fresh = true;
  }

  /** Bring the columns up to the list's units as they are now. */
  sync(colorOf: (side: string) => string, touches: UnitTouches | undefined, worldT: number | undefined): void {
    let all = colorOf !== this.colorOf;
    if (!all) for (const [side, c] of this.palette) if (colorOf(side) !== c) all = true;
    if (all) {
      this.colorOf = colorOf;
      this.palette.clear();
    }
    const n = this.list.length;
    if (this.fresh && !all) {
      // Read in the constructor.
    } else if (all || !touches || worldT === undefined || worldT < this.worldT) for (let i = 0; i < n; i++) this.read(i);
    else if (worldT > this.worldT)
      touches.forEach(this.worldT, worldT, (id) => {
        const i = this.index.get(id);
        if (i !== undefined) this.read(i);
      });
    this.fresh = false;
    this.worldT = worldT ?? -Infinity;
    for (let k = 0; k < SWEEP_PER_FRAME && n > 0; k++) {
      this.read(this.sweep);
      this.sweep = (this.sweep + 1) % n;
    }
  }

  /** Re-read unit i's motion, status and side. */
  private read(i: number): void {
    const u = this.list[i];
    const m = this.motion;
    const o = i * 6;
    const p = u.pos;
    const v = u.vel;
    m[o] = p.x;
    m[o + 1] = p.y;
    m[o + 2] = v.x;
    m[o + 3] = v.y;
    m[o + 4] = u.t0;
    m[o + 5] = u.heading;
    this.status[i] = statusCode(u.status);
    const side = u.side;
    if (side === this.side[i]) return;
    let c = this.palette.get(side);
    if (c === undefined) this.palette.set(side, (c = this.colorOf(side)));
    this.side[i] = side;
    this.color[i] = c;
    this.word[i] = this.words.word(c) ?? 0;
  }
}

/** By unit list: a compare view's two panes draw two lists, each keeps its own columns. */
const staticsByList = new WeakMap<readonly Unit[], UnitStatics>();

interface Placed {
  u: Unit;
  x: number;
  y: number;
  s: number;
}

export function drawUnits(ctx: CanvasRenderingContext2D, cam: Camera, units: readonly Unit[], o: UnitDrawOptions): void {
  const stamps = stampsFor(ctx, cam, units.length, o.offThread);
  lastUnitRenderer = !stamps ? 'canvas' : stamps === o.offThread ? 'worker' : 'stamp';
  let statics = staticsByList.get(units);
  if (!statics) staticsByList.set(units, (statics = new UnitStatics(units, o.colorOf)));
  statics.sync(o.colorOf, o.touches, o.worldT);
  const { kind: kinds, hero: heroes, word: words, size: sizes, status: statuses, motion, color: colors } = statics;
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
  const hull: Placed[] = [];
  const labels: Placed[] = [];
  const stations: Placed[] = [];
  const hit = o.hit;
  hit.count = 0;
  hit.list = units;
  // The camera's transform and the size limits, hoisted out of the 20,000-unit loop.
  const { scale, cx, cy } = cam;
  const hw = cam.width / 2;
  const hh = cam.height / 2;
  const maxX = cam.width + margin;
  const maxY = cam.height + margin;
  const boost = o.boost ?? 1;
  const halfScale = scale / 2;
  const t = o.t;
  const hoverId = o.hoverId;
  const hoverIndex = hoverId === null ? -1 : (statics.index.get(hoverId) ?? -1);
  // In a crowd (stamped wedges) a ring per ship is noise and most of the frame: rings only zoomed in.
  const ringPx = stamps ? STAMP_MAX_PX : 7;
  const hullPx = stamps ? STAMP_MAX_PX : 9;

  for (let i = 0; i < units.length; i++) {
    const st = statuses[i];
    if (st === GONE) continue;
    const o6 = i * 6;
    const dt = (t - motion[o6 + 4]) / 1000;
    // cam.toScreenX/Y, inlined.
    const x = (motion[o6] + motion[o6 + 2] * dt - cx) * scale + hw;
    const y = (motion[o6 + 1] + motion[o6 + 3] * dt - cy) * scale + hh;
    if (x < -margin || y < -margin || x > maxX || y > maxY) continue;
    const k = kinds[i];
    const size = sizes[i] * halfScale;
    const min = MIN_BY_KIND[k] * boost;
    const s = Math.min(MAX_BY_KIND[k], Math.max(size, min));
    if (st === DESTROYED) {
      // Wrecks only when zoomed in enough to read them; zoomed out they would be noise.
      if (s >= 6) {
        const p = bucket('#7d8590', 'wreck');
        const w = s * 0.5;
        p.moveTo(x - w, y - w);
        p.lineTo(x + w, y + w);
        p.moveTo(x + w, y - w);
        p.lineTo(x - w, y + w);
      }
      continue;
    }
    pushHit(hit, i, x, y, Math.max(s, 5));
    const hero = heroes[i] === 1;
    const hovered = i === hoverIndex;
    const heading = motion[o6 + 5];

    if (k === SHIP && st === PLAIN) {
      // The crowd's common case: a plain small wedge, stamped (by its side's pixel word), nothing else on it.
      const word = words[i];
      if (stamps && s <= STAMP_MAX_PX && word !== 0) stamps.pushWord(x, y, s, heading, word);
      else wedge(bucket(colors[i], 'fill'), x, y, s, heading);
      if (s < ringPx && s < hullPx && s < 11 && !hero && !hovered) continue;
    } else {
      const color = colors[i];
      if (k === STATION) {
        const p = bucket(color, 'station');
        p.moveTo(x + s, y);
        p.arc(x, y, s, 0, Math.PI * 2);
        p.moveTo(x + s * 0.45, y);
        p.arc(x, y, s * 0.45, 0, Math.PI * 2);
        stations.push({ u: units[i], x, y, s });
      } else if (k === PLATFORM) {
        const p = bucket(color, st === DISABLED ? 'disabled' : st === CLOAKED ? 'cloak' : 'fill');
        const w = s * 0.8;
        p.rect(x - w, y - w, w * 2, w * 2);
      } else {
        const style: Style = k === DECOY ? 'ghost' : st === CLOAKED ? 'cloak' : 'disabled';
        wedge(bucket(color, style), x, y, s, heading);
      }
    }

    // Drawn big (or a station, hero or hovered): shields, hull and labels come from the unit itself.
    const u = units[i];
    // Shields: one ring per unit, alpha by shield fraction quantised so rings still batch.
    if ((s >= ringPx || k === STATION) && k !== DECOY && u.maxShields > 0 && u.shields > 0) {
      const q = Math.min(3, Math.floor((u.shields / u.maxShields) * 4)) as 0 | 1 | 2 | 3;
      const p = bucket(colors[i], `shield${q}` as Style);
      const r = s * (k === STATION ? 1.25 : 1.35) + 2;
      p.moveTo(x + r, y);
      p.arc(x, y, r, 0, Math.PI * 2);
    }
    if (hero) {
      const r = s * 1.35 + 5;
      const p = bucket(colors[i], 'halo');
      p.moveTo(x + r, y);
      p.arc(x, y, r, 0, Math.PI * 2);
    }
    // Hull bars: zoomed in, only for damaged units (a fleet of full bars is noise); always when hovered.
    if (hovered || k === STATION || (s >= hullPx && k !== DECOY && u.hull < u.maxHull)) hull.push({ u, x, y, s });
    if (hovered || hero || s >= 11 || k === STATION) labels.push({ u, x, y, s });
  }

  // The stamped wedges go down first: rings, halos and the rest are drawn over them.
  stamps?.flush(ctx, cam.width, o.fx);
  for (const b of buckets.values()) paint(ctx, b);
  for (const st of stations) drawSections(ctx, st.u, st.x, st.y, st.s);
  const top = o.labelCtx ?? ctx;
  drawHullBars(top, hull);
  drawLabels(top, labels, o.labels);
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
