import type { Ack, ClientToServerEvents } from '../../shared/protocol/events.js';

// The typed call surface of the socket contract: for each client -> server event, its payload and
// the ack it resolves to (derived from shared/protocol/events.ts, pinned by tests/client/wire.test-d.ts).

export type CallName = keyof ClientToServerEvents;
export type PayloadOf<E extends CallName> = Parameters<ClientToServerEvents[E]>[0];
export type AckOf<E extends CallName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

/** What a call resolves to when the server never answered. */
export const NO_ACK: Ack<never> = { ok: false, error: { code: 'INTERNAL', message: 'no acknowledgement from the server (timeout)' } };
