import { assertEvent, assign, enqueueActions } from 'xstate';
import {
  battleSetup,
  caption,
  command,
  decided,
  emits,
  fact,
  objective,
  order as orderAction,
  phase as phaseAction,
  tick,
  tickGuard,
  type BattleCommand,
  type Facts,
  type Order,
} from '../engine/index.js';
import { D, HISTORICAL_WINGS } from './decisions.js';
import { CONVOY, DOM, FED, HALT, MAIN_BODY, MINEFIELD_ID, P, RESERVE, SHIPS_PER_WING } from './scenario.js';

// The battle's phases as an XState machine on the authoring kit. It only gives orders and narrates;
// every outcome (field finished or not, shields down or not, who survives) is read back from
// simulation Facts. Commands whose words depend on the context are built by the *Commands functions.

/** Playback time the Gamma Quadrant convoy reaches the wormhole mouth (fixed: it does not wait). */
export const CONVOY_AT_MS = 345_000;
/** The wing group Dukat detaches to hunt the Defiant. */
export const WINGS_GROUP = 'attack-wings';

type ConvoyState = 'waiting' | 'blocked' | 'through';

export interface Ctx {
  wings: number;
  cover: boolean;
  focus17: boolean;
  evacuate: boolean;
  run197: boolean;
  convoy: ConvoyState;
  /** Last facts we care about, remembered on every TICK (JSON-serializable). */
  t: number;
  fieldProgress: number;
  fieldActive: boolean;
  fieldActiveAt: number | null;
  shieldsDownAt: number | null;
  defiantRecalled: boolean;
  /** Crew ships still in the fight (not destroyed, not gone). */
  defiantUp: boolean;
  rotarranUp: boolean;
  /** Crew ships whose loss has been announced. */
  lost: string[];
  boarded: boolean;
}

const initialContext: Ctx = {
  wings: HISTORICAL_WINGS,
  cover: true,
  focus17: true,
  evacuate: true,
  run197: true,
  convoy: 'waiting',
  t: 0,
  fieldProgress: 0,
  fieldActive: false,
  fieldActiveAt: null,
  shieldsDownAt: null,
  defiantRecalled: false,
  defiantUp: true,
  rotarranUp: true,
  lost: [],
  boarded: false,
};

const order = (o: Order): BattleCommand => ({ type: 'order', order: o });
const phase = (phaseId: string, title: string, label: string, caption: string): BattleCommand => ({
  type: 'phase',
  phaseId,
  title,
  label,
  caption,
});
const mainBody = (f: (group: string) => Order): BattleCommand[] => MAIN_BODY.map((g) => order(f(g)));

// ---- fact readers -------------------------------------------------------------------------------

function fieldActive(f: Facts): boolean {
  return f.fields[MINEFIELD_ID]?.active === true;
}

function alive(f: Facts, id: string): boolean {
  const s = f.units[id]?.status;
  return s !== undefined && s !== 'destroyed' && s !== 'retreated' && s !== 'evacuated';
}

/** The station's shield grid collapses when section 17 (main power) fails or the grid is drained. */
export function stationShieldsDown(f: Facts): boolean {
  const u = f.units.ds9;
  if (!u) return false;
  const s17 = u.sections['section-17'];
  return (s17 !== undefined && s17 <= 0.001) || u.shields <= 0.03;
}

function newlyLost(c: Ctx, f: Facts): string[] {
  return ['defiant', 'rotarran'].filter((id) => f.units[id]?.status === 'destroyed' && !c.lost.includes(id));
}

// ---- outcome -----------------------------------------------------------------------------------

