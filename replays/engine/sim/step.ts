import type { BattleEventBody } from '../../../shared/battle/events.js';
import type { Vec2, Weapon } from '../../../shared/battle/types.js';
import { withRng, type Rng } from '../rng.js';
import { Grid, ThreatMap, type Hit } from './grid.js';
import { freeze, setStatus } from './orders.js';
import { isActive, isLiving, publicField, r2, r3, unitIndex, type GroupOrder, type SimUnit, type SimWorld } from './world.js';

// One fixed simulation step: navigation, weapons, mines, minefield laying, counters.
// Everything iterates arrays in index order and draws dice from the world's generator only.

/** Attackers re-plan their chase this often (ms); between re-plans clients dead-reckon. */
const REPLAN_MS = 1500;
/** Idle units with nothing in range look again after this long. */
const RESCAN_MS = 600;
/** A course change is announced only past these thresholds. */
const TURN_EPS = 0.06;
const CHASE_TURN_EPS = 0.14;
/** A layer hit within this window lays mines at LAY_UNDER_FIRE of its normal rate. */
const UNDER_FIRE_MS = 4000;
const LAY_UNDER_FIRE = 0.15;
/** Each enemy unit inside an active minefield is struck at this rate (per second). */
const MINE_STRIKE_RATE = 0.8;
const MINE_DAMAGE = 90;

const RANGE_BAND = { standoff: 0.8, close: 0.35, pointblank: 0.1 } as const;

interface Ctx {
  world: SimWorld;
  t: number;
  px: Float64Array;
  py: Float64Array;
  /** Indices of units living at the start of the step, in index order (the wrecks are skipped). */
  live: number[];
  grids: Map<string, Grid>;
  threat: ThreatMap;
  groupGrids: Map<string, Grid>;
  /** Side of the unit searching, read by pred (one closure per step, not per search). */
  shooterSide: string;
  pred: (j: number) => boolean;
  index: Map<string, number>;
  /** Longest weapon range of each unit, by index. */
  reach: Float64Array;
  rng: Rng;
  out: BattleEventBody[];
}

function targetable(u: SimUnit): boolean {
  return isLiving(u) && u.status !== 'surrendered' && u.status !== 'cloaked';
}

function weaponsReach(u: SimUnit): number {
  let r = 0;
  for (const w of u.weapons) if (w.range > r) r = w.range;
  return r;
}

// A unit's weapons never change after it is created and units are only ever appended, so each
// unit's reach is worked out once per world (a side table, so the world stays plain JSON).
const reachCache = new WeakMap<SimWorld, { n: number; reach: Float64Array }>();

function reachTable(world: SimWorld): Float64Array {
  const n = world.units.length;
  let c = reachCache.get(world);
  if (!c || c.n !== n) {
    const reach = new Float64Array(Math.max(n, 1));
    const from = c && c.n < n ? c.n : 0;
    if (c && from > 0) reach.set(c.reach.subarray(0, from));
    for (let i = from; i < n; i++) reach[i] = weaponsReach(world.units[i]);
    c = { n, reach };
    reachCache.set(world, c);
  }
  return c.reach;
}

function buildCtx(world: SimWorld, rng: Rng, out: BattleEventBody[]): Ctx {
  const n = world.units.length;
  const reachOf = reachTable(world);
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  const grids = new Map<string, Grid>();
  for (const side of world.sides) grids.set(side, new Grid());
  const threat = new ThreatMap();
  const live: number[] = [];
  let reach = 0;
  for (let i = 0; i < n; i++) {
    const u = world.units[i];
    // Decoys dissolve first (this used to be a pass of its own; same order of events).
    if (u.expireT !== null && world.t >= u.expireT && isLiving(u)) setStatus(world, u, 'destroyed', 'dissipated', out);
    if (!isLiving(u)) continue;
    live.push(i);
    const dt = (world.t - u.t0) / 1000;
    const x = u.pos.x + u.vel.x * dt;
    const y = u.pos.y + u.vel.y * dt;
    px[i] = x;
    py[i] = y;
    if (!targetable(u)) continue;
    if (u.status === 'active' && reachOf[i] > reach) reach = reachOf[i];
    let g = grids.get(u.side);
    if (!g) grids.set(u.side, (g = new Grid()));
    g.add(i, x, y);
    threat.add(u.side, x, y);
  }
  threat.build([...grids.keys()], reach);
  const ctx: Ctx = {
    world,
    t: world.t,
    px,
    py,
    live,
    grids,
    threat,
    groupGrids: new Map(),
    shooterSide: '',
    pred: () => false,
    index: unitIndex(world),
    reach: reachOf,
    rng,
    out,
  };
  const units = world.units;
  ctx.pred = (j: number) => units[j].side !== ctx.shooterSide && targetable(units[j]);
  return ctx;
}

