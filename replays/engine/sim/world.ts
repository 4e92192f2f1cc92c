import type { Field, SideId, Unit, Vec2 } from '../../../shared/battle/types.js';
import type { BattleDefinition, ForceGroupSpec } from '../types.js';
import { classStats } from '../classes.js';
import { seedRng, type RngState } from '../rng.js';
import { formationOffsets } from './formation.js';

// The simulation world: plain JSON (no classes, no Maps), so a checkpoint is JSON.stringify(world).
// A SimUnit is the client's Unit plus the simulation's private state. Its pos/vel/t0 are exactly what
// the events told the clients, so dead reckoning on the client and the simulation never disagree.

export type GroupOrder =
  | { kind: 'move'; to: Vec2; speed?: number }
  | { kind: 'attack'; target: string; range: 'standoff' | 'close' | 'pointblank'; section?: string }
  | { kind: 'hold' }
  | { kind: 'layMines'; field: string }
  | { kind: 'retreat'; to: Vec2 };

export interface SimUnit extends Unit {
  /** Max speed (map units / s). */
  speed: number;
  /** Formation offset from the group's aim point. */
  offset: Vec2;
  /** Where the unit steers to; null = stay put. */
  dest: Vec2 | null;
  /** Speed to steer with (group speed keeps formations together). */
  cruise: number;
  /** ms until each weapon is ready. */
  cd: number[];
  /** Playback time of the last hit taken (-1e9 = never). */
  lastHitT: number;
  /** Current attack target (from an attack order). */
  targetId: string | null;
  /** Next time an attacking unit re-plans its chase. */
  replanT: number;
  /** Decoys dissolve at this time. */
  expireT: number | null;
}

export interface SimField extends Field {
  side: SideId;
  workSeconds: number;
  /** Progress last announced with a `field` event. */
  sentProgress: number;
  sentReplicated: number;
  sentReplicatedT: number;
}

export interface ProgressRule {
  counter: string;
  ratePerSec: number;
  group?: string;
}

export interface SimWorld {
  t: number;
  units: SimUnit[];
  /** group -> unit ids, in spawn order (dead units stay listed). */
  groups: Record<string, string[]>;
  orders: Record<string, GroupOrder>;
  /** Reserve groups not yet on the map. */
  reserves: Record<string, SimUnit[]>;
  fields: SimField[];
  counters: Record<string, number>;
  progress: ProgressRule[];
  ceasefire: boolean;
  sides: SideId[];
  losses: Record<SideId, { ships: number; stations: number }>;
  rng: RngState;
  notable: string[];
  map: { width: number; height: number };
}

export const NEVER = -1e9;

/** Round to 1/100: event payloads stay short and the sim keeps exactly what it announced. */
export function r2(v: number): number {
  return Math.round(v * 100) / 100;
}
export function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function isLiving(u: Unit): boolean {
  return u.status !== 'destroyed' && u.status !== 'retreated' && u.status !== 'evacuated';
}

/** Can move and shoot. */
export function isActive(u: Unit): boolean {
  return u.status === 'active';
}

export function posAt(u: Unit, t: number): Vec2 {
  const dt = (t - u.t0) / 1000;
  return { x: u.pos.x + u.vel.x * dt, y: u.pos.y + u.vel.y * dt };
}

function buildGroupUnits(spec: ForceGroupSpec): SimUnit[] {
  const base = classStats(spec.cls);
  const stats = { ...base, ...(spec.stats ?? {}) };
  const heading = spec.heading ?? 0;
  const offsets = formationOffsets(spec.formation ?? 'grid', spec.count, spec.spread, heading);
  const units: SimUnit[] = [];
  for (let i = 0; i < spec.count; i++) {
    const off = offsets[i];
    const u: SimUnit = {
      id: spec.ids?.[i] ?? `${spec.group}-${i + 1}`,
      side: spec.side,
      kind: stats.kind,
      cls: spec.cls,
      name: spec.names?.[i] ?? `${spec.namePrefix ?? stats.label} ${i + 1}`,
      group: spec.group,
      pos: { x: r2(spec.at.x + off.x), y: r2(spec.at.y + off.y) },
      vel: { x: 0, y: 0 },
      t0: 0,
      heading: r3(heading),
      shields: stats.shields,
      maxShields: stats.shields,
      hull: stats.hull,
      maxHull: stats.hull,
      weapons: stats.weapons.map((w) => ({ ...w })),
      status: 'active',
      size: stats.size,
      speed: stats.speed,
      offset: off,
      dest: null,
      cruise: stats.speed,
      // Stagger first shots so a fleet does not fire as one volley (deterministic, no dice).
      cd: stats.weapons.map((w, k) => ((i * 7 + k * 3) % 10) * (w.cooldownMs / 10)),
      lastHitT: NEVER,
      targetId: null,
      replanT: 0,
      expireT: null,
    };
    if (spec.commander && i === 0) u.commander = spec.commander;
    if (spec.sections)
      u.sections = spec.sections.map((s) => ({ id: s.id, label: s.label, shields: s.maxShields, maxShields: s.maxShields }));
    units.push(u);
  }
  return units;
}