/** Winner and summary from the facts of the world at the end, never from the path taken. */
export function verdict(ctx: Ctx, f: Facts): { winner: string | null; summary: string; facts: string[] } {
  const sealed = fieldActive(f) && ctx.convoy !== 'through';
  const ds9 = f.units.ds9;
  const stationLost = ctx.boarded || !ds9 || ds9.status === 'destroyed';
  const defiant = alive(f, 'defiant') || f.units.defiant?.status === 'retreated';
  const rotarran = alive(f, 'rotarran') || f.units.rotarran?.status === 'retreated';
  const facts: string[] = [];
  facts.push(
    sealed
      ? 'Wormhole sealed: Dominion reinforcements stranded in the Gamma Quadrant'
      : fieldActive(f)
        ? 'Minefield active, but only after the convoy came through'
        : 'Wormhole still open: the minefield was never finished',
  );
  facts.push(
    ds9?.status === 'destroyed'
      ? 'Deep Space 9 destroyed'
      : ctx.boarded
        ? 'Deep Space 9 in Dominion hands'
        : 'Deep Space 9 still in Federation hands',
  );
  facts.push(defiant ? 'USS Defiant survives' : 'USS Defiant lost');
  facts.push(rotarran ? 'IKS Rotarran survives' : 'IKS Rotarran lost');
  let winner: string | null;
  let summary: string;
  if (sealed && stationLost) {
    winner = FED;
    summary = ctx.boarded
      ? 'The Dominion takes the station, a tactical victory; but the minefield seals the wormhole, a strategic victory for the Federation.'
      : 'Deep Space 9 is destroyed, but the minefield seals the wormhole: a costly strategic victory for the Federation.';
  } else if (sealed) {
    winner = FED;
    summary = 'The minefield seals the wormhole and Deep Space 9 holds: a clear Federation victory.';
  } else if (stationLost) {
    winner = DOM;
    const station = ctx.boarded ? 'the Dominion holds the station' : 'Deep Space 9 is destroyed';
    summary =
      ctx.convoy === 'through'
        ? `The minefield is not finished in time: the convoy comes through the wormhole and ${station}. A clear Dominion victory.`
        : `The wormhole stays open and ${station}: a Dominion victory.`;
  } else {
    winner = null;
    summary = 'The station holds but the wormhole stays open: the battle is undecided.';
  }
  return { winner, summary, facts };
}

function endCommands(ctx: Ctx, f: Facts): BattleCommand[] {
  const v = verdict(ctx, f);
  const open: BattleCommand[] = [];
  if (!ctx.boarded) open.push({ type: 'objective', id: 'take-ds9', label: 'Take Deep Space 9', side: DOM, status: 'failed' });
  if (!fieldActive(f))
    open.push({
      type: 'objective',
      id: 'seal-wormhole',
      label: 'Mine the wormhole entrance',
      side: FED,
      status: 'failed',
      progress: ctx.fieldProgress,
    });
  // Program Sisko 197's point: whatever the Dominion takes must be of no use to it (read from the
  // station's simulated status: sabotaged or destroyed).
  const denied = f.units.ds9?.status === 'disabled' || f.units.ds9?.status === 'destroyed';
  open.push({
    type: 'objective',
    id: 'deny-station',
    label: 'Leave the Dominion no working station',
    side: FED,
    status: denied ? 'complete' : 'failed',
  });
  return [
    ...open,
    ...v.facts.map((text): BattleCommand => ({ type: 'fact', text })),
    { type: 'end', winner: v.winner, summary: v.summary },
  ];
}

// ---- convoy ------------------------------------------------------------------------------------

function convoyArrives(ctx: Ctx, f: Facts): BattleCommand[] {
  if (fieldActive(f)) {
    return [
      { type: 'effect', kind: 'wormhole-blocked', pos: P.wormhole, radius: 40, label: 'Convoy blocked' },
      {
        type: 'caption',
        text: 'A Dominion convoy reaches the wormhole from the Gamma Quadrant and finds the way sealed by the minefield.',
      },
      { type: 'fact', text: 'Gamma Quadrant convoy stopped by the minefield' },
      { type: 'objective', id: 'reinforce', label: 'Bring reinforcements through the wormhole', side: DOM, status: 'failed', progress: 0 },
    ];
  }
  return [
    { type: 'effect', kind: 'wormhole-open', pos: P.wormhole, radius: 40, label: 'Convoy through' },
    ...CONVOY.map((g) => order({ kind: 'spawn', group: g })),
    ...CONVOY.map((g) => order({ kind: 'attack', group: g, target: `side:${FED}`, range: 'close' })),
    {
      type: 'caption',
      text: `The minefield is only ${Math.round(ctx.fieldProgress * 100)}% laid: a Dominion convoy comes through the wormhole and joins the attack.`,
    },
    { type: 'fact', text: 'Gamma Quadrant convoy came through the wormhole' },
    { type: 'objective', id: 'reinforce', label: 'Bring reinforcements through the wormhole', side: DOM, status: 'complete', progress: 1 },
  ];
}