/** Nearest targetable enemy of u within maxR (optionally restricted to a target ref). */
function nearestEnemy(ctx: Ctx, i: number, maxR: number, ref: string | null): number {
  const u = ctx.world.units[i];
  const units = ctx.world.units;
  const x = ctx.px[i];
  const y = ctx.py[i];
  let best: Hit | null = null;
  if (ref && !ref.startsWith('side:')) {
    const ids = ctx.world.groups[ref] ?? [];
    if (ids.length <= 64) {
      for (const id of ids) {
        const j = ctx.index.get(id);
        if (j === undefined) continue;
        const v = units[j];
        if (v.side === u.side || !targetable(v)) continue;
        const dx = ctx.px[j] - x;
        const dy = ctx.py[j] - y;
        const d2 = dx * dx + dy * dy;
        if (d2 > maxR * maxR) continue;
        if (!best || d2 < best.d2 || (d2 === best.d2 && j < best.i)) best = { i: j, d2 };
      }
      return best ? best.i : -1;
    }
  }
  const sideOnly = ref?.startsWith('side:') ? ref.slice(5) : null;
  ctx.shooterSide = u.side;
  const pred = ctx.pred;
  if (ref && !sideOnly) {
    // A big target group gets its own grid (built once per step, on first use).
    let g = ctx.groupGrids.get(ref);
    if (!g) {
      g = new Grid();
      for (const id of ctx.world.groups[ref] ?? []) {
        const j = ctx.index.get(id);
        if (j !== undefined && targetable(units[j])) g.add(j, ctx.px[j], ctx.py[j]);
      }
      ctx.groupGrids.set(ref, g);
    }
    best = g.nearest(x, y, maxR, ctx.px, ctx.py, pred, null);
    return best ? best.i : -1;
  }
  for (const [side, grid] of ctx.grids) {
    if (side === u.side) continue;
    if (sideOnly && side !== sideOnly) continue;
    best = grid.nearest(x, y, maxR, ctx.px, ctx.py, pred, best);
  }
  return best ? best.i : -1;
}

function inTarget(_ctx: Ctx, v: SimUnit, ref: string): boolean {
  return ref.startsWith('side:') ? v.side === ref.slice(5) : v.group === ref;
}

function setCourse(ctx: Ctx, u: SimUnit, i: number, vel: Vec2): void {
  u.pos = { x: r2(ctx.px[i]), y: r2(ctx.py[i]) };
  u.vel = { x: r3(vel.x), y: r3(vel.y) };
  u.t0 = ctx.t;
  if (vel.x !== 0 || vel.y !== 0) u.heading = r3(Math.atan2(vel.y, vel.x));
  ctx.out.push({ type: 'unit:move', id: u.id, pos: { ...u.pos }, vel: { ...u.vel }, heading: u.heading });
}

function moving(u: SimUnit): boolean {
  return u.vel.x !== 0 || u.vel.y !== 0;
}

function angleDiff(a: number, b: number): number {
  let d = Math.abs(a - b) % (2 * Math.PI);
  if (d > Math.PI) d = 2 * Math.PI - d;
  return d;
}

function planAttack(ctx: Ctx, u: SimUnit, i: number, order: Extract<GroupOrder, { kind: 'attack' }>): void {
  const units = ctx.world.units;
  let j = u.targetId ? (ctx.index.get(u.targetId) ?? -1) : -1;
  if (j >= 0 && (!targetable(units[j]) || units[j].side === u.side || !inTarget(ctx, units[j], order.target))) j = -1;
  if (j < 0) j = nearestEnemy(ctx, i, Infinity, order.target);
  u.targetId = j >= 0 ? units[j].id : null;
  u.replanT = ctx.t + REPLAN_MS + (i % 5) * 100;
  if (u.speed <= 0) return;
  if (j < 0) {
    u.dest = null;
    return;
  }
  const band = RANGE_BAND[order.range] * ctx.reach[i];
  const dx = ctx.px[i] - ctx.px[j];
  const dy = ctx.py[i] - ctx.py[j];
  const d = Math.hypot(dx, dy);
  if (d <= band || d === 0) {
    u.dest = null;
    return;
  }
  // Aim for the point on the line to the target at 90% of the band, so small target drift
  // does not bounce the unit in and out of range.
  const k = (band * 0.9) / d;
  u.dest = { x: ctx.px[j] + dx * k, y: ctx.py[j] + dy * k };
}

