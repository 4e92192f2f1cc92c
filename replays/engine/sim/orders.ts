import type { BattleEventBody } from '../../../shared/battle/events.js';
import type { UnitStatus, Vec2 } from '../../../shared/battle/types.js';
import type { Order, Reform } from '../types.js';
import { classStats } from '../classes.js';
import { formationOffsets, reformOffsets } from './formation.js';
import { dropHot, touchHot } from './hot.js';
import { getUnit, groupUnits, isLiving, posAt, publicField, publicUnit, r2, r3, type SimUnit, type SimWorld } from './world.js';

// Orders from the battle machine, applied at world.t. Group-level orders are stored per group and
// carried out by the step (navigation, targeting); one-shot orders (spawn, status, side...) act now.

function knownGroups(world: SimWorld): string {
  return Object.keys(world.groups).sort().join(', ');
}

function requireGroup(world: SimWorld, group: string, kind: string): void {
  if (!Object.hasOwn(world.groups, group)) {
    throw new Error(`Order '${kind}': unknown group '${group}'. Known groups: ${knownGroups(world)}`);
  }
}

/** Stop a unit where it is, exactly as the reducer does on a non-moving status. */
export function freeze(u: SimUnit, t: number): void {
  u.pos = posAt(u, t);
  u.vel = { x: 0, y: 0 };
  u.t0 = t;
  u.dest = null;
}

export function setStatus(world: SimWorld, u: SimUnit, status: UnitStatus, reason: string, out: BattleEventBody[]): void {
  u.status = status;
  if (status !== 'active' && status !== 'cloaked') freeze(u, world.t);
  out.push({ type: 'unit:status', id: u.id, status, reason });
  if (status === 'destroyed') {
    if (u.kind !== 'decoy') {
      const loss = (world.losses[u.side] ??= { ships: 0, stations: 0 });
      if (u.kind === 'ship') loss.ships++;
      else loss.stations++;
      out.push({ type: 'effect', kind: 'explosion', pos: { x: r2(u.pos.x), y: r2(u.pos.y) }, radius: Math.max(4, u.size * 1.5) });
    }
  }
}

function centroid(units: SimUnit[], t: number): Vec2 {
  let x = 0;
  let y = 0;
  for (const u of units) {
    const p = posAt(u, t);
    x += p.x;
    y += p.y;
  }
  return { x: x / units.length, y: y / units.length };
}

/** Re-anchor formation offsets on the group's current shape, so a move keeps it. */
function setFormation(units: SimUnit[], t: number): void {
  if (units.length === 0) return;
  const c = centroid(units, t);
  for (const u of units) {
    const p = posAt(u, t);
    u.offset = { x: r2(p.x - c.x), y: r2(p.y - c.y) };
  }
}

/** Re-form: give the units fresh formation slots around their centre (offsets feed the move's destinations). */
function reform(units: SimUnit[], r: Reform, to: Vec2, t: number): void {
  const c = centroid(units, t);
  const heading = r.heading ?? Math.atan2(to.y - c.y, to.x - c.x);
  const slots = reformOffsets(
    r,
    units.map((u) => u.offset),
    heading,
  );
  units.forEach((u, i) => {
    u.offset = { x: r2(slots[i].x), y: r2(slots[i].y) };
  });
}

function mobile(units: SimUnit[]): SimUnit[] {
  return units.filter((u) => isLiving(u) && u.speed > 0);
}

/** Orders that add units or change a group's members: the step's arrays are rebuilt. */
const REBUILDS: ReadonlySet<Order['kind']> = new Set(['spawn', 'decoys', 'detach']);

export function applyOrder(world: SimWorld, order: Order, out: BattleEventBody[]): void {
  if (REBUILDS.has(order.kind)) {
    // Hand the step's cooldowns back to the unit objects; its arrays are rebuilt from them next step.
    dropHot(world);
    apply(world, order, out);
    return;
  }
  apply(world, order, out);
  // The others change their group's units and standing order only (a surrender, a side's units): those are re-read
  // into the step's arrays.
  if (order.kind === 'surrender') touchHot(world, world.units);
  else if ('group' in order && order.group !== undefined) touchHot(world, groupUnits(world, order.group));
}