// ---- narration that depends on what the simulation left standing ----

function crewShips(c: Ctx): string | null {
  if (c.defiantUp && c.rotarranUp) return 'the Defiant and the Rotarran';
  if (c.defiantUp) return 'the Defiant';
  if (c.rotarranUp) return 'the Rotarran';
  return null;
}

function layingNote(c: Ctx): string {
  if (c.fieldActive || !c.defiantUp) return '';
  return ' Out at the wormhole the Defiant keeps laying mines under fire.';
}

function evacuationCaption(c: Ctx): string {
  const ships = crewShips(c);
  if (!ships)
    return 'The station is untenable and Sisko orders Starfleet off Deep Space 9, but no ship is left to take them; Dukat commits his reserve.';
  const laying = !c.fieldActive && c.defiantUp ? ' The minefield is not finished, so the Defiant stays at the wormhole until it is.' : '';
  const why = c.fieldActive ? 'With the wormhole blocked and the station untenable' : 'The station is untenable and';
  return `${why}${c.fieldActive ? ',' : ''} Sisko orders Starfleet off Deep Space 9. The crew and sensitive equipment go aboard ${ships}.${laying} Dukat commits his reserve.`;
}

function departureCaption(c: Ctx): string {
  const ships = crewShips(c);
  const who = ships
    ? `${ships[0].toUpperCase()}${ships.slice(1)} pull${c.defiantUp && c.rotarranUp ? '' : 's'} away and head for Federation space.`
    : 'No Starfleet ship is left to leave.';
  return `${who} Deep Space 9 is left to the Bajoran Militia under Major Kira.`;
}

// ---- narration of the phases whose words and orders depend on the context ----------------------

function splitCommands(c: Ctx): BattleCommand[] {
  return [
    phase(
      'split',
      'Dukat splits his fleet',
      'Late 2373 · hour 0:45',
      c.wings > 0
        ? `The battle opens. Dukat sends ${c.wings} Jem'Hadar attack wing${c.wings === 1 ? '' : 's'} after the Defiant and throws the rest of the fleet at the station. The Rotarran moves to cover the Defiant.`
        : 'The battle opens. Dukat ignores the Defiant and throws his whole fleet at the station. The Rotarran stays by the Defiant.',
    ),
    order({ kind: 'ceasefire', active: false }),
    ...(c.wings > 0
      ? [
          order({ kind: 'detach', from: 'jemhadar-main', to: WINGS_GROUP, count: c.wings * SHIPS_PER_WING }),
          order({ kind: 'attack', group: WINGS_GROUP, target: 'defiant', range: 'close' }),
        ]
      : []),
    // The Rotarran waits by the Defiant for the wings rather than charging the fleet.
    order({ kind: 'hold', group: 'rotarran' }),
    ...mainBody((g) => ({ kind: 'attack', group: g, target: 'ds9', range: 'standoff' })),
    order({ kind: 'attack', group: 'ds9', target: `side:${DOM}` }),
    {
      type: 'fact',
      text: c.wings > 0 ? `Dukat sends ${c.wings} attack wings after the Defiant` : 'Dukat sends no ships after the Defiant',
    },
  ];
}

