import type { DecisionSpec } from '../engine/index.js';

// The decision points of the Battle of Terok Nor. Exactly one option of each is historical
// (the canonical timeline takes it); the basis for each is in notes.md.

export const D = {
  decoys: 'bashir-decoy-run',
  tactic: 'sisko-tactic',
  raider: 'raider-returns',
  regent: 'regent-withdraws',
} as const;

export const O = {
  shadows: 'project-warp-shadows',
  noDecoy: 'keep-raider-home',
  patternSuicide: 'pattern-suicide',
  standoff: 'standoff-duel',
  raiderStrikes: 'raider-streaks-in',
  raiderHolds: 'raider-stays-out',
  withdraw: 'withdraw-on-garaks-advice',
  fightOn: 'fight-on',
} as const;

/** Historical number of false warp shadows (invented figure: the seed only says "a series"). */
export const HISTORICAL_SHADOWS = 6;

export const decisions: DecisionSpec[] = [
  {
    id: D.decoys,
    title: "Bashir's decoy run",
    prompt:
      'With the Alliance fleet eight hours out and the Defiant still in refit, Bashir and Jadzia can take the only raider out to fake a squadron with false warp shadows, or keep it home to defend the station.',
    options: [
      {
        id: O.shadows,
        label: 'Run out and project false warp shadows',
        historical: true,
        param: { label: 'Warp shadows projected', min: 0, max: 12, step: 1, default: HISTORICAL_SHADOWS, unit: 'shadows' },
      },
      { id: O.noDecoy, label: 'Keep the raider at Terok Nor', historical: false },
    ],
  },
  {
    id: D.tactic,
    title: "Sisko's tactic against the flagship",
    prompt:
      "The Regent's flagship outguns the Defiant and is pummelling it from range: Sisko can close to point-blank and circle the cruiser, or keep his distance and trade fire.",
    options: [
      { id: O.patternSuicide, label: 'Close to point-blank ("pattern suicide")', historical: true },
      { id: O.standoff, label: 'Stand off and duel at range', historical: false },
    ],
  },
  {
    id: D.raider,
    title: "Bashir's raider and the Bird-of-Prey",
    prompt:
      'A Bird-of-Prey has slipped in behind the battered Defiant: Bashir can bring the raider back into the fight to cover it, or keep the last raider safely out of the battle.',
    options: [
      { id: O.raiderStrikes, label: 'Streak in and cover the Defiant', historical: true },
      { id: O.raiderHolds, label: 'Keep the raider out of the fight', historical: false },
    ],
  },
  {
    id: D.regent,
    title: "Garak's advice to the Regent",
    prompt: "The flagship is breached in several places: the Regent can take Garak's advice and withdraw, or fight on for the station.",
    options: [
      { id: O.withdraw, label: "Withdraw on Garak's advice", historical: true },
      { id: O.fightOn, label: 'Fight on', historical: false },
    ],
  },
];
