import type { DecisionSpec } from '../engine/index.js';

// Decision points of the battle, in the order the machine reaches them on the historical path.
// Exactly one option of each is historical; the quantity's param.default is the historical value.

export const D = {
  wings: 'dukat-wings',
  cover: 'station-cover',
  target: 'dukat-target',
  evacuate: 'sisko-evacuate',
  program197: 'kira-program-197',
} as const;

export const HISTORICAL_WINGS = 5;

export const DECISIONS: DecisionSpec[] = [
  {
    id: D.wings,
    title: 'Dukat: how many attack wings after the Defiant?',
    prompt:
      "Dukat splits his fleet: how many Jem'Hadar attack wings does he send to stop the Defiant laying mines at the wormhole, and how many stay on the station?",
    options: [
      {
        id: 'wings',
        label: 'Send attack wings after the Defiant',
        historical: true,
        param: { label: 'Attack wings (3 ships each)', min: 1, max: 40, step: 1, default: HISTORICAL_WINGS, unit: 'wings' },
      },
      { id: 'ignore', label: 'Ignore the Defiant: every ship on the station', historical: false },
    ],
  },
  {
    id: D.cover,
    title: 'Sisko: station weapons cover the Defiant?',
    prompt:
      "Sisko can turn part of the station's weapons on the attack wings chasing the Defiant, or keep every emitter on the ships bombarding the station.",
    options: [
      { id: 'cover', label: 'Station weapons target the wings chasing the Defiant', historical: true },
      { id: 'station-only', label: 'Keep all station weapons on the main fleet', historical: false },
    ],
  },
  {
    id: D.target,
    title: 'Dukat: where to concentrate fire?',
    prompt:
      "The station's shields are holding. Dukat knows the station from his years in command: does he pour all fire into section 17 of the outer docking ring, or keep bombarding the whole station?",
    options: [
      { id: 'section-17', label: 'All firepower into section 17, outer docking ring', historical: true },
      { id: 'broad', label: 'Broad bombardment of the whole station', historical: false },
    ],
  },
  {
    id: D.evacuate,
    title: 'Sisko: evacuate or hold the station?',
    prompt:
      "The station's shields are down. Does Sisko evacuate Starfleet personnel aboard the Defiant and the Rotarran, or make a stand aboard Deep Space 9?",
    options: [
      { id: 'evacuate', label: 'Evacuate Starfleet personnel, leave the station to the Bajoran Militia', historical: true },
      { id: 'hold', label: 'Hold the station: Defiant and Rotarran join a last stand', historical: false },
    ],
  },
  {
    id: D.program197,
    title: 'Kira: run Program Sisko 197?',
    prompt: "Starfleet is gone. Does Kira run the program that wrecks the station's computer and power systems before the Dominion boards?",
    options: [
      { id: 'run', label: 'Run Program Sisko 197: leave a lifeless hulk', historical: true },
      { id: 'leave', label: 'Hand the station over intact', historical: false },
    ],
  },
];
