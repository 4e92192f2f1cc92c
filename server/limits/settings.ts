// Abuse limits: each one an env setting (server/config.ts) and a documented error code (docs/protocol.md "Limits").
// Per-address budgets are generous because a classroom often shares one NAT address.

export interface LimitSettings {
  /** POST /api/rooms per client address per minute (all processes, with Redis). */
  roomsPerMin: number;
  /** New socket connections per client address per minute (all processes, with Redis). */
  connectionsPerMin: number;
  /** `room:join` commands per client address per minute (all processes, with Redis). */
  joinsPerMin: number;
  /** Members a room holds (a re-join of an existing member always passes). */
  roomMembers: number;
  /** Annotations a room holds, all branches together. */
  roomAnnotations: number;
  /** What-if branches a room records. */
  roomBranches: number;
  /** Commands one socket may send per second. */
  socketEventsPerS: number;
  /** A socket refused for this long without a pause is disconnected. */
  floodDisconnectMs: number;
  /** A socket refused more often than this within one second is disconnected at once. */
  floodBurst: number;
  /** After a flood cut-off, new sockets from the same address are refused for this long (0: never). */
  floodCooldownMs: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  roomsPerMin: 30,
  connectionsPerMin: 600,
  joinsPerMin: 600,
  roomMembers: 500,
  roomAnnotations: 2000,
  roomBranches: 100,
  socketEventsPerS: 60,
  floodDisconnectMs: 3000,
  floodBurst: 180,
  // Off by default: one address is often a whole classroom behind a NAT or proxy, and a cool-down refuses them all
  // (the cluster bench's viewers, all on 127.0.0.1, churned: 0.35 -> 18 Redis commands per room per second).
  floodCooldownMs: 0,
};
