import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** page.ts (the real unit layer plus a synthetic world) as one IIFE script for page.addScriptTag. */
export async function bundleFramePage(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'wardroom-frames-'));
  const entry = fileURLToPath(new URL('./page.ts', import.meta.url));
  try {
    await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        outDir: out,
        emptyOutDir: true,
        minify: true,
        lib: { entry, formats: ['iife'], name: 'frameBench', fileName: () => 'page.js' },
      },
    });
    return readFileSync(join(out, 'page.js'), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
