import { z } from 'zod';
import { MAX_RATE, MIN_RATE } from '../clock/playback.js';

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
export const PhaseSchema = z.union([
  z.object({ phaseId: id }),
  z.object({ step: z.union([z.literal(1), z.literal(-1)]) }),
]);

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
  id: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/),
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
  annotations: z
    .array(AnnotationAddSchema.extend({ branchId: id.optional(), author: z.string().max(40).optional() }))
    .max(500),
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
