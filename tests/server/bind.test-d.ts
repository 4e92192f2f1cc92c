import { expectTypeOf } from 'vitest';
import { type AckResult, type BindDeps, bind } from '../../server/socket/bind.js';
import type { AppSocket } from '../../server/types.js';
import type { BranchInfo, Member, RoomState } from '../../shared/protocol/events.js';
import type { BranchManifest } from '../../shared/battle/segments.js';
import { JoinSchema, PingSchema } from '../../shared/protocol/schemas.js';

// Pins the typed bind (issue #10 item 3): a handler's result is checked against its event's ack type, and the
// schema must be the event's entry in clientEventSchemas. Checked by `tsc --noEmit -p .`; never executed.

expectTypeOf<AckResult<'clock:ping'>>().toEqualTypeOf<{ clientTime: number; serverTime: number }>();
expectTypeOf<AckResult<'branch:fork'>>().toEqualTypeOf<{ branch: BranchInfo; manifest?: BranchManifest }>();
expectTypeOf<AckResult<'room:join'>>().toEqualTypeOf<{ room: RoomState; you: Member }>();

export function typeChecks(socket: AppSocket, deps: BindDeps): void {
  bind(socket, deps, 'clock:ping', PingSchema, async (p) => ({ clientTime: p.clientTime, serverTime: 0 }));
  // @ts-expect-error the result must be the event's ack type
  bind(socket, deps, 'clock:ping', PingSchema, async () => ({ clientTime: 1 }));
  // @ts-expect-error the schema must be the event's registered schema
  bind(socket, deps, 'clock:ping', JoinSchema, async () => ({ clientTime: 1, serverTime: 0 }));
  // @ts-expect-error only events of ClientToServerEvents can be bound
  bind(socket, deps, 'room:nuke', PingSchema, async () => ({}));
}
