import type { BattleInfo } from '../../../shared/battle/timeline.js';
import type { SidePanel } from './panel/sidePanel.js';
import type { RoomHandle } from './roomHandle.js';
import type { TacticalView } from './tactical/tacticalView.js';
import type { TimelineBar } from './timeline/timelineBar.js';

// What feature modules (annotations, branches...) get to build on once the room page is mounted:
//   - ctx.room: the one handle on the live room (state, clock, world, commands, subscribe(...)),
//   - ctx.side.slot('annotations' | 'branches'): its tab in the side panel (replace the placeholder),
//   - ctx.timeline.annotationLayer + ctx.timeline.leftPercent(ms): markers on the scrubber,
//   - ctx.tactical.camera (world <-> screen) and ctx.tactical.canvas for map overlays.
// The room view imports no feature: main.ts passes the list in (client/src/room/features.ts).

export interface RoomContext {
  room: RoomHandle;
  tactical: TacticalView;
  timeline: TimelineBar;
  side: SidePanel;
  battle(): BattleInfo | null;
}

export type RoomFeature = (ctx: RoomContext) => void;
