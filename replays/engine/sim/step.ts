import type { BattleEventBody } from '../../../shared/battle/events.js';
import type { UnitStatus, Weapon } from '../../../shared/battle/types.js';
import { VolleyBuilder } from '../../../shared/battle/volley.js';
import { withRng, type Rng } from '../rng.js';
import { Grid, ThreatMap } from './grid.js';
import { freeze, setStatus } from './orders.js';
import { hotOf, refresh, refreshHealth, setDest, settleCooldowns, type Hot } from './hot.js';
import { isLiving, publicField, r2, r3, unitIndex, type GroupOrder, type SimUnit, type SimWorld } from './world.js';

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
  hot: Hot;
  t: number;
  px: Float64Array;
  py: Float64Array;
  /** grids[k] holds the targetable units of side hot.sides[k] (reused step to step). */
  grids: Grid[];
  threat: ThreatMap;
  /** Target groups' unit indexes and grids, kept with the side grids (see targetGroup). */
  groups: Map<string, TargetGroup>;
  index: Map<string, number>;
  rng: Rng;
  out: BattleEventBody[];
  /** The step's volley when the battle sends shots as volleys (null: one unit:fire per shot). */
  volley: VolleyBuilder | null;
}

/** A target group's unit indexes (in its id order, -1 = not on the map) and its grid, built at most once a step. */
interface TargetGroup {
  ix: Int32Array;
  grid: Grid | null;
  /** The step whose positions the grid holds. */
  builtFor: Ctx | null;
}

interface Kept {
  grids: Grid[];
  threat: ThreatMap;
  groups: Map<string, TargetGroup>;
}

// Per-world side grids, threat map and target groups, kept between steps so a step allocates no grid buffers.
// A store lives as long as the world's hot arrays: an order that spawns units or changes groups drops both.
const gridStore = new WeakMap<Hot, Kept>();

function sideGrids(hot: Hot): Kept {
  let kept = gridStore.get(hot);
  if (!kept) gridStore.set(hot, (kept = { grids: [], threat: new ThreatMap(), groups: new Map() }));
  const { grids, threat } = kept;
  while (grids.length < hot.sides.length) grids.push(new Grid());
  for (const g of grids) g.reset();
  threat.reset();
  return kept;
}

/** setStatus, keeping the hot arrays in step with the unit object. */
function setStatusHot(ctx: Ctx, u: SimUnit, i: number, status: UnitStatus, reason: string): void {
  setStatus(ctx.world, u, status, reason, ctx.out);
  refresh(ctx.hot, u, i);
}

function buildCtx(world: SimWorld, rng: Rng, out: BattleEventBody[], volleys: boolean): Ctx {
  const hot = hotOf(world);
  const kept = sideGrids(hot);
  const { grids, threat } = kept;
  const ctx: Ctx = {
    world,
    hot,
    t: world.t,
    px: hot.px,
    py: hot.py,
    grids,
    threat,
    groups: kept.groups,
    index: unitIndex(world),
    rng,
    out,
    volley: volleys ? new VolleyBuilder() : null,
  };
  const reach = placeUnits(ctx);
  const present: boolean[] = [];
  for (let k = 0; k < grids.length; k++) present.push(grids[k].size > 0 || k < world.sides.length);
  threat.build(present, reach);
  return ctx;
}

/**
 * Positions now, the living list, the side grids and the threat map's cells; returns the longest reach of an
 * active unit. Only the loop, in a function of its own: V8 optimises a long loop mid-call (on-stack
 * replacement), and cold code after the loop in the same function dropped that code again at every step.
 */
