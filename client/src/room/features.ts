import { mountAnnotations } from './annotations/index.js';
import { mountBranches } from './branches/mountBranches.js';
import { mountCamera } from './camera/index.js';
import { mountChat } from './chat/index.js';
import { mountMoments } from './moments/index.js';
import type { RoomContext } from './roomView.js';

// Room features built by other modules (annotations, branches, compare view...). Each gets the
// room context once the page is mounted:
//   - ctx.side.slot('annotations' | 'branches'): its tab in the side panel (replace the placeholder),
//   - ctx.timeline.annotationLayer + ctx.timeline.leftPercent(ms): markers on the scrubber,
//   - ctx.tactical.camera (world <-> screen) and ctx.tactical.canvas for map overlays,
//   - ctx.client: the shared RoomClient (annotations, branches, settings), ctx.client.subscribe(...).
// Add a feature by importing its mount function here and listing it.

export type RoomFeature = (ctx: RoomContext) => void;

export const roomFeatures: RoomFeature[] = [mountAnnotations, mountBranches, mountChat, mountCamera, mountMoments];
