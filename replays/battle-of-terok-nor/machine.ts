import { assertEvent, assign, emit } from 'xstate';
import {
  battleSetup,
  caption,
  decided,
  fact,
  objective,
  order,
  phase,
  tick,
  tickGuard,
  type BattleCommand,
  type Facts,
  type Order,
} from '../engine/index.js';
import { D, HISTORICAL_SHADOWS, O } from './decisions.js';
import { allianceOnMap, bopsDestroyed, destroyed, digest, groupAlive, groupHull, groupShields, verdict, type Digest } from './facts.js';
import { BOP_COUNT, G, P, SIDES, U } from './scenario.js';

// The Battle of Terok Nor on the authoring kit: one state per phase, plus decision states. From the
// moment the Defiant can be hunted, the phases sit in one parent state, `assault`, whose TICK
// transition to `defiantLost` applies in every one of them. The machine only gives orders; who is
// hit, who dies and when phases turn over come from the simulation (TICK facts). Timings are
// playback milliseconds; in-universe time is compressed.

/** Refit work: the counter reaches 1 after 1 / REFIT_RATE seconds of playback. */
export const REFIT_RATE = 1 / 140;

/** Named playback timings (ms), used as the machine's delays. */
export const T = {
  refitIntro: 36_000,
  speedUp: 24_000,
  raiderRun: 12_000,
  launchWait: 150_000,
  hunt: 45_000,
  strafe: 16_000,
  pummel: 18_000,
  /** Fallback only: the flagship calls for help when the Defiant's shields fall (CALL_FOR_HELP_SHIELDS). */
  circle: 90_000,
  behind: 5_000,
  raiderRescue: 35_000,
  breaches: 120_000,
  withdrawal: 45_000,
  fightOn: 100_000,
  defiantLost: 70_000,
  /** How long a phase's caption stays up before the battle may end on it. */
  captionTime: 6_000,
} as const;

/** How long each warp shadow fools Alliance sensors, per shadow projected (more shadows, longer ruse). */
export const SHADOW_TTL = { base: 15_000, perShadow: 5_000 } as const;
/** Flagship hull fraction at which Garak counsels withdrawal ("several major hull breaches"). */
export const RETREAT_HULL = 0.4;
/** Defiant shield fraction at which the flagship calls a Bird-of-Prey in for the kill. */
export const CALL_FOR_HELP_SHIELDS = 0.45;
/** Alliance cruising speed on the approach (map units/s): the Regent's "increase speed", compressed. */
export const APPROACH_SPEED = 8;

export interface TerokNorContext {
  shadows: number;
  decoyRun: boolean;
  tactic: 'pointblank' | 'standoff';
  raiderReturns: boolean;
  /** BoPs already destroyed when the Defiant launched (so its first kill is told apart). */
  bopsAtLaunch: number;
  /** Whether a Bird-of-Prey was detached as the hunter (its group only exists from then on). */
  hunterOut: boolean;
  last: Digest | null;
}

/**
 * The fleet heads for its assault positions (the Birds-of-Prey lead, inside the station's reach, so
 * the station opening fire is what starts the battle). `speed` undefined = each group's top speed.
 */
const approachOrders = (speed?: number) =>
  (
    [
      [G.bops, P.bopsAssault],
      [G.galors, P.assault],
      [G.flagship, P.flagshipStandoff],
    ] as const
  ).map(([group, to]) => order({ kind: 'move', group, to, ...(speed !== undefined ? { speed } : {}) }));

/** Orders sending the fleet against the station (escorts lead, the flagship hangs back). */
const assaultOrders = [
  order({ kind: 'attack', group: G.galors, target: G.station, range: 'standoff' }),
  order({ kind: 'attack', group: G.bops, target: `side:${SIDES.rebellion}`, range: 'close' }),
  order({ kind: 'move', group: G.flagship, to: P.flagshipStandoff }),
];

const pressAttack = (group: string): Order => ({ kind: 'attack', group, target: `side:${SIDES.rebellion}`, range: 'close' });

const when = (pred: (f: Facts) => boolean) => tickGuard<TerokNorContext>(pred);

