// The authoring API: the one module a battle (replays/<battle>/) imports from the engine.
// Battles describe forces, fields, decisions and an XState machine; the engine simulates and compiles.
export type * from './types.js';
export { classStats } from './classes.js';
export { battleSetup, emits, tick, tickGuard, phase, order, caption, fact, objective, command, decided } from './kit.js';
export type { PhaseParams, ObjectiveParams, DecidedParams, Recorder } from './kit.js';
