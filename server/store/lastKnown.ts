import { AppError } from '../errors.js';
import type { Store } from './types.js';

// The playback loop's view of the store during a Redis outage: the reads it makes every tick (playhead,
// room, annotations for stop points) answer with the last value this process read while the store is
// UNAVAILABLE, so every process keeps streaming its rooms from the clock it holds. Commands never go
// through this view: they still ack UNAVAILABLE. Once clock changes arrive by pub/sub instead of polling
// (issue #12 item 1), the loop reads rarely and this only covers its reconciliation reads.

const HELD = new Set<string | symbol>(['getPlayhead', 'getRoom', 'listAnnotations']);
const MAX_ENTRIES = 20_000;

export function holdLastKnown(store: Store): Store {
  const last = new Map<string, unknown>();
  const remember = (key: string, value: unknown) => {
    last.delete(key);
    last.set(key, value);
    if (last.size > MAX_ENTRIES) last.delete(last.keys().next().value as string);
  };
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!HELD.has(prop)) return method.bind(target);
      return async (...args: unknown[]) => {
        const key = `${String(prop)}\0${JSON.stringify(args)}`;
        try {
          const v = await method.apply(target, args);
          remember(key, v);
          return v;
        } catch (err) {
          if (err instanceof AppError && err.code === 'UNAVAILABLE' && last.has(key)) return structuredClone(last.get(key));
          throw err;
        }
      };
    },
  });
}