const s = battleSetup<TerokNorContext>((context, facts) => ({ last: digest(facts, context.last) })).extend({
  delays: T,
  actions: {
    emitDecoys: emit(
      ({ context }): BattleCommand => ({
        type: 'order',
        order: {
          kind: 'decoys',
          group: G.raider,
          decoyGroup: G.shadows,
          count: context.shadows,
          to: P.decoyTarget,
          ttlMs: SHADOW_TTL.base + SHADOW_TTL.perShadow * context.shadows,
        },
      }),
    ),
    emitDecoyFact: emit(
      ({ context }): BattleCommand => ({
        type: 'fact',
        text: `Bashir projected ${context.shadows} false warp shadow${context.shadows === 1 ? '' : 's'}`,
      }),
    ),
    chooseShadows: assign(({ event }) => {
      assertEvent(event, 'DECIDE');
      return { decoyRun: true, shadows: Math.max(0, Math.min(12, Math.round(event.value ?? HISTORICAL_SHADOWS))) };
    }),
    markLaunch: assign(({ event }) => {
      assertEvent(event, 'TICK');
      return { bopsAtLaunch: bopsDestroyed(event.facts) };
    }),
    emitDefiantAttack: emit(
      ({ context }): BattleCommand => ({
        type: 'order',
        order: { kind: 'attack', group: G.defiant, target: G.flagship, range: context.tactic === 'pointblank' ? 'pointblank' : 'standoff' },
      }),
    ),
    emitRaiderAttack: emit(
      ({ context }): BattleCommand =>
        context.raiderReturns
          ? { type: 'order', order: { kind: 'attack', group: G.raider, target: G.flagship, range: 'close' } }
          : { type: 'order', order: { kind: 'hold', group: G.raider } },
    ),
    // The hunter's group only exists once a Bird-of-Prey was detached; before that the same order
    // goes to the Birds-of-Prey it would have come from (a harmless repeat).
    emitHunterRetreat: emit(
      ({ context }): BattleCommand => ({
        type: 'order',
        order: { kind: 'retreat', group: context.hunterOut ? G.hunter : G.bops, to: P.retreat },
      }),
    ),
    emitHunterPress: emit(({ context }): BattleCommand => ({ type: 'order', order: pressAttack(context.hunterOut ? G.hunter : G.bops) })),
    emitEnd: emit(({ context }): BattleCommand => ({ type: 'end', ...verdict(context.last) })),
    emitOutcomeFacts: emit(({ context }): BattleCommand => {
      const d = context.last;
      const text = d
        ? `${d.bopsDestroyed} of ${BOP_COUNT} Birds-of-Prey destroyed; Terok Nor ${d.stationAlive ? 'held' : 'lost'}`
        : 'No engagement';
      return { type: 'fact', text };
    }),
  },
  guards: {
    hasShadows: ({ context }) => context.decoyRun && context.shadows > 0,
    raiderAlive: ({ context }) => context.last !== null && context.last.raiderStatus !== 'destroyed',
    /** The Alliance has opened the assault: someone on either side has taken fire. */
    engaged: when((f) => groupShields(f, G.station) < 0.995 || groupShields(f, G.galors) < 0.995 || groupShields(f, G.bops) < 0.995),
    shadowsGone: when((f) => (f.groups[G.shadows]?.total ?? 0) > 0 && groupAlive(f, G.shadows) === 0),
    refitDone: when((f) => (f.counters.refit ?? 0) >= 1),
    defiantDestroyed: when((f) => destroyed(f, U.defiant)),
    stationDestroyed: when((f) => destroyed(f, U.station)),
    firstKill: tickGuard<TerokNorContext>((f, c) => bopsDestroyed(f) > c.bopsAtLaunch),
    huntDone: tickGuard<TerokNorContext>((f, c) => bopsDestroyed(f) >= c.bopsAtLaunch + 3 || groupAlive(f, G.bops) <= 2),
    galorsMauled: when((f) => groupHull(f, G.galors) < 0.55 || groupAlive(f, G.galors) === 0),
    defiantHurting: when((f) => groupShields(f, G.defiant) < 0.7),
    defiantShieldsFailing: when((f) => groupShields(f, G.defiant) < CALL_FOR_HELP_SHIELDS),
    hunterGone: when((f) => (f.groups[G.hunter]?.total ?? 0) === 0 || groupAlive(f, G.hunter) === 0),
    flagshipBreached: when((f) => groupAlive(f, G.flagship) > 0 && groupHull(f, G.flagship) < RETREAT_HULL),
    flagshipGone: when((f) => groupAlive(f, G.flagship) === 0),
    allianceGone: when((f) => allianceOnMap(f) === 0),
  },
});