function placeUnits(ctx: Ctx): number {
  const { world, hot, grids, threat, t } = ctx;
  const n = hot.n;
  const { px, py, x0, y0, vx, vy, t0, living, tgt, active, side, reach: reachOf, expire, live } = hot;
  let liveN = 0;
  let reach = 0;
  for (let i = 0; i < n; i++) {
    // Decoys dissolve first (this used to be a pass of its own; same order of events).
    if (t >= expire[i] && living[i] === 1) setStatusHot(ctx, world.units[i], i, 'destroyed', 'dissipated');
    if (living[i] === 0) continue;
    live[liveN++] = i;
    const dt = (t - t0[i]) / 1000;
    const x = x0[i] + vx[i] * dt;
    const y = y0[i] + vy[i] * dt;
    px[i] = x;
    py[i] = y;
    if (tgt[i] === 0) continue;
    if (active[i] === 1 && reachOf[i] > reach) reach = reachOf[i];
    grids[side[i]].add(i, x, y);
    threat.add(side[i], x, y);
  }
  hot.liveN = liveN;
  return reach;
}

/** The group's unit indexes (looked up once per store: groups and indexes change only through orders). */
function targetGroup(ctx: Ctx, ref: string): TargetGroup {
  let group = ctx.groups.get(ref);
  if (!group) {
    const ids = ctx.world.groups[ref] ?? [];
    const ix = new Int32Array(ids.length);
    for (let k = 0; k < ids.length; k++) ix[k] = ctx.index.get(ids[k]) ?? -1;
    group = { ix, grid: null, builtFor: null };
    ctx.groups.set(ref, group);
  }
  return group;
}

/** Nearest targetable enemy of u within maxR (optionally restricted to a target ref). */
function nearestEnemy(ctx: Ctx, i: number, maxR: number, ref: string | null): number {
  const { hot } = ctx;
  const own = hot.side[i];
  const x = ctx.px[i];
  const y = ctx.py[i];
  if (ref && !ref.startsWith('side:')) {
    const group = targetGroup(ctx, ref);
    const ix = group.ix;
    if (ix.length <= 64) {
      let bi = -1;
      let bd = Infinity;
      for (let k = 0; k < ix.length; k++) {
        const j = ix[k];
        if (j < 0) continue;
        if (hot.side[j] === own || hot.tgt[j] === 0) continue;
        const dx = ctx.px[j] - x;
        const dy = ctx.py[j] - y;
        const d2 = dx * dx + dy * dy;
        if (d2 > maxR * maxR) continue;
        if (bi < 0 || d2 < bd || (d2 === bd && j < bi)) {
          bi = j;
          bd = d2;
        }
      }
      return bi;
    }
    // A big target group gets its own grid (built once per step, on first use; its buffers kept).
    if (group.builtFor !== ctx) {
      const g = (group.grid ??= new Grid());
      g.reset();
      for (let k = 0; k < ix.length; k++) {
        const j = ix[k];
        if (j >= 0 && hot.tgt[j] === 1) g.add(j, ctx.px[j], ctx.py[j]);
      }
      group.builtFor = ctx;
    }
    return (group.grid as Grid).nearest(x, y, maxR, hot.tgt, hot.side, own, -1, Infinity);
  }
  const only = ref ? hot.sides.indexOf(ref.slice(5)) : -1;
  if (ref && only < 0) return -1;
  let bi = -1;
  let bd = Infinity;
  for (let k = 0; k < ctx.grids.length; k++) {
    if (k === own) continue;
    if (ref && k !== only) continue;
    const g = ctx.grids[k];
    bi = g.nearest(x, y, maxR, hot.tgt, hot.side, own, bi, bd);
    bd = g.d2;
  }
  return bi;
}

function inTarget(_ctx: Ctx, v: SimUnit, ref: string): boolean {
  return ref.startsWith('side:') ? v.side === ref.slice(5) : v.group === ref;
}

