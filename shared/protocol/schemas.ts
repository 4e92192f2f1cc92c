import { z } from 'zod';
import { MAX_RATE, MIN_RATE } from '../clock/playback.js';
import type { ClientToServerEvents } from './events.js';

// zod schemas for every client-to-server payload. The server parses with these at the edge;
// the inferred types are the payload types of the socket.io event map.

const id = z.string().min(1).max(128);
const point = z.object({ x: z.number().finite(), y: z.number().finite() });

export const ROLES = ['instructor', 'player', 'viewer'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const JoinSchema = z.object({
  roomId: id,
  name: z.string().trim().min(1).max(40),
  role: RoleSchema.optional(),
  instructorKey: z.string().max(200).optional(),
  /** Stable per-browser id so a reconnect reclaims the same member slot. */
  clientId: z.string().min(1).max(64).optional(),
  /** 'socket' (default): keyframes and event batches over the socket. 'segments': clock and control only; timeline data over HTTP. */
  delivery: z.enum(['segments', 'socket']).optional(),
});

export const EmptySchema = z.object({}).strict().optional();
export const SeekSchema = z.object({ positionMs: z.number().finite().min(0) });
export const RateSchema = z.object({ rate: z.number().finite().min(MIN_RATE).max(MAX_RATE) });
export const PhaseSchema = z.union([z.object({ phaseId: id }), z.object({ step: z.union([z.literal(1), z.literal(-1)]) })]);

export const RoomSettingsSchema = z
  .object({
    /** Everyone may control playback. */
    openControl: z.boolean(),
    /** Players may add their own annotations. */
    playersAnnotate: z.boolean(),
    /** Step mode: playback pauses at the end of every phase. */
    stepMode: z.boolean(),
  })
  .partial();

export const AnnotationAddSchema = z.object({
  /** Client-chosen stable id: a retried add with the same id is stored once. */
  id: z
    .string()
    .min(8)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
  positionMs: z.number().finite().min(0),
  text: z.string().trim().min(1).max(2000),
  phaseId: id.optional(),
  /** A pin on the map ... */
  at: point.optional(),
  /** ... or an arrow from `at` to `to`. */
  to: point.optional(),
  /** Auto-pause the room when playback reaches this annotation. */
  stop: z.boolean().optional(),
});

export const AnnotationEditSchema = z.object({
  id: z.string().min(1).max(64),
  text: z.string().trim().min(1).max(2000).optional(),
  positionMs: z.number().finite().min(0).optional(),
  phaseId: id.nullable().optional(),
  at: point.nullable().optional(),
  to: point.nullable().optional(),
  stop: z.boolean().optional(),
});

export const AnnotationDeleteSchema = z.object({ id: z.string().min(1).max(64) });

export const AnnotationImportSchema = z.object({
  annotations: z.array(AnnotationAddSchema.extend({ branchId: id.optional(), author: z.string().max(40).optional() })).max(500),
});

export const DecisionChoiceSchema = z.object({
  decisionId: id,
  optionId: id,
  value: z.number().finite().optional(),
});

export const BranchForkSchema = DecisionChoiceSchema;
export const BranchSwitchSchema = z.object({ branchId: id });
export const PingSchema = z.object({ clientTime: z.number().finite() });

export const CreateRoomSchema = z.object({
  battleId: id,
  branchId: id.optional(),
  settings: RoomSettingsSchema.optional(),
});

export type JoinPayload = z.infer<typeof JoinSchema>;
export type Delivery = NonNullable<JoinPayload['delivery']>;
export type SeekPayload = z.infer<typeof SeekSchema>;
export type RatePayload = z.infer<typeof RateSchema>;
export type PhasePayload = z.infer<typeof PhaseSchema>;
export type RoomSettings = Required<z.infer<typeof RoomSettingsSchema>>;
export type RoomSettingsPatch = z.infer<typeof RoomSettingsSchema>;
export type AnnotationAddPayload = z.infer<typeof AnnotationAddSchema>;
export type AnnotationEditPayload = z.infer<typeof AnnotationEditSchema>;
export type AnnotationDeletePayload = z.infer<typeof AnnotationDeleteSchema>;
export type AnnotationImportPayload = z.infer<typeof AnnotationImportSchema>;
export type BranchForkPayload = z.infer<typeof BranchForkSchema>;
export type BranchSwitchPayload = z.infer<typeof BranchSwitchSchema>;
export type PingPayload = z.infer<typeof PingSchema>;
export type CreateRoomBody = z.infer<typeof CreateRoomSchema>;

// ---- Together (issue #11 items 1, 2): follow-the-instructor camera, room chat and timed reactions ----
// Listed in TOGETHER_CLIENT_SCHEMAS (client event -> schema) so a registry (fuzzing, bind) can pick them up.

/** A map view: world centre, zoom relative to "whole map fits" (1), selected unit, open side-panel tab. */
export const CameraViewSchema = z.object({
  x: z.number().finite(),
  y: z.number().finite(),
  zoom: z.number().finite().positive().max(10_000),
  unitId: id.optional(),
  tab: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[a-z0-9-]+$/)
    .optional(),
});
export const CameraPresentSchema = z.object({ on: z.boolean() });
export const CameraUpdateSchema = CameraViewSchema;

