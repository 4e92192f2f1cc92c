import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';

/** Serve the built client (client/dist) when it exists, with SPA fallback for the app's routes. */
export function staticClient(distDir: string): express.Router | null {
  const index = path.join(distDir, 'index.html');
  if (!existsSync(index)) return null;
  const r = express.Router();
  r.use(express.static(distDir, { index: false, maxAge: '1h' }));
  r.get(['/', '/room/:roomId'], (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return r;
}
