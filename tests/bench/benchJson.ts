import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from './stats.js';

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'benchmarks.json');

/** Record a bench's rows in docs/benchmarks.json under `key` (a quick run under its own key, so it never replaces a full one). */
export function writeBenchJson(key: string, command: string, rows: Row[], extra: Record<string, unknown> = {}): void {
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // first writer
  }
  doc[key] = { measuredAt: new Date().toISOString(), command, ...extra, rows };
  writeFileSync(FILE, `${JSON.stringify(doc, null, 2)}\n`);
}