export function createWorld(def: BattleDefinition, seed: number = def.seed): SimWorld {
  const world: SimWorld = {
    t: 0,
    units: [],
    groups: {},
    orders: {},
    reserves: {},
    fields: [],
    counters: {},
    progress: [],
    ceasefire: false,
    sides: def.info.sides.map((s) => s.id),
    losses: {},
    rng: seedRng(seed),
    notable: def.notable ? [...def.notable] : [],
    map: { width: def.info.map.width, height: def.info.map.height },
  };
  for (const side of world.sides) world.losses[side] = { ships: 0, stations: 0 };
  const seen = new Set<string>();
  for (const spec of def.forces) {
    if (seen.has(spec.group)) throw new Error(`Duplicate force group '${spec.group}' in battle ${def.info.id}`);
    seen.add(spec.group);
    if (!world.sides.includes(spec.side)) {
      throw new Error(`Force group '${spec.group}' has unknown side '${spec.side}'. Sides: ${world.sides.join(', ')}`);
    }
    const units = buildGroupUnits(spec);
    if (spec.reserve) {
      world.reserves[spec.group] = units;
      world.groups[spec.group] = [];
    } else {
      world.units.push(...units);
      world.groups[spec.group] = units.map((u) => u.id);
    }
  }
  const ids = new Set<string>();
  for (const u of [...world.units, ...Object.values(world.reserves).flat()]) {
    if (ids.has(u.id)) throw new Error(`Duplicate unit id '${u.id}' in battle ${def.info.id}`);
    ids.add(u.id);
  }
  for (const f of def.fields ?? []) {
    world.fields.push({
      id: f.id,
      kind: 'minefield',
      label: f.label,
      center: { ...f.center },
      radius: f.radius,
      progress: 0,
      active: false,
      cloaked: f.cloaked,
      replicated: 0,
      side: f.side,
      workSeconds: f.workSeconds,
      sentProgress: 0,
      sentReplicated: 0,
      sentReplicatedT: NEVER,
    });
  }
  return world;
}

/** The client-facing part of a SimUnit (what unit:spawn carries). */
export function publicUnit(u: SimUnit): Unit {
  const out: Unit = {
    id: u.id,
    side: u.side,
    kind: u.kind,
    cls: u.cls,
    name: u.name,
    group: u.group,
    pos: { ...u.pos },
    vel: { ...u.vel },
    t0: u.t0,
    heading: u.heading,
    shields: u.shields,
    maxShields: u.maxShields,
    hull: u.hull,
    maxHull: u.maxHull,
    weapons: u.weapons.map((w) => ({ ...w })),
    status: u.status,
    size: u.size,
  };
  if (u.commander !== undefined) out.commander = u.commander;
  if (u.sections) out.sections = u.sections.map((s) => ({ ...s }));
  return out;
}

export function publicField(f: SimField): Field {
  return {
    id: f.id,
    kind: f.kind,
    label: f.label,
    center: { ...f.center },
    radius: f.radius,
    progress: f.progress,
    active: f.active,
    cloaked: f.cloaked,
    replicated: f.replicated,
  };
}

// Id -> index lookup, cached per world object and rebuilt when the unit list grows
// (units are only ever appended, never removed).
const indexCache = new WeakMap<SimWorld, { n: number; map: Map<string, number> }>();

export function unitIndex(world: SimWorld): Map<string, number> {
  let c = indexCache.get(world);
  if (!c || c.n !== world.units.length || world.units.length === 0) {
    const map = new Map<string, number>();
    world.units.forEach((u, i) => {
      map.set(u.id, i);
    });
    c = { n: world.units.length, map };
    indexCache.set(world, c);
  }
  return c.map;
}

export function getUnit(world: SimWorld, id: string): SimUnit | undefined {
  const i = unitIndex(world).get(id);
  return i === undefined ? undefined : world.units[i];
}

export function groupUnits(world: SimWorld, group: string): SimUnit[] {
  const ids = world.groups[group];
  if (!ids) return [];
  const out: SimUnit[] = [];
  for (const id of ids) {
    const u = getUnit(world, id);
    if (u) out.push(u);
  }
  return out;
}

export function cloneWorld(world: SimWorld): SimWorld {
  return JSON.parse(JSON.stringify(world)) as SimWorld;
}
