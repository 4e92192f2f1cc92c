import { assertEvent, assign, emit } from 'xstate';
import { battleSetup, caption, decided, emits, fact, phase, tick, tickGuard, type BattleCommand } from '../engine/index.js';
import { FORWARD_SHIPS, FOUNDER_STRATEGY, FOUNDER_SURRENDER, LAKARIAN_CITY } from './decisions.js';
import * as orders from './orders.js';
import { emptyTally, foughtEnd, isDecided, surrenderEnd, tally, type Tally } from './outcome.js';

// The Battle of Cardassia on the authoring kit: one state per phase, three decision states.
// Phase captions paraphrase seed 001_20da251821cb360a.txt; see notes.md for the mapping.

export interface CardassiaContext {
  /** The world as of the latest TICK (for end summaries emitted on timers). */
  last: Tally;
  /** The world when the full battle began (fight-to-the-end branch only). */
  fightStart: Tally | null;
  /** Ships the Founder keeps on the forward lines (null: she withdrew, as in history). */
  forwardHold: number | null;
  commsCut: boolean;
  switched: boolean;
}

/** Playback durations of the timed phases, ms: the machine's named delays. */
export const PHASE_MS = {
  stretchedThin: 30_000,
  withdrawal: 50_000,
  massing: 45_000,
  advance: 65_000,
  /** Fallback if the rebels fail to cut the communications. */
  spaceBattleMax: 110_000,
  lakarianCity: 20_000,
  cardassiansSwitch: 25_000,
  extermination: 45_000,
  cardassiansLoyal: 25_000,
  encirclement: 90_000,
  /** Into the encirclement: the far groups leave the wide arc and close the ring. */
  closeRing: 28_000,
  surrender: 30_000,
  finalBattleMax: 330_000,
} as const;

type Ctx = CardassiaContext;

/** Commands that need no context, as one entry action (orders.ts builds them). */
const say = (...commands: BattleCommand[]) => emits<Ctx>(() => commands);

const s = battleSetup<Ctx>((_, facts) => ({ last: tally(facts) })).extend({
  delays: PHASE_MS,
  actions: {
    chooseForwardHold: assign(({ event }) => {
      assertEvent(event, 'DECIDE');
      return { forwardHold: event.value ?? FORWARD_SHIPS };
    }),
    markCommsCut: assign({ commsCut: true }),
    markFightStart: assign(({ context }) => ({ fightStart: context.last })),
    emitSurrenderEnd: emit(({ context }) => surrenderEnd(context.last)),
    /** Judged on the remembered tally, so on a TICK transition it runs after 'record'. */
    emitFoughtEnd: emit(({ context }) => foughtEnd(context.fightStart ?? emptyTally(), context.last)),
  },
  guards: {
    commsCut: tickGuard<Ctx>((f) => tally(f).commsAlive === 0),
    battleDecided: tickGuard<Ctx>((f, c) => c.fightStart !== null && isDecided(c.fightStart, tally(f))),
  },
});