function shieldsHoldCommands(c: Ctx): BattleCommand[] {
  return [
    phase(
      'shields-hold',
      'The shields hold',
      'Late 2373 · hour 0:50',
      "The station's shields hold under the barrage, to Dukat's and Weyoun's surprise: Federation shields had been no match for Jem'Hadar polaron weapons. Dukat orders more ships to fire on the station.",
    ),
    ...(c.cover && c.wings > 0
      ? [
          order({ kind: 'attack', group: 'ds9', target: WINGS_GROUP }),
          { type: 'caption', text: "Sisko turns part of the station's weapons on the attack wings hunting the Defiant." } as BattleCommand,
        ]
      : [order({ kind: 'attack', group: 'ds9', target: `side:${DOM}` })]),
    ...(c.wings > 0 ? [order({ kind: 'attack', group: 'rotarran', target: WINGS_GROUP, range: 'close' })] : []),
    ...mainBody((g) => ({ kind: 'attack', group: g, target: 'ds9', range: 'close' })),
  ];
}

function bombardmentCommands(c: Ctx): BattleCommand[] {
  return [
    c.focus17
      ? phase(
          'bombardment',
          'Section 17',
          'Late 2373 · hour 1:10',
          `Dukat, who once commanded the station, knows where its shield grid is weakest: he directs all fire into section 17 of the outer docking ring.${layingNote(c)}`,
        )
      : phase(
          'bombardment',
          'Broad bombardment',
          'Late 2373 · hour 1:10',
          `Dukat keeps his fire spread across the whole station, waiting for the shields to give.${layingNote(c)}`,
        ),
    ...mainBody((g) =>
      c.focus17
        ? { kind: 'attack', group: g, target: 'ds9', range: 'close', section: 'section-17' }
        : { kind: 'attack', group: g, target: 'ds9', range: 'close' },
    ),
    // Progress report, unless the field is already finished (which would undo its 'complete').
    ...(c.fieldActive
      ? []
      : [
          {
            type: 'objective',
            id: 'seal-wormhole',
            label: 'Mine the wormhole entrance',
            side: FED,
            status: 'pending',
            progress: c.fieldProgress,
          } as BattleCommand,
        ]),
  ];
}

function shieldsFallCommands(c: Ctx): BattleCommand[] {
  return [
    phase(
      'shields-fall',
      'Shields fall',
      'Late 2373 · hour 1:35',
      c.focus17
        ? "Section 17 gives way and main power to the shields is cut. With the station's shields down it can no longer be held."
        : "Worn down by the bombardment, the station's shields finally collapse.",
    ),
    { type: 'effect', kind: 'explosion', pos: P.ds9, radius: 30, label: 'Shields down' },
    {
      type: 'fact',
      text: c.focus17 ? 'Station shields collapse: section 17 breached' : 'Station shields collapse under broad bombardment',
    },
  ];
}

function evacuationCommands(c: Ctx): BattleCommand[] {
  return [
    phase('evacuation', 'Evacuation', 'Late 2373 · hour 1:40', evacuationCaption(c)),
    // Crew and equipment beam across to ships standing off east of the station, away from the fleet.
    order({ kind: 'move', group: 'rotarran', to: P.evacRotarran }),
    ...(c.fieldActive ? [order({ kind: 'move', group: 'defiant', to: P.evacDefiant })] : []),
    order({ kind: 'progress', counter: 'evacuation', ratePerSec: 1 / 25 }),
    { type: 'effect', kind: 'beam-down', pos: P.ds9, radius: 20, label: 'Evacuation' },
    ...RESERVE.map((g) => order({ kind: 'attack', group: g, target: 'ds9', range: 'standoff' })),
    { type: 'fact', text: 'Sisko orders Starfleet personnel to evacuate' },
    ...(!c.defiantUp && !c.rotarranUp ? [{ type: 'fact', text: 'No ship left to take the crew off the station' } as BattleCommand] : []),
  ];
}

