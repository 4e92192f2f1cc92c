// A deep copy of data that is already plain JSON (what JSON.parse returns: objects, arrays, strings, finite
// numbers, booleans, null; no -0, undefined or NaN). On such data it builds exactly what
// JSON.parse(JSON.stringify(v)) would, key order included, without the text in between: a fork resumes its
// parent's checkpoint (a 20,000-unit world) with it. Data that is not yet plain JSON must go through JSON once
// (the checkpoint is made that way), since JSON is what normalises it.

export function cloneJson<T>(v: T): T {
  return copy(v) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = copy(v[i]);
    return out;
  }
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in src) out[k] = copy(src[k]);
  return out;
}

/** Thrown inside cloneJsonInSlices when `pause` says to give up. */
class GiveUp extends Error {}

/**
 * cloneJson a slice at a time, for copies made in idle time that a request must be able to overtake: after every
 * `every` elements copied out of a large container (more than `every` entries, searched to depth 3), `pause` is
 * awaited; it resolves false to give the copy up (the result is then null). Same result as cloneJson.
 */
export async function cloneJsonInSlices<T>(v: T, pause: () => Promise<boolean>, every = 1000): Promise<T | null> {
  let n = 0;
  // Awaited only every `every` elements: the elements between stay synchronous (no promise per element).
  const due = () => ++n % every === 0;
  const tick = async () => {
    if (!(await pause())) throw new GiveUp();
  };
  const slice = async (x: unknown, depth: number): Promise<unknown> => {
    if (typeof x !== 'object' || x === null || depth > 3) return copy(x);
    if (Array.isArray(x)) {
      if (x.length <= every) return copy(x);
      const out = new Array<unknown>(x.length);
      for (let i = 0; i < x.length; i++) {
        out[i] = copy(x[i]);
        if (due()) await tick();
      }
      return out;
    }
    const src = x as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let keys = 0;
    for (const _ in src) if (++keys > every) break;
    if (keys > every) {
      for (const k in src) {
        out[k] = copy(src[k]);
        if (due()) await tick();
      }
      return out;
    }
    for (const k in src) out[k] = await slice(src[k], depth + 1);
    return out;
  };
  try {
    return (await slice(v, 0)) as T;
  } catch (err) {
    if (err instanceof GiveUp) return null;
    throw err;
  }
}

/**
 * Make `v` in place what JSON.parse(JSON.stringify(v)) would build, where that is only turning -0 into 0 (JSON
 * writes -0 as 0): returns true when done, false (having changed only -0s) when `v` holds what that cannot make
 * plain: undefined, NaN or an infinity, a function, a symbol or bigint, an array hole, an object whose prototype is
 * not Object.prototype, or an own enumerable `toJSON`. Then only the JSON copy is the JSON state. A run at a
 * checkpoint carries on from its world this way instead of from the checkpoint's text parsed (~110-180 ms at
 * 22,401 units, against ~30-40 ms for this walk).
 *
 * Not looked at, for speed: objects reached twice (JSON makes them separate copies; a simulation world never
 * shares one: createWorld and the orders copy; tests/engine/determinism.test.ts resumes each battle's decision points
 * from the checkpoint's text and must reproduce the run that carried on), getters, non-enumerable and symbol
 * keys (the world's own non-enumerable toJSON, which returns its own keys, is one).
 */
export function plainJsonInPlace(v: unknown): boolean {
  // A -0 on its own cannot be changed in place.
  if (typeof v !== 'object' || v === null) return plainScalar(v) && !Object.is(v, -0);
  return plainIn(v);
}

function plainScalar(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object':
      return v === null;
    default:
      return false;
  }
}

function plainIn(v: object): boolean {
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype || Object.hasOwn(v, 'toJSON')) return false;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'number') {
        if (x === 0) {
          if (1 / x < 0) v[i] = 0;
        } else if (!Number.isFinite(x)) return false;
      } else if (typeof x === 'object' && x !== null) {
        if (!plainIn(x)) return false;
      } else if (!(i in v) || !plainScalar(x)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'number') {
      if (x === 0) {
        if (1 / x < 0) o[k] = 0;
      } else if (!Number.isFinite(x)) return false;
    } else if (typeof x === 'object' && x !== null) {
      if (k === 'toJSON' || !plainIn(x)) return false;
    } else if (k === 'toJSON' || !plainScalar(x)) return false;
  }
  return true;
}