function setCourse(ctx: Ctx, u: SimUnit, i: number, vx: number, vy: number): void {
  u.pos = { x: r2(ctx.px[i]), y: r2(ctx.py[i]) };
  u.vel = { x: r3(vx), y: r3(vy) };
  u.t0 = ctx.t;
  if (vx !== 0 || vy !== 0) u.heading = r3(Math.atan2(vy, vx));
  const h = ctx.hot;
  h.x0[i] = u.pos.x;
  h.y0[i] = u.pos.y;
  h.vx[i] = u.vel.x;
  h.vy[i] = u.vel.y;
  h.t0[i] = u.t0;
  // The event shares the new pos/vel objects: nothing writes into a Vec2 once made (courses replace them).
  ctx.out.push({ type: 'unit:move', id: u.id, pos: u.pos, vel: u.vel, heading: u.heading });
}

function setTarget(ctx: Ctx, u: SimUnit, i: number, j: number): void {
  ctx.hot.target[i] = j;
  u.targetId = j >= 0 ? ctx.world.units[j].id : null;
}

function angleDiff(a: number, b: number): number {
  let d = Math.abs(a - b) % (2 * Math.PI);
  if (d > Math.PI) d = 2 * Math.PI - d;
  return d;
}

function planAttack(ctx: Ctx, u: SimUnit, i: number, order: Extract<GroupOrder, { kind: 'attack' }>): void {
  const units = ctx.world.units;
  const hot = ctx.hot;
  let j = hot.target[i];
  if (j >= 0 && (hot.tgt[j] === 0 || hot.side[j] === hot.side[i] || !inTarget(ctx, units[j], order.target))) j = -1;
  if (j < 0) j = nearestEnemy(ctx, i, Infinity, order.target);
  setTarget(ctx, u, i, j);
  u.replanT = ctx.t + REPLAN_MS + (i % 5) * 100;
  hot.replanT[i] = u.replanT;
  if (hot.speed[i] <= 0) return;
  if (j < 0) {
    setDest(hot, u, i, null);
    return;
  }
  const band = RANGE_BAND[order.range] * hot.reach[i];
  const dx = ctx.px[i] - ctx.px[j];
  const dy = ctx.py[i] - ctx.py[j];
  const d = Math.hypot(dx, dy);
  if (d <= band || d === 0) {
    setDest(hot, u, i, null);
    return;
  }
  // Aim for the point on the line to the target at 90% of the band, so small target drift
  // does not bounce the unit in and out of range.
  const k = (band * 0.9) / d;
  setDest(hot, u, i, { x: ctx.px[j] + dx * k, y: ctx.py[j] + dy * k });
}

function navigate(ctx: Ctx, dtMs: number): void {
  const { world, hot } = ctx;
  const { live, moves, vx, vy, speed, cruise, replanT, hasDest, destX, destY, px, py } = hot;
  const units = world.units;
  const t = ctx.t;
  for (let n = 0; n < hot.liveN; n++) {
    const i = live[n];
    if (moves[i] === 0) continue;
    const order = hot.order[i];
    if (order?.kind === 'attack' && t >= replanT[i]) planAttack(ctx, units[i], i, order);
    if (speed[i] <= 0) continue;
    const moving = vx[i] !== 0 || vy[i] !== 0;
    if (hasDest[i] === 0) {
      if (moving) setCourse(ctx, units[i], i, 0, 0);
      continue;
    }
    const dx = destX[i] - px[i];
    const dy = destY[i] - py[i];
    const dist = Math.hypot(dx, dy);
    const c = cruise[i];
    const travel = (c * dtMs) / 1000;
    if (dist <= Math.max(travel, 0.5)) {
      const u = units[i];
      setDest(hot, u, i, null);
      if (moving) setCourse(ctx, u, i, 0, 0);
      if (order?.kind === 'retreat' && hot.decoy[i] === 0) setStatusHot(ctx, u, i, 'retreated', 'retreated');
      continue;
    }
    const nvx = (dx / dist) * c;
    const nvy = (dy / dist) * c;
    if (!moving) {
      setCourse(ctx, units[i], i, nvx, nvy);
      continue;
    }
    const cur = Math.hypot(vx[i], vy[i]);
    const turn = angleDiff(Math.atan2(nvy, nvx), Math.atan2(vy[i], vx[i]));
    const eps = order?.kind === 'attack' ? CHASE_TURN_EPS : TURN_EPS;
    if (turn > eps || Math.abs(cur - c) > 0.1 * c) setCourse(ctx, units[i], i, nvx, nvy);
  }
}

