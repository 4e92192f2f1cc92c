// The deterministic tactical simulation: a plain-JSON world, orders, a fixed step, facts.
export {
  createWorld,
  publicUnit,
  getUnit,
  unitIndex,
  groupUnits,
  isLiving,
  posAt,
  type SimWorld,
  type SimUnit,
  type SimField,
  type GroupOrder,
} from './world.js';
export { applyOrder } from './orders.js';
export { step } from './step.js';
export { computeFacts } from './facts.js';
export { cloneWorld, dropHot as dropWorldCache, rereadHot as rereadWorldCache, syncHot as syncWorld } from './hot.js';
