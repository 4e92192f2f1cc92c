import { installFinerQuantities } from './forkloadVariant.js';

// The fork-load server's compile worker imports this as its `preload` (WorkerTimelineService): a worker runs only
// what it imports, so this module is the explicit call there (the server's main thread calls it itself).
installFinerQuantities();
