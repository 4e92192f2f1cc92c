import { describe, expectTypeOf, it } from 'vitest';
import type { BranchManifest, PartPayload, SegmentPayload } from '../../shared/battle/segments.js';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import type { Ack, Annotation, BranchInfo, BranchTree, JoinResult, RoomState } from '../../shared/protocol/events.js';
import type { HttpRoutes } from '../../shared/protocol/http.js';
import type { AckOf, PayloadOf } from '../../client/lib/calls.js';
import type { RoomClient } from '../../client/lib/roomClient.js';
import type { Api } from '../../client/src/api.js';

// The typed wire, pinned: every socket call resolves to the ack type the event map declares, every
// HTTP call to the body the shared HTTP contract declares. A change to one end fails here.

describe('socket calls', () => {
  it('derive payloads and acks from the event map', () => {
    expectTypeOf<AckOf<'room:join'>>().toEqualTypeOf<Ack<JoinResult>>();
    expectTypeOf<AckOf<'clock:ping'>>().toEqualTypeOf<Ack<{ clientTime: number; serverTime: number }>>();
    expectTypeOf<PayloadOf<'playback:seek'>>().toEqualTypeOf<{ positionMs: number }>();
  });

  it('RoomClient commands resolve to their acks', () => {
    expectTypeOf<RoomClient['pause']>().returns.toEqualTypeOf<Promise<Ack<{ clock: PlaybackClock }>>>();
    expectTypeOf<RoomClient['seek']>().returns.toEqualTypeOf<Promise<Ack<{ clock: PlaybackClock }>>>();
    expectTypeOf<RoomClient['addAnnotation']>().returns.toEqualTypeOf<Promise<Ack<{ annotation: Annotation }>>>();
    expectTypeOf<RoomClient['fork']>().returns.toEqualTypeOf<Promise<Ack<{ branch: BranchInfo; manifest?: BranchManifest }>>>();
    expectTypeOf<RoomClient['switchBranch']>().returns.toEqualTypeOf<Promise<Ack<{ branchId: string; clock: PlaybackClock }>>>();
    expectTypeOf<RoomClient['join']>().returns.toEqualTypeOf<Promise<Ack<JoinResult>>>();
  });

  it('call checks the payload against the event', () => {
    const c = {} as RoomClient;
    expectTypeOf(c.call('playback:rate', { rate: 2 })).toEqualTypeOf<Promise<Ack<{ clock: PlaybackClock }>>>();
    // @ts-expect-error a seek needs positionMs
    void c.call('playback:seek', { rate: 2 });
    // @ts-expect-error no such event
    void c.call('playback:rewind', {});
  });
});

describe('HTTP calls', () => {
  it('return the bodies of the shared HTTP contract', () => {
    expectTypeOf<Api['getManifest']>().returns.toEqualTypeOf<
      Promise<HttpRoutes['GET /api/battles/:battleId/branches/:branchId/manifest']>
    >();
    expectTypeOf<HttpRoutes['GET /api/battles/:battleId/branches/:branchId/manifest']>().toEqualTypeOf<BranchManifest>();
    expectTypeOf<Api['getSegment']>().returns.toEqualTypeOf<Promise<SegmentPayload>>();
    expectTypeOf<Api['getPart']>().returns.toEqualTypeOf<Promise<PartPayload>>();
    expectTypeOf<Api['getRoom']>().returns.toEqualTypeOf<Promise<RoomState>>();
    expectTypeOf<Api['getBranchTree']>().returns.toEqualTypeOf<Promise<BranchTree>>();
    expectTypeOf<Api['getBattle']>().returns.toEqualTypeOf<Promise<HttpRoutes['GET /api/battles/:battleId']>>();
    expectTypeOf<Api['createRoom']>().returns.toEqualTypeOf<Promise<HttpRoutes['POST /api/rooms']>>();
    expectTypeOf<Api['listBattles']>().returns.toEqualTypeOf<Promise<HttpRoutes['GET /api/battles']['battles']>>();
  });
});