export const machine = s.createMachine({
  id: 'battle-of-cardassia',
  initial: 'stretchedThin',
  context: { last: emptyTally(), fightStart: null, forwardHold: null, commsCut: false, switched: false },
  // Every tick refreshes the remembered tally; a phase's own TICK transitions record too (tick()).
  on: { TICK: { actions: 'record' } },
  states: {
    stretchedThin: {
      entry: [
        phase(
          'stretched-thin',
          'Stretched thin',
          'Late 2375',
          'Dominion forces are spread along the Federation, Klingon and Romulan borders, harried by hit-and-run raids and by the Cardassian rebellion Damar leads at home.',
        ),
        say(...orders.holdForward()),
      ],
      after: { stretchedThin: 'founderStrategy' },
    },

    founderStrategy: {
      tags: ['decision'],
      meta: { decisionId: FOUNDER_STRATEGY },
      on: {
        DECIDE: [
          { guard: decided(FOUNDER_STRATEGY, 'withdraw'), target: 'withdrawal' },
          { guard: decided(FOUNDER_STRATEGY, 'hold-forward'), target: 'holdLines', actions: 'chooseForwardHold' },
        ],
      },
    },

    withdrawal: {
      entry: [
        phase(
          'withdrawal',
          'Back to the pre-war borders',
          'Late 2375 · the withdrawal',
          'Betting that the Alliance lacks the resolve to invade Cardassian space, the Founder pulls every ship back behind the pre-war border: a shorter perimeter, shorter supply lines, time to rebuild.',
        ),
        say(...orders.withdraw()),
      ],
      after: { withdrawal: 'massing' },
    },

    holdLines: {
      entry: emits<Ctx>((context) => [
        {
          type: 'phase',
          phaseId: 'hold-the-line',
          title: 'Holding the forward lines',
          label: 'Late 2375 · the forward lines',
          caption: `The Founder refuses to give ground: ${context.forwardHold ?? FORWARD_SHIPS} ships stay on the forward lines in Alliance space while the rest fall back to Cardassia.`,
        },
        ...orders.holdLines(context.forwardHold ?? FORWARD_SHIPS),
      ]),
      after: { withdrawal: 'massing' },
    },

    massing: {
      entry: [
        phase(
          'massing',
          'The fleet masses at Deep Space 9',
          'Late 2375 · Deep Space 9',
          'Seeing the chance to finish the war, the Alliance gathers thousands of Federation, Klingon and Romulan starships at Deep Space 9.',
        ),
        say(...orders.massAtDS9()),
      ],
      after: { massing: 'advance' },
    },

    advance: {
      entry: [
        phase(
          'advance',
          'The advance on Cardassia',
          'Late 2375 · day 1',
          'The invasion fleet sets out in three columns and crosses into Cardassian space toward the homeworld.',
        ),
        emits<Ctx>((context) => orders.advance(context.forwardHold)),
      ],
      after: { advance: 'spaceBattle' },
    },

    spaceBattle: {
      entry: [
        phase(
          'communications',
          'Rebels strike the communications net',
          'Late 2375 · day 3',
          "As the Alliance columns close on the Dominion's outer lines, Cardassian rebels go after the communications installations that link Cardassia Prime to the Dominion fleet.",
        ),
        say(...orders.spaceBattle()),
      ],
      on: {
        TICK: tick({
          guard: 'commsCut',
          target: 'lakarianDecision',
          actions: [
            'markCommsCut',
            caption('The last relay falls: the Dominion forces around Cardassia are cut off from their fleet command.'),
            emits<Ctx>((context) => orders.commsCut(context.forwardHold)),
          ],
        }),
      },
      after: { spaceBattleMax: 'lakarianDecision' },
    },

    lakarianDecision: {
      tags: ['decision'],
      meta: { decisionId: LAKARIAN_CITY },
      on: {
        DECIDE: [
          { guard: decided(LAKARIAN_CITY, 'destroy'), target: 'lakarianCity' },
          { guard: decided(LAKARIAN_CITY, 'spare'), target: 'cardassiansLoyal' },
        ],
      },
    },

    lakarianCity: {
      entry: [
        phase(
          'lakarian-city',
          'Lakarian City',
          'Late 2375 · day 3',
          "To punish the uprising, the Founder has the Jem'Hadar wipe out Lakarian City within moments: two million Cardassians die.",
        ),
        caption("The Founder, to her Jem'Hadar: make an example of Lakarian City."),
        say(...orders.lakarianStrike()),
      ],
      after: { lakarianCity: 'cardassiansSwitch' },
    },

    cardassiansSwitch: {
      entry: [
        assign({ switched: true }),
        phase(
          'cardassians-switch',
          'The Cardassians change sides',
          'Late 2375 · day 3',
          'The massacre backfires. Cardassian forces everywhere turn their guns on the Dominion and fight beside the Alliance.',
        ),
        say(...orders.cardassiansSwitch()),
      ],
      after: { cardassiansSwitch: 'extermination' },
    },

    extermination: {
      entry: [
        phase(
          'extermination',
          'Extermination order',
          'Late 2375 · day 4',
          "Enraged by the betrayal, the Founder orders the Jem'Hadar to kill every Cardassian; hundreds of millions will die before the war is over.",
        ),
        say(...orders.extermination()),
      ],
      after: { extermination: 'encirclement' },
    },

    cardassiansLoyal: {
      entry: [
        phase(
          'cardassians-loyal',
          'The city is spared',
          'Late 2375 · day 3',
          'Without a massacre to turn them, the Cardassian fleets stay at their posts under Dominion command.',
        ),
        fact('Lakarian City was spared and the Cardassian fleets stayed loyal to the Dominion'),
      ],
      after: { cardassiansLoyal: 'encirclement' },
    },

    encirclement: {
      entry: [
        phase(
          'encirclement',
          'Cardassia surrounded',
          'Late 2375 · day 5',
          'Though projected to lose over 40% of its ships, the Alliance presses on and surrounds the homeworld, facing the Dominion and Breen fleet, Cardassian stations and the orbital weapons platforms.',
        ),
        say(...orders.coreReturn(), ...orders.encircle()),
      ],
      after: {
        // Second leg of the encirclement: a targetless delayed transition only runs its actions.
        closeRing: { actions: say(...orders.closeRing()) },
        encirclement: 'surrenderDecision',
      },
    },

    surrenderDecision: {
      tags: ['decision'],
      meta: { decisionId: FOUNDER_SURRENDER },
      on: {
        DECIDE: [
          { guard: decided(FOUNDER_SURRENDER, 'surrender'), target: 'surrender' },
          { guard: decided(FOUNDER_SURRENDER, 'fight'), target: 'finalBattle' },
        ],
      },
    },

    surrender: {
      entry: [
        phase(
          'surrender',
          "Odo's plea",
          'Late 2375 · day 5',
          'Before the battle can be joined, Odo persuades the Founder to surrender. The guns fall silent and the Dominion War is over.',
        ),
        caption('Odo, to the Founder: end it. Surrender, and let the killing stop.'),
        say(...orders.surrender()),
      ],
      after: { surrender: { target: 'done', actions: 'emitSurrenderEnd' } },
    },

    finalBattle: {
      entry: [
        'markFightStart',
        phase(
          'final-battle',
          'To the last ship',
          'Late 2375 · day 5',
          "The Founder will not yield: the Jem'Hadar, the Breen and the orbital platforms meet the encircling Alliance fleet in a battle fought to the end.",
        ),
        emits<Ctx>((context) => orders.finalBattle(context.switched, context.forwardHold)),
      ],
      on: { TICK: tick({ guard: 'battleDecided', target: 'done', actions: 'emitFoughtEnd' }) },
      after: { finalBattleMax: { target: 'done', actions: 'emitFoughtEnd' } },
    },

    done: { type: 'final' },
  },
});