function navigate(ctx: Ctx, dtMs: number): void {
  const { world } = ctx;
  for (const i of ctx.live) {
    const u = world.units[i];
    if (u.status !== 'active' && u.status !== 'cloaked') continue;
    const order = world.orders[u.group];
    if (order?.kind === 'attack' && ctx.t >= u.replanT) planAttack(ctx, u, i, order);
    if (u.speed <= 0) continue;
    if (!u.dest) {
      if (moving(u)) setCourse(ctx, u, i, { x: 0, y: 0 });
      continue;
    }
    const dx = u.dest.x - ctx.px[i];
    const dy = u.dest.y - ctx.py[i];
    const dist = Math.hypot(dx, dy);
    const travel = (u.cruise * dtMs) / 1000;
    if (dist <= Math.max(travel, 0.5)) {
      u.dest = null;
      if (moving(u)) setCourse(ctx, u, i, { x: 0, y: 0 });
      if (order?.kind === 'retreat' && u.kind !== 'decoy') setStatus(world, u, 'retreated', 'retreated', ctx.out);
      continue;
    }
    const vel = { x: (dx / dist) * u.cruise, y: (dy / dist) * u.cruise };
    if (!moving(u)) {
      setCourse(ctx, u, i, vel);
      continue;
    }
    const cur = Math.hypot(u.vel.x, u.vel.y);
    const turn = angleDiff(Math.atan2(vel.y, vel.x), Math.atan2(u.vel.y, u.vel.x));
    const eps = order?.kind === 'attack' ? CHASE_TURN_EPS : TURN_EPS;
    if (turn > eps || Math.abs(cur - u.cruise) > 0.1 * u.cruise) setCourse(ctx, u, i, vel);
  }
}

function applyHit(
  ctx: Ctx,
  shooter: string,
  target: SimUnit,
  weapon: Weapon['kind'],
  hit: boolean,
  damage: number,
  section: string | undefined,
): void {
  const ev: Extract<BattleEventBody, { type: 'unit:fire' }> = {
    type: 'unit:fire',
    from: shooter,
    to: target.id,
    weapon,
    hit,
    shields: 0,
    hull: 0,
  };
  if (hit && target.kind !== 'decoy') {
    target.lastHitT = ctx.t;
    const sec = section && target.sections ? target.sections.find((s) => s.id === section) : undefined;
    if (sec && sec.shields > 0) {
      // Focused fire on a shield generator: the section takes the damage; when it fails, the
      // station's shields collapse with it.
      sec.shields = Math.max(0, sec.shields - damage);
      if (sec.shields === 0) target.shields = 0;
      ev.section = { id: sec.id, shields: sec.shields };
    } else {
      const absorbed = Math.min(target.shields, damage);
      target.shields -= absorbed;
      target.hull = Math.max(0, target.hull - (damage - absorbed));
    }
  }
  ev.shields = target.shields;
  ev.hull = target.hull;
  ctx.out.push(ev);
  if (target.hull <= 0 && isLiving(target)) setStatus(ctx.world, target, 'destroyed', `destroyed by ${shooter}`, ctx.out);
}

function fireWeapons(ctx: Ctx, dtMs: number): void {
  const { world } = ctx;
  const units = world.units;
  for (const i of ctx.live) {
    const u = units[i];
    if (u.weapons.length === 0 || u.status !== 'active') continue;
    let ready = false;
    for (let k = 0; k < u.cd.length; k++) {
      u.cd[k] = Math.max(0, u.cd[k] - dtMs);
      if (u.cd[k] === 0) ready = true;
    }
    if (!ready || world.ceasefire || !isActive(u) || u.kind === 'decoy') continue;
    // Priority target (attack order) if it is in range, else the nearest enemy in range.
    let j = -1;
    let d = Infinity;
    if (u.targetId) {
      const tj = ctx.index.get(u.targetId);
      if (tj !== undefined && targetable(units[tj]) && units[tj].side !== u.side) {
        j = tj;
        d = Math.hypot(ctx.px[tj] - ctx.px[i], ctx.py[tj] - ctx.py[i]);
        if (d > ctx.reach[i]) j = -1;
      }
    }
    if (j < 0) {
      j = ctx.threat.threatened(u.side, ctx.px[i], ctx.py[i]) ? nearestEnemy(ctx, i, ctx.reach[i], null) : -1;
      if (j < 0) {
        // Nothing in reach: wait a little before searching again (keeps idle fleets cheap).
        for (let k = 0; k < u.cd.length; k++) if (u.cd[k] === 0) u.cd[k] = RESCAN_MS;
        continue;
      }
      d = Math.hypot(ctx.px[j] - ctx.px[i], ctx.py[j] - ctx.py[i]);
      // Weapons free: stay on this target while it lasts and is in reach (no search every volley).
      if (world.orders[u.group]?.kind !== 'attack') u.targetId = units[j].id;
    }
    const order = world.orders[u.group];
    const section = order?.kind === 'attack' && order.section && u.targetId === units[j].id ? order.section : undefined;
    for (let k = 0; k < u.weapons.length; k++) {
      const w = u.weapons[k];
      if (u.cd[k] > 0 || d > w.range || d < (w.minRange ?? 0)) continue;
      const target = units[j];
      if (!isLiving(target)) break;
      const p = w.accuracy * (1 - (0.5 * d) / w.range);
      const hit = ctx.rng.next() < p;
      applyHit(ctx, u.id, target, w.kind, hit, w.damage, section);
      u.cd[k] = w.cooldownMs;
    }
  }
}