function apply(world: SimWorld, order: Order, out: BattleEventBody[]): void {
  const t = world.t;
  switch (order.kind) {
    case 'spawn': {
      const reserve = world.reserves[order.group];
      if (!reserve) {
        if (world.groups[order.group]?.length) throw new Error(`Order 'spawn': group '${order.group}' is already on the map`);
        throw new Error(
          `Order 'spawn': '${order.group}' is not a reserve group. Reserve groups: ${Object.keys(world.reserves).sort().join(', ') || '(none)'}`,
        );
      }
      delete world.reserves[order.group];
      let c = { x: 0, y: 0 };
      for (const u of reserve) c = { x: c.x + u.pos.x, y: c.y + u.pos.y };
      c = { x: c.x / reserve.length, y: c.y / reserve.length };
      const shift = order.at ? { x: order.at.x - c.x, y: order.at.y - c.y } : { x: 0, y: 0 };
      let maxR = 0;
      for (const u of reserve) {
        u.pos = { x: r2(u.pos.x + shift.x), y: r2(u.pos.y + shift.y) };
        u.t0 = t;
        u.replanT = t;
        maxR = Math.max(maxR, Math.hypot(u.pos.x - c.x - shift.x, u.pos.y - c.y - shift.y));
        world.units.push(u);
        world.groups[order.group].push(u.id);
      }
      const at = { x: r2(c.x + shift.x), y: r2(c.y + shift.y) };
      out.push({ type: 'effect', kind: 'warp-in', pos: at, radius: r2(maxR + 10) });
      for (const u of reserve) out.push({ type: 'unit:spawn', unit: publicUnit(u) });
      return;
    }
    case 'move': {
      requireGroup(world, order.group, 'move');
      const units = mobile(groupUnits(world, order.group));
      setFormation(units, t);
      if (order.reform && units.length > 0) reform(units, order.reform, order.to, t);
      // The group moves at its slowest member's speed so the formation holds.
      let speed = order.speed ?? Infinity;
      for (const u of units) speed = Math.min(speed, u.speed);
      world.orders[order.group] = { kind: 'move', to: { ...order.to }, ...(order.speed !== undefined ? { speed: order.speed } : {}) };
      for (const u of units) {
        u.cruise = speed;
        u.dest = { x: order.to.x + u.offset.x, y: order.to.y + u.offset.y };
        u.targetId = null;
      }
      return;
    }
    case 'attack': {
      requireGroup(world, order.group, 'attack');
      if (!order.target.startsWith('side:')) requireGroup(world, order.target, 'attack (target)');
      else if (!world.sides.includes(order.target.slice(5))) {
        throw new Error(`Order 'attack': unknown side in target '${order.target}'. Sides: ${world.sides.join(', ')}`);
      }
      world.orders[order.group] = {
        kind: 'attack',
        target: order.target,
        range: order.range ?? 'standoff',
        ...(order.section !== undefined ? { section: order.section } : {}),
      };
      for (const u of groupUnits(world, order.group)) {
        u.targetId = null;
        u.replanT = t;
        u.cruise = u.speed;
      }
      return;
    }
    case 'hold': {
      requireGroup(world, order.group, 'hold');
      world.orders[order.group] = { kind: 'hold' };
      for (const u of groupUnits(world, order.group)) {
        u.dest = null;
        u.targetId = null;
      }
      return;
    }
    case 'detach': {
      requireGroup(world, order.from, 'detach');
      const living = groupUnits(world, order.from).filter(isLiving);
      const moving = living.slice(0, Math.max(0, Math.floor(order.count)));
      const ids = new Set(moving.map((u) => u.id));
      world.groups[order.from] = world.groups[order.from].filter((id) => !ids.has(id));
      world.groups[order.to] = [...(world.groups[order.to] ?? []), ...moving.map((u) => u.id)];
      const parentOrder = world.orders[order.from];
      if (parentOrder && !world.orders[order.to]) world.orders[order.to] = JSON.parse(JSON.stringify(parentOrder)) as typeof parentOrder;
      for (const u of moving) u.group = order.to;
      return;
    }
    case 'layMines': {
      requireGroup(world, order.group, 'layMines');
      const field = world.fields.find((f) => f.id === order.field);
      if (!field)
        throw new Error(
          `Order 'layMines': unknown field '${order.field}'. Fields: ${world.fields.map((f) => f.id).join(', ') || '(none)'}`,
        );
      world.orders[order.group] = { kind: 'layMines', field: order.field };
      const units = mobile(groupUnits(world, order.group));
      setFormation(units, t);
      let speed = Infinity;
      for (const u of units) speed = Math.min(speed, u.speed);
      // Spread the layers over the inner part of the field, keeping their relative layout.
      let maxOff = 1;
      for (const u of units) maxOff = Math.max(maxOff, Math.hypot(u.offset.x, u.offset.y));
      const k = Math.min(1, (field.radius * 0.6) / maxOff);
      for (const u of units) {
        u.cruise = speed;
        u.dest = { x: field.center.x + u.offset.x * k, y: field.center.y + u.offset.y * k };
        u.targetId = null;
      }
      return;
    }
    case 'decoys': {
      requireGroup(world, order.group, 'decoys');
      const src = groupUnits(world, order.group).filter(isLiving);
      if (src.length === 0) return;
      const c = centroid(src, t);
      const stats = classStats('warp-shadow');
      const existing = world.groups[order.decoyGroup] ?? [];
      world.groups[order.decoyGroup] = existing;
      world.orders[order.decoyGroup] = { kind: 'move', to: { ...order.to } };
      const offsets = formationOffsets('scatter', order.count, 12 + order.count * 2, 0);
      const side = src[0].side;
      for (let i = 0; i < order.count; i++) {
        const n = existing.length + 1;
        const off = offsets[i];
        const pos = { x: r2(c.x + off.x), y: r2(c.y + off.y) };
        const dest = { x: order.to.x + off.x, y: order.to.y + off.y };
        const dx = dest.x - pos.x;
        const dy = dest.y - pos.y;
        const d = Math.hypot(dx, dy) || 1;
        const vel = { x: r3((dx / d) * stats.speed), y: r3((dy / d) * stats.speed) };
        const u: SimUnit = {
          id: `${order.decoyGroup}-${n}`,
          side,
          kind: 'decoy',
          cls: 'warp-shadow',
          name: `${stats.label} ${n}`,
          group: order.decoyGroup,
          pos,
          vel,
          t0: t,
          heading: r3(Math.atan2(vel.y, vel.x)),
          shields: 0,
          maxShields: 0,
          hull: stats.hull,
          maxHull: stats.hull,
          weapons: [],
          status: 'active',
          size: stats.size,
          speed: stats.speed,
          offset: off,
          dest,
          cruise: stats.speed,
          cd: [],
          lastHitT: -1e9,
          targetId: null,
          replanT: t,
          expireT: t + order.ttlMs,
        };
        if (getUnit(world, u.id)) throw new Error(`Order 'decoys': unit id '${u.id}' already exists`);
        world.units.push(u);
        existing.push(u.id);
        out.push({ type: 'unit:spawn', unit: publicUnit(u) });
      }
      return;
    }
    case 'retreat': {
      requireGroup(world, order.group, 'retreat');
      world.orders[order.group] = { kind: 'retreat', to: { ...order.to } };
      const units = mobile(groupUnits(world, order.group));
      setFormation(units, t);
      for (const u of units) {
        u.cruise = u.speed;
        // Tighten the formation a little: a retreat is a run for the exit, not a parade.
        u.dest = { x: order.to.x + u.offset.x * 0.3, y: order.to.y + u.offset.y * 0.3 };
        u.targetId = null;
      }
      return;
    }
    case 'status': {
      requireGroup(world, order.group, 'status');
      for (const u of groupUnits(world, order.group)) {
        if (!isLiving(u) || u.status === order.status) continue;
        setStatus(world, u, order.status, order.reason, out);
      }
      return;
    }
    case 'side': {
      requireGroup(world, order.group, 'side');
      if (!world.sides.includes(order.side))
        throw new Error(`Order 'side': unknown side '${order.side}'. Sides: ${world.sides.join(', ')}`);
      const ids: string[] = [];
      for (const u of groupUnits(world, order.group)) {
        if (!isLiving(u) || u.side === order.side) continue;
        u.side = order.side;
        u.targetId = null;
        ids.push(u.id);
      }
      if (ids.length) out.push({ type: 'unit:side', ids, side: order.side });
      return;
    }
    case 'surrender': {
      if (!world.sides.includes(order.side))
        throw new Error(`Order 'surrender': unknown side '${order.side}'. Sides: ${world.sides.join(', ')}`);
      for (const u of world.units) {
        if (u.side !== order.side || !isLiving(u) || u.kind === 'decoy' || u.status === 'surrendered') continue;
        setStatus(world, u, 'surrendered', 'surrendered', out);
      }
      return;
    }
    case 'ceasefire':
      world.ceasefire = order.active;
      return;
    case 'progress': {
      if (order.group !== undefined) requireGroup(world, order.group, 'progress');
      world.progress = world.progress.filter((p) => p.counter !== order.counter);
      world.counters[order.counter] ??= 0;
      if (order.ratePerSec !== 0) {
        world.progress.push({
          counter: order.counter,
          ratePerSec: order.ratePerSec,
          ...(order.group !== undefined ? { group: order.group } : {}),
        });
      }
      return;
    }
  }
}

export { publicField };
