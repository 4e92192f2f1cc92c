import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

// page.ts (the real unit layer plus a synthetic world) built as an ES module with its worker
// (client/src/room/tactical/unitStampWorker.ts) as a separate file, served over HTTP from a temp
// directory: a worker needs a real origin, as in the room.

export interface FramePageServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

export async function serveFramePage(): Promise<FramePageServer> {
  const out = mkdtempSync(join(tmpdir(), 'wardroom-frames-'));
  const entry = fileURLToPath(new URL('./page.ts', import.meta.url));
  await build({
    configFile: false,
    logLevel: 'warn',
    base: './',
    build: {
      outDir: out,
      emptyOutDir: true,
      minify: true,
      target: 'es2022',
      rollupOptions: { input: entry, output: { entryFileNames: 'page.js', format: 'es' } },
    },
  });
  writeFileSync(
    join(out, 'index.html'),
    '<!doctype html><html><body style="margin:0;background:#000"><script type="module" src="./page.js"></script></body></html>',
  );
  const server: Server = createServer((req, res) => {
    const p = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, '');
    const file = join(out, p === '/' ? 'index.html' : p);
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(out, { recursive: true, force: true });
    },
  };
}