function layMines(ctx: Ctx, dtMs: number): void {
  const { world } = ctx;
  for (const f of world.fields) {
    if (f.active) continue;
    let rate = 0;
    for (const i of ctx.live) {
      const u = world.units[i];
      if (!isActive(u)) continue;
      const o = world.orders[u.group];
      if (o?.kind !== 'layMines' || o.field !== f.id) continue;
      if (Math.hypot(ctx.px[i] - f.center.x, ctx.py[i] - f.center.y) > f.radius) continue;
      rate += ctx.t - u.lastHitT < UNDER_FIRE_MS ? LAY_UNDER_FIRE : 1;
    }
    if (rate === 0) continue;
    f.progress = Math.min(1, f.progress + (rate * dtMs) / 1000 / f.workSeconds);
    if (f.progress >= 1) {
      f.progress = 1;
      f.active = true;
    }
    if (f.active || f.progress - f.sentProgress >= 0.02) {
      f.sentProgress = f.progress;
      ctx.out.push({ type: 'field', field: { ...publicField(f), progress: r3(f.progress) } });
    }
  }
}

function strikeMines(ctx: Ctx, dtMs: number): void {
  const { world } = ctx;
  const p = 1 - Math.exp((-MINE_STRIKE_RATE * dtMs) / 1000);
  for (const f of world.fields) {
    if (!f.active) continue;
    const r2f = f.radius * f.radius;
    for (const i of ctx.live) {
      const u = world.units[i];
      if (u.side === f.side || u.kind === 'decoy' || !isLiving(u)) continue;
      const dx = ctx.px[i] - f.center.x;
      const dy = ctx.py[i] - f.center.y;
      if (dx * dx + dy * dy > r2f) continue;
      if (ctx.rng.next() >= p) continue;
      // The field replaces each detonated mine (self-replicating minefield).
      f.replicated++;
      applyHit(ctx, f.id, u, 'torpedo', true, MINE_DAMAGE, undefined);
    }
    if (f.replicated !== f.sentReplicated && ctx.t - f.sentReplicatedT >= 1000) {
      f.sentReplicated = f.replicated;
      f.sentReplicatedT = ctx.t;
      ctx.out.push({ type: 'field', field: { ...publicField(f), progress: r3(f.progress) } });
    }
  }
}

function advanceCounters(world: SimWorld, dtMs: number): void {
  for (const rule of world.progress) {
    if (rule.group !== undefined) {
      const ids = world.groups[rule.group] ?? [];
      const index = unitIndex(world);
      if (
        !ids.some((id) => {
          const j = index.get(id);
          return j !== undefined && isLiving(world.units[j]);
        })
      )
        continue;
    }
    world.counters[rule.counter] = (world.counters[rule.counter] ?? 0) + (rule.ratePerSec * dtMs) / 1000;
  }
}

/** Advance the world by dtMs; events describing what changed go to `out` (stamped by the caller). */
export function step(world: SimWorld, dtMs: number, out: BattleEventBody[]): void {
  world.t += dtMs;
  const { state } = withRng(world.rng, (rng) => {
    const ctx = buildCtx(world, rng, out);
    navigate(ctx, dtMs);
    layMines(ctx, dtMs);
    fireWeapons(ctx, dtMs);
    strikeMines(ctx, dtMs);
  });
  world.rng = state;
  advanceCounters(world, dtMs);
}

export { freeze };