export const machine = s.createMachine({
  id: 'battle-of-terok-nor',
  initial: 'refit',
  context: {
    shadows: HISTORICAL_SHADOWS,
    decoyRun: true,
    tactic: 'pointblank',
    raiderReturns: true,
    bopsAtLaunch: 0,
    hunterOut: false,
    last: null,
  },
  on: { TICK: { actions: 'record' } },
  states: {
    refit: {
      entry: [
        phase(
          'refit',
          'The Defiant in refit',
          '2372 · T-10h',
          "Terok Nor is in rebel hands, but the rebels' copy of the Defiant shakes itself apart at full power. Smiley O'Brien, Jennifer Sisko and a reluctant Benjamin Sisko overhaul its inertial dampers at the station's berth. Far off in Alliance space, the escaped Garak stands before Regent Worf, who is gathering a fleet to take the station back.",
        ),
        objective({ id: 'hold-station', label: 'Hold Terok Nor', side: SIDES.rebellion, status: 'pending' }),
        objective({
          id: 'defiant-refit',
          label: "Finish the Defiant's dampers overhaul",
          side: SIDES.rebellion,
          status: 'pending',
          progress: 0,
        }),
        order({ kind: 'status', group: G.defiant, status: 'disabled', reason: 'Docked for refit: inertial dampers overhaul' }),
        order({ kind: 'progress', counter: 'refit', ratePerSec: REFIT_RATE, group: G.defiant }),
      ],
      after: { refitIntro: 'speedUp' },
    },
    speedUp: {
      entry: [
        phase(
          'regent-speeds-up',
          'The Regent orders full speed',
          '2372 · T-8h',
          'Warned by Garak that the rebels are building a warship, Regent Worf drives his fleet (his flagship, three Galor cruisers and eight Birds-of-Prey) at top speed to strike before the ship is ready. The fleet is eight hours out.',
        ),
        ...approachOrders(APPROACH_SPEED),
      ],
      after: { speedUp: 'decideDecoys' },
    },
    decideDecoys: {
      tags: ['decision'],
      meta: { decisionId: D.decoys },
      on: {
        DECIDE: [
          { guard: decided(D.decoys, O.shadows), target: 'assault.warpShadows', actions: 'chooseShadows' },
          { guard: decided(D.decoys, O.noDecoy), target: 'assault.raiderStandsBy', actions: assign({ decoyRun: false, shadows: 0 }) },
        ],
      },
    },
    // From the raider's sortie to the Regent's last order, losing the Defiant ends its part in any phase.
    assault: {
      initial: 'warpShadows',
      on: { TICK: tick({ guard: 'defiantDestroyed', target: '#defiantLost' }) },
      states: {
        warpShadows: {
          entry: [
            phase(
              'warp-shadows',
              "Bashir's warp shadows",
              '2372 · T-6h',
              "Bashir and Jadzia take the rebels' last raider out toward the oncoming fleet. Using what the captive Intendant told them about Alliance sensors, they project false warp shadows so that one raider reads as a whole squadron.",
            ),
            order({ kind: 'move', group: G.raider, to: P.decoyLaunch }),
          ],
          // With no shadows to project there is no ruse: the raider slips away and the fleet comes on.
          after: {
            raiderRun: [{ guard: 'hasShadows', target: 'lure' }, { actions: order({ kind: 'move', group: G.raider, to: P.raiderHide }) }],
          },
          on: { TICK: tick({ guard: 'engaged', target: 'fleetArrives' }) },
        },
        lure: {
          entry: [
            phase(
              'lure',
              'The fleet takes the bait',
              '2372 · T-5h',
              "The Alliance sensors read a raider squadron on the flank and the whole fleet turns to run it down, buying the Defiant's crew time.",
            ),
            'emitDecoys',
            'emitDecoyFact',
            order({ kind: 'attack', group: G.flagship, target: G.shadows, range: 'standoff' }),
            order({ kind: 'attack', group: G.galors, target: G.shadows, range: 'standoff' }),
            order({ kind: 'attack', group: G.bops, target: G.shadows, range: 'close' }),
            order({ kind: 'move', group: G.raider, to: P.raiderHide }),
          ],
          on: { TICK: tick({ guard: 'shadowsGone', target: 'fleetReturns' }) },
        },
        raiderStandsBy: {
          entry: [
            phase(
              'raider-stands-by',
              'The raider stays home',
              '2372 · T-6h',
              'The rebels keep their last raider at Terok Nor. Nothing slows the Alliance fleet, and the Defiant is still in refit.',
            ),
            order({ kind: 'move', group: G.raider, to: { x: 560, y: 300 } }),
          ],
          on: { TICK: tick({ guard: 'engaged', target: 'fleetArrives' }) },
        },
        fleetReturns: {
          entry: [
            phase(
              'fleet-returns',
              'The ruse runs out',
              '2372 · T-2h',
              'The warp shadows fade and the Alliance fleet, fooled only for a while, turns back for Terok Nor.',
            ),
            ...approachOrders(),
          ],
          on: { TICK: tick({ guard: 'engaged', target: 'fleetArrives' }) },
        },
        fleetArrives: {
          entry: [
            phase(
              'fleet-arrives',
              'The fleet reaches Terok Nor',
              'Battle · 0:00',
              "The Alliance fleet arrives and the station's weapons open fire on the cruisers. Aboard the Defiant the last damper couplings go in.",
            ),
            order({ kind: 'attack', group: G.station, target: G.galors }),
            ...assaultOrders,
          ],
          on: {
            TICK: tick(
              { guard: 'refitDone', target: 'defiantLaunches', actions: 'markLaunch' },
              { guard: 'stationDestroyed', target: '#end' },
            ),
          },
          after: { launchWait: 'defiantLaunches' },
        },
        defiantLaunches: {
          entry: [
            phase(
              'defiant-launches',
              'The Defiant launches',
              'Battle · 0:04',
              'The Defiant sheds its docking scaffold with Sisko in command. Its first phaser-cannon volleys go at the Birds-of-Prey.',
            ),
            order({ kind: 'status', group: G.defiant, status: 'active', reason: 'Docking scaffold jettisoned' }),
            objective({
              id: 'defiant-refit',
              label: "Finish the Defiant's dampers overhaul",
              side: SIDES.rebellion,
              status: 'complete',
              progress: 1,
            }),
            order({ kind: 'attack', group: G.defiant, target: G.bops, range: 'pointblank' }),
          ],
          on: { TICK: tick({ guard: 'firstKill', target: 'hunt' }) },
          after: { hunt: 'hunt' },
        },
        hunt: {
          entry: [
            phase(
              'hunt',
              'Hunting the Birds-of-Prey',
              'Battle · 0:10',
              "The Defiant runs down the smaller ships one after another while the station's batteries hold off the Galor cruisers.",
            ),
          ],
          on: { TICK: tick({ guard: 'huntDone', target: 'strafeGalors' }) },
          after: { hunt: 'strafeGalors' },
        },
        strafeGalors: {
          entry: [
            phase(
              'strafe-galors',
              'Strafing the Galors',
              'Battle · 0:18',
              'With the Birds-of-Prey thinned out, the Defiant turns on the Galor cruisers and tears into them.',
            ),
            order({ kind: 'attack', group: G.defiant, target: G.galors, range: 'close' }),
          ],
          on: { TICK: tick({ guard: 'galorsMauled', target: 'flagshipEngages' }) },
          after: { strafe: 'flagshipEngages' },
        },
        flagshipEngages: {
          entry: [
            phase(
              'flagship-engages',
              'The flagship opens fire',
              'Battle · 0:24',
              "The battered Galors pull back behind the Regent's flagship, which comes into range and starts pummelling the little Defiant with its heavy disruptors.",
            ),
            order({ kind: 'attack', group: G.flagship, target: G.defiant, range: 'standoff' }),
            order({ kind: 'move', group: G.galors, to: P.galorFallback }),
            // The surviving Birds-of-Prey regroup with them, out of the station's reach (invented).
            order({ kind: 'move', group: G.bops, to: P.galorFallback }),
            order({ kind: 'attack', group: G.defiant, target: G.flagship, range: 'standoff' }),
          ],
          on: { TICK: tick({ guard: 'defiantHurting', target: 'decideTactic' }) },
          after: { pummel: 'decideTactic' },
        },
        decideTactic: {
          tags: ['decision'],
          meta: { decisionId: D.tactic },
          on: {
            DECIDE: [
              { guard: decided(D.tactic, O.patternSuicide), target: 'patternSuicide', actions: assign({ tactic: 'pointblank' as const }) },
              { guard: decided(D.tactic, O.standoff), target: 'standoffDuel', actions: assign({ tactic: 'standoff' as const }) },
            ],
          },
        },
        patternSuicide: {
          entry: [
            phase(
              'pattern-suicide',
              '"Pattern suicide"',
              'Battle · 0:27',
              'Sisko takes the Defiant in to point-blank range and circles the huge cruiser, slipping under much of its fire while scoring hit after hit. Its shields still wear down, and Sisko takes the helm himself.',
            ),
            'emitDefiantAttack',
            order({ kind: 'attack', group: G.flagship, target: G.defiant, range: 'close' }),
            fact('Sisko took the Defiant in to point-blank range ("pattern suicide")'),
            caption('Smiley O\'Brien, as Sisko orders the Defiant in close: "Pattern suicide."'),
          ],
          on: { TICK: tick({ guard: 'defiantShieldsFailing', target: 'bopBehind' }) },
          after: { circle: 'bopBehind' },
        },
        standoffDuel: {
          entry: [
            phase(
              'standoff-duel',
              'A duel at range',
              'Battle · 0:27',
              "Sisko keeps the Defiant at a distance and trades fire with the flagship, where the cruiser's heavier guns have the advantage.",
            ),
            'emitDefiantAttack',
            order({ kind: 'attack', group: G.flagship, target: G.defiant, range: 'standoff' }),
            fact('Sisko kept the Defiant at standoff range against the flagship'),
          ],
          on: { TICK: tick({ guard: 'defiantShieldsFailing', target: 'bopBehind' }) },
          after: { circle: 'bopBehind' },
        },
        bopBehind: {
          entry: [
            phase(
              'bop-behind',
              'A Bird-of-Prey moves in for the kill',
              'Battle · 0:33',
              'The flagship signals for support; a surviving Bird-of-Prey answers and slides in behind the weakened Defiant for the kill.',
            ),
            order({ kind: 'detach', from: G.bops, to: G.hunter, count: 1 }),
            assign({ hunterOut: true }),
            order({ kind: 'attack', group: G.hunter, target: G.defiant, range: 'pointblank' }),
          ],
          after: { behind: [{ guard: 'raiderAlive', target: 'decideRaider' }, { target: 'noRaider' }] },
        },
        decideRaider: {
          tags: ['decision'],
          meta: { decisionId: D.raider },
          on: {
            DECIDE: [
              { guard: decided(D.raider, O.raiderStrikes), target: 'raiderStrikes', actions: assign({ raiderReturns: true }) },
              { guard: decided(D.raider, O.raiderHolds), target: 'raiderStaysOut', actions: assign({ raiderReturns: false }) },
            ],
          },
        },
        raiderStrikes: {
          entry: [
            phase(
              'raider-strikes',
              "Bashir's raider streaks in",
              'Battle · 0:35',
              "At the last moment Bashir's raider races in from behind Bajor and fires on the Bird-of-Prey stalking the Defiant.",
            ),
            order({ kind: 'attack', group: G.raider, target: G.hunter, range: 'pointblank' }),
          ],
          on: { TICK: tick({ guard: 'hunterGone', target: 'hullBreaches' }) },
          after: { raiderRescue: 'hullBreaches' },
        },
        raiderStaysOut: {
          entry: [
            phase(
              'raider-stays-out',
              'The Defiant fights alone',
              'Battle · 0:35',
              'Bashir keeps the raider out of the battle; the Defiant has to deal with the Bird-of-Prey on its tail and the flagship by itself.',
            ),
            order({ kind: 'hold', group: G.raider }),
          ],
          on: { TICK: tick({ guard: 'hunterGone', target: 'hullBreaches' }) },
          after: { raiderRescue: 'hullBreaches' },
        },
        noRaider: {
          entry: [
            phase(
              'no-raider',
              'No one to cover the Defiant',
              'Battle · 0:35',
              "The rebels' raider is gone: the Defiant has to shake the Bird-of-Prey on its tail while the flagship keeps firing.",
            ),
          ],
          on: { TICK: tick({ guard: 'hunterGone', target: 'hullBreaches' }) },
          after: { raiderRescue: 'hullBreaches' },
        },
        hullBreaches: {
          entry: [
            phase(
              'hull-breaches',
              'Breaching the flagship',
              'Battle · 0:38',
              'The Terran ships keep hammering the great cruiser, opening breach after breach in its hull until the ship is shaking apart.',
            ),
            'emitDefiantAttack',
            'emitRaiderAttack',
          ],
          on: {
            TICK: tick({ guard: 'flagshipBreached', target: 'decideRegent' }, { guard: 'flagshipGone', target: '#end' }),
          },
          // The flagship never breached (e.g. a standoff duel): the assault ends undecided.
          after: { breaches: '#end' },
        },
        decideRegent: {
          tags: ['decision'],
          meta: { decisionId: D.regent },
          on: {
            DECIDE: [
              { guard: decided(D.regent, O.withdraw), target: '#withdrawal' },
              { guard: decided(D.regent, O.fightOn), target: 'fightOn' },
            ],
          },
        },
        fightOn: {
          entry: [
            phase(
              'fight-on',
              'The Regent fights on',
              'Battle · 0:45',
              'The Regent waves Garak away and orders every ship to press the attack, breached flagship and all.',
            ),
            fact("The Regent ignored Garak's advice and fought on"),
            order({ kind: 'attack', group: G.flagship, target: G.defiant, range: 'close' }),
            order(pressAttack(G.galors)),
            order(pressAttack(G.bops)),
          ],
          on: { TICK: tick({ guard: 'flagshipGone', target: '#end' }, { guard: 'stationDestroyed', target: '#end' }) },
          after: { fightOn: '#end' },
        },
      },
    },
    withdrawal: {
      id: 'withdrawal',
      entry: [
        phase(
          'withdrawal',
          'The Regent withdraws',
          'Battle · 0:45',
          "With the flagship breached and shaking, Garak delicately counsels the Regent to take his royal person out of harm's way. Worf grudgingly orders a full retreat and the Alliance fleet pulls back toward its own space.",
        ),
        order({ kind: 'retreat', group: G.flagship, to: P.retreat }),
        order({ kind: 'retreat', group: G.galors, to: P.retreat }),
        order({ kind: 'retreat', group: G.bops, to: P.retreat }),
        'emitHunterRetreat',
        // The Terran ships break off and fall back on the station rather than chase.
        order({ kind: 'move', group: G.defiant, to: P.defiantHome }),
        order({ kind: 'move', group: G.raider, to: P.raiderHome }),
        objective({ id: 'hold-station', label: 'Hold Terok Nor', side: SIDES.rebellion, status: 'complete' }),
        fact("The Regent ordered a full retreat on Garak's advice"),
        caption("Garak, at the Regent's side: perhaps it is time His Majesty took his august person away from the battle."),
      ],
      on: { TICK: tick({ guard: 'allianceGone', target: 'end' }) },
      after: { withdrawal: 'end' },
    },
    defiantLost: {
      id: 'defiantLost',
      entry: [
        phase(
          'defiant-lost',
          'The Defiant is lost',
          'Battle · late',
          "Without its only warship the rebellion is left with the station's batteries against what remains of the Alliance fleet.",
        ),
        order({ kind: 'attack', group: G.flagship, target: G.station, range: 'close' }),
        order(pressAttack(G.galors)),
        order(pressAttack(G.bops)),
        'emitHunterPress',
        order({ kind: 'attack', group: G.raider, target: `side:${SIDES.alliance}`, range: 'close' }),
      ],
      // The phase's caption gets its time on screen before the battle can end.
      initial: 'aftermath',
      states: {
        aftermath: { after: { captionTime: 'fighting' } },
        fighting: { on: { TICK: tick({ guard: 'stationDestroyed', target: '#end' }, { guard: 'allianceGone', target: '#end' }) } },
      },
      after: { defiantLost: 'end' },
    },
    end: {
      id: 'end',
      type: 'final',
      entry: ['emitOutcomeFacts', 'emitEnd'],
    },
  },
});