function departureCommands(c: Ctx): BattleCommand[] {
  return [
    { type: 'caption', text: departureCaption(c) },
    order({ kind: 'progress', counter: 'evacuation', ratePerSec: 0 }),
    order({ kind: 'retreat', group: 'defiant', to: P.federationSpace }),
    order({ kind: 'retreat', group: 'rotarran', to: P.federationSpace }),
    order({ kind: 'status', group: 'ds9', status: 'surrendered', reason: 'Starfleet evacuated; left to the Bajoran Militia' }),
    ...[...MAIN_BODY, ...RESERVE].map((g) => order({ kind: 'hold', group: g })),
    ...(c.wings > 0 ? [order({ kind: 'hold', group: WINGS_GROUP })] : []),
    crewShips(c)
      ? { type: 'objective', id: 'evacuate', label: 'Evacuate Starfleet personnel', side: FED, status: 'complete', progress: 1 }
      : { type: 'objective', id: 'evacuate', label: 'Evacuate Starfleet personnel', side: FED, status: 'failed', progress: 0 },
  ];
}

function occupationCommands(c: Ctx): BattleCommand[] {
  return [
    phase(
      'occupation',
      'Program Sisko 197 and the occupation',
      'Late 2373 · hour 2:10',
      c.run197
        ? `${crewShips(c) ? 'Once the ships are clear, ' : ''}Kira runs Program Sisko 197. It wrecks the station's computers and power, leaving a near-lifeless hulk for the Dominion.`
        : 'Kira hands the station over intact, its computers and power systems working.',
    ),
    // The fighting is over: Starfleet is gone and the Bajorans, bound by their pact, do not resist.
    order({ kind: 'ceasefire', active: true }),
    ...(c.run197
      ? [
          order({ kind: 'status', group: 'ds9', status: 'disabled', reason: 'Program Sisko 197' }),
          { type: 'fact', text: 'Program Sisko 197 activated: the station is sabotaged' } as BattleCommand,
          {
            type: 'caption',
            text: "Major Kira, now the Bajorans' representative to the Dominion, at the console: Program Sisko 197 is running.",
          } as BattleCommand,
        ]
      : [{ type: 'fact', text: 'Station handed over with its systems intact' } as BattleCommand]),
  ];
}

function lastStandCommands(c: Ctx): BattleCommand[] {
  return [
    phase(
      'last-stand',
      'A last stand',
      'Late 2373 · hour 1:40',
      c.fieldActive
        ? 'Sisko keeps his people aboard. The Defiant and the Rotarran fall back on the station to fight beside it, and Dukat commits his reserve.'
        : 'Sisko keeps his people aboard. The Rotarran falls back on the station while the Defiant keeps laying mines, and Dukat commits his reserve.',
    ),
    // The Defiant does not abandon an unfinished minefield.
    ...(c.fieldActive ? [order({ kind: 'attack', group: 'defiant', target: `side:${DOM}`, range: 'close' })] : []),
    order({ kind: 'attack', group: 'rotarran', target: `side:${DOM}`, range: 'close' }),
    order({ kind: 'attack', group: 'ds9', target: `side:${DOM}` }),
    ...RESERVE.map((g) => order({ kind: 'attack', group: g, target: `side:${FED}`, range: 'close' })),
    ...mainBody((g) => ({ kind: 'attack', group: g, target: 'ds9', range: 'close' })),
    { type: 'fact', text: 'Sisko refuses to abandon the station' },
  ];
}

function flightCommands(c: Ctx): BattleCommand[] {
  return [
    {
      type: 'caption',
      text:
        c.defiantUp || c.rotarranUp
          ? 'Deep Space 9 is destroyed. The surviving ships break off and run for Federation space.'
          : 'Deep Space 9 is destroyed with its defenders.',
    },
    order({ kind: 'retreat', group: 'defiant', to: P.federationSpace }),
    order({ kind: 'retreat', group: 'rotarran', to: P.federationSpace }),
  ];
}

// ---- the machine -------------------------------------------------------------------------------

/** Named playback timings (ms) of the timed phases. */
export const DELAYS = {
  mining: 55_000,
  ruse: 50_000,
  warning: 55_000,
  surrender: 30_000,
  split: 12_000,
  shieldsHold: 60_000,
  shieldsFall: 20_000,
  evacuationMax: 70_000,
  departure: 40_000,
  occupation: 30_000,
  boarding: 35_000,
  lastStandMax: 120_000,
  flight: 25_000,
} as const;

