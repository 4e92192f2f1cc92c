import fc from 'fast-check';
import { z } from 'zod';

// Hostile values for fuzzing, derived from a zod schema only (no per-event code), so every event registered
// in clientEventSchemas is fuzzed the moment it is registered.

/** Every property name anywhere in the schema (objects, unions, arrays, optionals), via its JSON Schema. */
export function keysOf(schema: z.ZodType): string[] {
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === 'object') {
      for (const [k, v] of Object.entries(n.properties)) {
        keys.add(k);
        walk(v);
      }
    }
    for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) if (Array.isArray(n[k])) (n[k] as unknown[]).forEach(walk);
    walk(n.items);
    walk(n.additionalProperties);
  };
  walk(z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }));
  return [...keys];
}

const deep = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

/** JSON-parsed, so `__proto__` is an own key, as it is when socket.io decodes a packet. */
const protoKeys = (keys: string[]) =>
  fc.constantFrom(
    JSON.parse('{"__proto__":{"polluted":true,"isAdmin":true}}') as object,
    JSON.parse('{"constructor":{"prototype":{"polluted":true}}}') as object,
    ...keys.map((k) => JSON.parse(`{"${k}":1,"__proto__":{"${k}":"x","polluted":true}}`) as object),
    ...keys.map((k) => JSON.parse(`{"${k}":{"__proto__":{"polluted":true}},"constructor":{"name":"x"}}`) as object),
  );

/** One hostile leaf value. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    Number.MAX_VALUE,
    -Number.MAX_SAFE_INTEGER,
    2 ** 53,
    1e308,
    null,
    true,
    false,
    '',
    ' ',
    '\u0000',
  ),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '%00',
    '\u202e',
    '🛸'.repeat(50),
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 80 }),
  fc.string({ minLength: 3000, maxLength: 3000 }),
  fc.nat({ max: 5 }).map((i) => 'x'.repeat(10 ** i)), // up to 100 kB (past maxHttpBufferSize: its own test)
  fc.constantFrom(deep(64, 1), deep(500, 'x'), deep(1500, null)),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 20 }),
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)), // binary attachment
  fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true, withBoxedValues: true, withDate: true }),
);

/** A payload for an event whose schema is `schema`: shaped like it, or not at all. */
export function hostilePayload(schema: z.ZodType): fc.Arbitrary<unknown> {
  const keys = keysOf(schema);
  const shaped =
    keys.length > 0
      ? fc.dictionary(fc.constantFrom(...keys, '__proto__', 'constructor', 'extra'), hostileValue, { maxKeys: keys.length + 2 })
      : fc.dictionary(fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 4 });
  const oneWrong = keys.length > 0 ? fc.record({ k: fc.constantFrom(...keys), v: hostileValue }).map(({ k, v }) => ({ [k]: v })) : shaped;
  return fc.oneof(
    { arbitrary: shaped, weight: 4 },
    { arbitrary: oneWrong, weight: 2 },
    { arbitrary: protoKeys(keys), weight: 1 },
    { arbitrary: hostileValue, weight: 3 },
  );
}

export type AckMode = 'function' | 'missing' | 'not-a-function';

/** Emit arguments: the payload (or none), maybe extra arguments, and an ack that may be missing or not a function. */
export function hostileArgs(schema: z.ZodType): fc.Arbitrary<{ args: unknown[]; ack: AckMode }> {
  return fc
    .record({
      payload: fc.option(hostilePayload(schema), { nil: undefined, freq: 8 }),
      extra: fc.array(hostileValue, { maxLength: 3 }),
      ack: fc.constantFrom<AckMode>('function', 'function', 'function', 'missing', 'not-a-function'),
      notFn: fc.constantFrom<unknown>(42, 'ack', { ok: true }, [], null),
    })
    .map(({ payload, extra, ack, notFn }) => {
      const args = payload === undefined ? [...extra] : [payload, ...extra];
      if (ack === 'not-a-function') args.push(notFn);
      return { args, ack };
    });
}