function applyHit(
  ctx: Ctx,
  shooter: string,
  target: SimUnit,
  j: number,
  weapon: Weapon['kind'],
  hit: boolean,
  damage: number,
  section: string | undefined,
): void {
  let sectionNow: { id: string; shields: number } | undefined;
  if (hit && target.kind !== 'decoy') {
    target.lastHitT = ctx.t;
    const sec = section && target.sections ? target.sections.find((s) => s.id === section) : undefined;
    if (sec && sec.shields > 0) {
      // Focused fire on a shield generator: the section takes the damage; when it fails, the
      // station's shields collapse with it.
      sec.shields = Math.max(0, sec.shields - damage);
      if (sec.shields === 0) target.shields = 0;
      sectionNow = { id: sec.id, shields: sec.shields };
    } else {
      const absorbed = Math.min(target.shields, damage);
      target.shields -= absorbed;
      target.hull = Math.max(0, target.hull - (damage - absorbed));
    }
  }
  refreshHealth(ctx.hot, target, j);
  const v = ctx.volley;
  if (v) {
    // The volley takes the event's place at the step's first shot; later shots join it.
    if (v.size === 0) ctx.out.push(v.body);
    v.add(shooter, target.id, weapon, hit, target.shields, target.hull, sectionNow);
  } else {
    const ev: Extract<BattleEventBody, { type: 'unit:fire' }> = {
      type: 'unit:fire',
      from: shooter,
      to: target.id,
      weapon,
      hit,
      shields: target.shields,
      hull: target.hull,
    };
    if (sectionNow) ev.section = sectionNow;
    ctx.out.push(ev);
  }
  if (target.hull <= 0 && ctx.hot.living[j] === 1) setStatusHot(ctx, target, j, 'destroyed', `destroyed by ${shooter}`);
}

function fireWeapons(ctx: Ctx, dtMs: number): void {
  const { world, hot } = ctx;
  const { live, active, decoy, cd, cdOff } = hot;
  const ceasefire = world.ceasefire;
  const { pend, skipTo } = hot;
  const t = ctx.t;
  if (hot.pendDt !== dtMs) {
    // Owed decrements are of one size: settle them before the step size changes.
    settleCooldowns(hot);
    hot.pendDt = dtMs;
    skipTo.fill(0);
  }
  for (let n = 0; n < hot.liveN; n++) {
    const i = live[n];
    const o0 = cdOff[i];
    const o1 = cdOff[i + 1];
    if (o0 === o1 || active[i] === 0) continue;
    // No weapon can be ready yet: owe this step's decrement (made, with any owed before, when next looked at).
    if (t <= skipTo[i]) {
      pend[i]++;
      continue;
    }
    const m = pend[i] + 1;
    pend[i] = 0;
    let ready = false;
    for (let o = o0; o < o1; o++) {
      let c = cd[o];
      for (let s = 0; s < m; s++) c = Math.max(0, c - dtMs);
      cd[o] = c;
      if (c === 0) ready = true;
    }
    if (ready && !ceasefire && decoy[i] === 0) fireUnit(ctx, i, o0, o1);
    // The next steps that cannot make any weapon ready: each takes dtMs off every cooldown, and the least stays
    // above 0 for floor((least - 1) / dtMs) of them (the 1 ms margin is far above rounding).
    let least = Infinity;
    for (let o = o0; o < o1; o++) if (cd[o] < least) least = cd[o];
    skipTo[i] = least > dtMs ? t + Math.floor((least - 1) / dtMs) * dtMs : 0;
  }
}