const when = (pred: (f: Facts) => boolean) => tickGuard<Ctx>(pred);

const s = battleSetup<Ctx>((context, f, t) => {
  const fld = f.fields[MINEFIELD_ID];
  return {
    t,
    fieldProgress: fld?.progress ?? context.fieldProgress,
    fieldActive: fld?.active === true,
    defiantUp: alive(f, 'defiant'),
    rotarranUp: alive(f, 'rotarran'),
    shieldsDownAt: context.shieldsDownAt ?? (stationShieldsDown(f) ? t : null),
  };
}).extend({
  delays: DELAYS,
  actions: {
    announceField: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'TICK');
      enqueue.assign({ fieldActiveAt: event.t });
      enqueue.emit({ type: 'effect', kind: 'wormhole-blocked', pos: P.wormhole, radius: 60, label: 'Minefield active' });
      enqueue.emit({
        type: 'objective',
        id: 'seal-wormhole',
        label: 'Mine the wormhole entrance',
        side: FED,
        status: 'complete',
        progress: 1,
      });
      enqueue.emit({
        type: 'fact',
        text:
          context.convoy === 'through'
            ? 'Minefield activated after the convoy came through'
            : 'Minefield activated: the wormhole is sealed',
      });
    }),
    announceLosses: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'TICK');
      const lost = newlyLost(context, event.facts);
      for (const id of lost) {
        const name = id === 'defiant' ? 'USS Defiant' : 'IKS Rotarran';
        const unfinished = id === 'defiant' && !fieldActive(event.facts);
        enqueue.emit({
          type: 'caption',
          text: unfinished
            ? `The ${name} is destroyed with the minefield ${Math.round(context.fieldProgress * 100)}% laid.`
            : `The ${name} is destroyed.`,
        });
        enqueue.emit({ type: 'fact', text: unfinished ? `${name} destroyed before the minefield was finished` : `${name} destroyed` });
      }
      enqueue.assign({ lost: [...context.lost, ...lost] });
    }),
    convoy: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'TICK');
      for (const c of convoyArrives(context, event.facts)) enqueue.emit(c);
      enqueue.assign({ convoy: fieldActive(event.facts) ? 'blocked' : 'through' });
    }),
    end: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'TICK');
      for (const c of endCommands(context, event.facts)) enqueue.emit(c);
    }),
    recallDefiant: assign({ defiantRecalled: true }),
    chooseWings: assign(({ event }) => {
      assertEvent(event, 'DECIDE');
      return { wings: Math.max(1, Math.min(40, Math.round(event.value ?? HISTORICAL_WINGS))) };
    }),
  },
  guards: {
    convoyDue: tickGuard<Ctx>((_, c, t) => c.convoy === 'waiting' && t >= CONVOY_AT_MS),
    fieldActive: when(fieldActive),
    crewShipLost: tickGuard<Ctx>((f, c) => newlyLost(c, f).length > 0),
    fieldJustActive: tickGuard<Ctx>((f, c) => c.fieldActiveAt === null && fieldActive(f)),
    shieldsDown: when(stationShieldsDown),
    /** The field is finished while the Defiant still waits at the wormhole to evacuate. */
    defiantFreed: tickGuard<Ctx>((f, c) => !c.defiantRecalled && fieldActive(f)),
    evacuated: when((f) => {
      if (!alive(f, 'defiant') && !alive(f, 'rotarran')) return true;
      return (f.counters.evacuation ?? 0) >= 1 && (fieldActive(f) || !alive(f, 'defiant'));
    }),
    stationGone: when((f) => f.units.ds9?.status === 'destroyed'),
  },
});