export const CHAT_MAX_CHARS = 500;
export const CHAT_KEEP = 200;
export const REACTION_SYMBOLS = ['applause', 'alarm', 'question', 'fire', 'eyes'] as const;
export const ReactionSymbolSchema = z.enum(REACTION_SYMBOLS);
const clientMsgId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/** `id` is client-chosen: a retried send with the same id is stored and broadcast once. */
export const ChatSendSchema = z.object({ id: clientMsgId, text: z.string().trim().min(1).max(CHAT_MAX_CHARS) });
/** A reaction pinned to the playback moment `positionMs` of the room's current branch; `id` dedupes retries. */
export const ChatReactSchema = z.object({ id: clientMsgId, symbol: ReactionSymbolSchema, positionMs: z.number().finite().min(0) });
export const ChatMuteSchema = z.object({ memberId: id, muted: z.boolean() });
export const ChatClearSchema = EmptySchema;
export const ChatHistoryQuerySchema = z.object({ branch: id.optional() });

export const TOGETHER_CLIENT_SCHEMAS = {
  'camera:present': CameraPresentSchema,
  'camera:update': CameraUpdateSchema,
  'chat:send': ChatSendSchema,
  'chat:react': ChatReactSchema,
  'chat:mute': ChatMuteSchema,
  'chat:clear': ChatClearSchema,
} as const;

export type CameraView = z.infer<typeof CameraViewSchema>;
export type CameraPresentPayload = z.infer<typeof CameraPresentSchema>;
export type CameraUpdatePayload = z.infer<typeof CameraUpdateSchema>;
export type ReactionSymbol = z.infer<typeof ReactionSymbolSchema>;
export type ChatSendPayload = z.infer<typeof ChatSendSchema>;
export type ChatReactPayload = z.infer<typeof ChatReactSchema>;
export type ChatMutePayload = z.infer<typeof ChatMuteSchema>;

// ---- group votes on a what-if (issue #11 item 3) ------------------------------------------------

export const VoteOpenSchema = z.object({ decisionId: id });
export const VoteCastSchema = z.object({ voteId: id, optionId: id, value: z.number().finite().optional() });
/** `optionId`/`value`: the instructor's pick, needed only when the vote ends in a tie (or has no ballots). */
export const VoteCloseSchema = z.object({
  voteId: id,
  switch: z.boolean().optional(),
  optionId: id.optional(),
  value: z.number().finite().optional(),
});
/** Ask for the room's votes as this member sees them (tallies + yourChoice), e.g. after a reconnect. */
export const VoteSyncSchema = EmptySchema;

export type VoteOpenPayload = z.infer<typeof VoteOpenSchema>;
export type VoteCastPayload = z.infer<typeof VoteCastSchema>;
export type VoteClosePayload = z.infer<typeof VoteCloseSchema>;

// ---- what-if statistics (issue #11 item 4) ------------------------------------------------------

/** Server-side cap on `study:run {runs}`. */
export const MAX_STUDY_RUNS = 50;
/** More than MAX_STUDY_RUNS is accepted and capped (the ack says how many run). */
export const StudyRunSchema = z.object({ runs: z.number().int().min(1).max(100_000) });
export const StudyCancelSchema = z.object({ studyId: id });
/** Ask for the room's study results and the studies still running. */
export const StudySyncSchema = EmptySchema;

export type StudyRunPayload = z.infer<typeof StudyRunSchema>;
export type StudyCancelPayload = z.infer<typeof StudyCancelSchema>;

/** Client event -> payload schema for votes and statistics (for the fuzzing registry). */
export const VOTE_STUDY_SCHEMAS = {
  'vote:open': VoteOpenSchema,
  'vote:cast': VoteCastSchema,
  'vote:close': VoteCloseSchema,
  'vote:sync': VoteSyncSchema,
  'study:run': StudyRunSchema,
  'study:cancel': StudyCancelSchema,
  'study:sync': StudySyncSchema,
} as const;

/**
 * Every client-to-server event and its payload schema, in one registry: the server binds each handler with
 * its entry (server/socket/bind.ts) and the fuzz tests generate hostile payloads for every entry
 * (tests/fuzz). The `satisfies` makes an event in `ClientToServerEvents` without a schema a type error.
 */
export const clientEventSchemas = {
  'room:join': JoinSchema,
  'room:settings': RoomSettingsSchema,
  'playback:play': EmptySchema,
  'playback:pause': EmptySchema,
  'playback:seek': SeekSchema,
  'playback:rate': RateSchema,
  'playback:phase': PhaseSchema,
  'annotation:add': AnnotationAddSchema,
  'annotation:edit': AnnotationEditSchema,
  'annotation:delete': AnnotationDeleteSchema,
  'annotation:import': AnnotationImportSchema,
  'branch:fork': BranchForkSchema,
  'branch:switch': BranchSwitchSchema,
  'clock:ping': PingSchema,
  ...TOGETHER_CLIENT_SCHEMAS,
  ...VOTE_STUDY_SCHEMAS,
} as const satisfies { [E in keyof ClientToServerEvents]: z.ZodType };

export type ClientEventName = keyof typeof clientEventSchemas;