/** Unit i (armed, active, some weapon ready) fires at its priority target or the nearest enemy in reach. */
function fireUnit(ctx: Ctx, i: number, o0: number, o1: number): void {
  const { world, hot } = ctx;
  const units = world.units;
  const { cd, tgt, side, reach, target, px, py, wRange, wMin, wAcc, wDmg, wCool, wKind } = hot;
  // Priority target (attack order) if it is in range, else the nearest enemy in range.
  let j = -1;
  let d = Infinity;
  const tj = target[i];
  if (tj >= 0 && tgt[tj] === 1 && side[tj] !== side[i]) {
    j = tj;
    d = Math.hypot(px[tj] - px[i], py[tj] - py[i]);
    if (d > reach[i]) j = -1;
  }
  const searched = j < 0;
  if (searched) {
    j = ctx.threat.threatened(side[i], px[i], py[i], reach[i]) ? nearestEnemy(ctx, i, reach[i], null) : -1;
    if (j < 0) {
      // Nothing in reach: wait a little before searching again (keeps idle fleets cheap).
      for (let o = o0; o < o1; o++) if (cd[o] === 0) cd[o] = RESCAN_MS;
      return;
    }
    d = Math.hypot(px[j] - px[i], py[j] - py[i]);
  }
  const u = units[i];
  const order = hot.order[i];
  // Weapons free: stay on this target while it lasts and is in reach (no search every volley).
  if (searched && order?.kind !== 'attack') setTarget(ctx, u, i, j);
  const section = order?.kind === 'attack' && order.section && target[i] === j ? order.section : undefined;
  const tu = units[j];
  // The weapons' figures from the hot arrays (reading them off the unit objects was most of this loop).
  for (let o = o0; o < o1; o++) {
    const range = wRange[o];
    if (cd[o] > 0 || d > range || d < wMin[o]) continue;
    if (hot.living[j] === 0) break;
    const p = wAcc[o] * (1 - (0.5 * d) / range);
    const hit = ctx.rng.next() < p;
    applyHit(ctx, u.id, tu, j, wKind[o], hit, wDmg[o], section);
    cd[o] = wCool[o];
  }
}

function layMines(ctx: Ctx, dtMs: number): void {
  const { world } = ctx;
  for (const f of world.fields) {
    if (f.active) continue;
    let rate = 0;
    for (let n = 0; n < ctx.hot.liveN; n++) {
      const i = ctx.hot.live[n];
      if (ctx.hot.active[i] === 0) continue;
      const u = world.units[i];
      const o = ctx.hot.order[i];
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
    const { hot } = ctx;
    const fside = hot.sides.indexOf(f.side);
    for (let n = 0; n < hot.liveN; n++) {
      const i = hot.live[n];
      if (hot.side[i] === fside || hot.decoy[i] === 1 || hot.living[i] === 0) continue;
      const u = world.units[i];
      const dx = ctx.px[i] - f.center.x;
      const dy = ctx.py[i] - f.center.y;
      if (dx * dx + dy * dy > r2f) continue;
      if (ctx.rng.next() >= p) continue;
      // The field replaces each detonated mine (self-replicating minefield).
      f.replicated++;
      applyHit(ctx, f.id, u, i, 'torpedo', true, MINE_DAMAGE, undefined);
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

/**
 * Advance the world by dtMs; events describing what changed go to `out` (stamped by the caller). With
 * `volleys`, the step's shots go out as one unit:volley (at the place of its first shot) instead of a
 * unit:fire each: the same dice, the same world.
 */
export function step(world: SimWorld, dtMs: number, out: BattleEventBody[], volleys = false): void {
  world.t += dtMs;
  const { state } = withRng(world.rng, (rng) => {
    const ctx = buildCtx(world, rng, out, volleys);
    navigate(ctx, dtMs);
    layMines(ctx, dtMs);
    fireWeapons(ctx, dtMs);
    strikeMines(ctx, dtMs);
  });
  world.rng = state;
  advanceCounters(world, dtMs);
}

export { freeze };