export const machine = s.createMachine({
  id: 'second-battle-of-deep-space-9',
  context: initialContext,
  initial: 'mining',
  // Every TICK: remember the facts we narrate from, announce the minefield once it is active (in
  // whatever phase), and bring the convoy when its time comes. A phase's own TICK transition wins
  // over these for that tick; the announcements then come on the next one.
  on: {
    TICK: tick(
      { guard: 'convoyDue', actions: 'convoy' },
      { guard: 'fieldJustActive', actions: 'announceField' },
      { guard: 'crewShipLost', actions: 'announceLosses' },
      {},
    ),
  },
  states: {
    mining: {
      entry: [
        phaseAction(
          'mining',
          'Mining the wormhole',
          'Late 2373 · days before the attack',
          "With war close, Starfleet decides to mine the mouth of the Bajoran wormhole. Rom's self-replicating, cloaked mines are built by O'Brien and Dax, and the Defiant starts laying them.",
        ),
        orderAction({ kind: 'ceasefire', active: true }),
        orderAction({ kind: 'layMines', group: 'defiant', field: MINEFIELD_ID }),
        orderAction({ kind: 'move', group: 'rotarran', to: P.borderPatrol }),
        objective({ id: 'seal-wormhole', label: 'Mine the wormhole entrance', side: FED, status: 'pending', progress: 0 }),
        objective({ id: 'take-ds9', label: 'Take Deep Space 9', side: DOM, status: 'pending', progress: 0 }),
        objective({ id: 'reinforce', label: 'Bring reinforcements through the wormhole', side: DOM, status: 'pending', progress: 0 }),
        caption('The IKS Rotarran heads out to patrol the Cardassian border and give warning of any attack.'),
      ],
      after: { mining: 'ruse' },
    },
    ruse: {
      entry: [
        phaseAction(
          'ruse',
          'The ruse',
          'Late 2373 · the negotiations',
          'Weyoun demands the mining stop; Sisko refuses. They act out a deal (mines removed, convoys limited to relief supplies) that neither believes: Weyoun is buying time for the fleet, Sisko for the minefield.',
        ),
        caption('Weyoun, to Sisko: the mining must stop at once. Sisko: it will not.'),
      ],
      after: { ruse: 'warning' },
    },
    warning: {
      entry: [
        phaseAction(
          'warning',
          "Rotarran's warning",
          'Late 2373 · hour 0:00',
          'The Rotarran reports a huge Dominion and Cardassian fleet crossing the border under Dukat. No reinforcements are coming: Starfleet is striking the Torros III shipyards instead.',
        ),
        // A slow, deliberate advance: the fleet reaches the station just as the warning phase ends.
        ...MAIN_BODY.map((g) => orderAction({ kind: 'move', group: g, speed: 5, to: HALT[g] })),
        orderAction({ kind: 'move', group: 'rotarran', to: P.screen }),
        fact('The Rotarran gives early warning of the fleet'),
      ],
      after: { warning: 'surrender' },
    },
    surrender: {
      entry: [
        phaseAction(
          'surrender',
          'Surrender refused',
          'Late 2373 · hour 0:30',
          "Nearly 300 Jem'Hadar and Cardassian warships halt before the station. Dukat offers terms; Sisko refuses them, and both sides ready for the assault.",
        ),
        ...MAIN_BODY.map((g) => orderAction({ kind: 'hold', group: g })),
      ],
      after: { surrender: 'decideWings' },
    },
    decideWings: {
      tags: ['decision'],
      meta: { decisionId: D.wings },
      on: {
        DECIDE: [
          { guard: decided(D.wings, 'wings'), target: 'split', actions: 'chooseWings' },
          { guard: decided(D.wings, 'ignore'), target: 'split', actions: assign({ wings: 0 }) },
        ],
      },
    },
    split: {
      entry: emits(splitCommands),
      after: { split: 'decideCover' },
    },
    decideCover: {
      tags: ['decision'],
      meta: { decisionId: D.cover },
      on: {
        DECIDE: [
          { guard: decided(D.cover, 'cover'), target: 'shieldsHold', actions: assign({ cover: true }) },
          { guard: decided(D.cover, 'station-only'), target: 'shieldsHold', actions: assign({ cover: false }) },
        ],
      },
    },
    shieldsHold: {
      entry: emits(shieldsHoldCommands),
      after: { shieldsHold: 'decideTarget' },
    },
    decideTarget: {
      tags: ['decision'],
      meta: { decisionId: D.target },
      on: {
        DECIDE: [
          { guard: decided(D.target, 'section-17'), target: 'siege', actions: assign({ focus17: true }) },
          { guard: decided(D.target, 'broad'), target: 'siege', actions: assign({ focus17: false }) },
        ],
      },
    },
    // Under bombardment, with or without the field finished: the phase ends when the shields fall.
    siege: {
      initial: 'bombardment',
      on: { TICK: tick({ guard: 'shieldsDown', target: 'shieldsFall' }) },
      states: {
        bombardment: {
          entry: emits(bombardmentCommands),
          on: { TICK: tick({ guard: 'fieldActive', target: 'sealed' }) },
        },
        sealed: {
          entry: [
            phaseAction(
              'sealed',
              'The wormhole sealed',
              'Late 2373 · hour 1:20',
              'Covered by the Rotarran, the Defiant finishes the minefield and activates it. The cloaked mines close the wormhole: no more Dominion ships can come from the Gamma Quadrant.',
            ),
            orderAction({ kind: 'hold', group: 'defiant' }),
          ],
        },
      },
    },
    shieldsFall: {
      entry: emits(shieldsFallCommands),
      after: { shieldsFall: 'decideEvacuate' },
    },
    decideEvacuate: {
      tags: ['decision'],
      meta: { decisionId: D.evacuate },
      on: {
        DECIDE: [
          { guard: decided(D.evacuate, 'evacuate'), target: 'evacuation', actions: assign({ evacuate: true }) },
          { guard: decided(D.evacuate, 'hold'), target: 'lastStand', actions: assign({ evacuate: false }) },
        ],
      },
    },
    evacuation: {
      entry: [emits(evacuationCommands), assign(({ context }) => ({ defiantRecalled: context.fieldActive }))],
      on: {
        TICK: tick(
          // The Defiant leaves the wormhole only once the field is finished.
          { guard: 'defiantFreed', actions: ['recallDefiant', orderAction({ kind: 'move', group: 'defiant', to: P.evacDefiant })] },
          { guard: 'evacuated', target: 'departure' },
        ),
      },
      after: { evacuationMax: 'departure' },
    },
    departure: {
      entry: emits(departureCommands),
      after: { departure: 'decide197' },
    },
    decide197: {
      tags: ['decision'],
      meta: { decisionId: D.program197 },
      on: {
        DECIDE: [
          { guard: decided(D.program197, 'run'), target: 'occupation', actions: assign({ run197: true }) },
          { guard: decided(D.program197, 'leave'), target: 'occupation', actions: assign({ run197: false }) },
        ],
      },
    },
    occupation: {
      entry: emits(occupationCommands),
      after: { occupation: 'boarding' },
    },
    boarding: {
      entry: [
        caption(
          'Dominion and Cardassian troops board the station without resistance. Terok Nor, abandoned five years before, is theirs again.',
        ),
        command({ type: 'effect', kind: 'beam-down', pos: P.ds9, radius: 25, label: 'Troops board' }),
        orderAction({ kind: 'side', group: 'ds9', side: DOM }),
        objective({ id: 'take-ds9', label: 'Take Deep Space 9', side: DOM, status: 'complete', progress: 1 }),
        fact('Dominion troops board the station unopposed'),
        assign({ boarded: true }),
      ],
      after: { boarding: 'tally' },
    },
    lastStand: {
      entry: emits(lastStandCommands),
      on: {
        TICK: tick({ guard: 'stationGone', target: 'flight' }),
      },
      after: { lastStandMax: 'tally' },
    },
    flight: {
      // The station is gone: whatever ships survive run for Federation space.
      entry: emits(flightCommands),
      after: { flight: 'tally' },
    },
    tally: {
      // The verdict needs the world's facts, so it waits for the next TICK.
      on: {
        TICK: tick({ target: 'done', actions: 'end' }),
      },
    },
    done: { type: 'final' },
  },
});
