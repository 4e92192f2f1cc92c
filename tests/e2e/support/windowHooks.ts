import type { WardroomHooks } from '../../../client/src/room/testHooks.js';
import type { AnnotationHooks } from '../../../client/src/room/annotations/index.js';
import type { BranchesHooks } from '../../../client/src/room/branches/mountBranches.js';
import type { CompareHooks } from '../../../client/src/compare/branchOverlay.js';

// The browser app's test hooks (window.__wardroom*), as the client modules that install them declare them.
// Tests are their own TypeScript project (tsconfig references), so the client's globals are restated here.
declare global {
  interface Window {
    __wardroom?: WardroomHooks;
    __wardroomAnnotations?: AnnotationHooks;
    __wardroomBranches?: BranchesHooks;
    __wardroomCompare?: CompareHooks;
  }
}
