import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from './stats.js';

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'benchmarks.json');

/**
 * Record a bench's figures in docs/benchmarks.json under `key` (a quick run under its own key, so it never
 * replaces a full one), stamped with the time and the command that measured them; the other keys stay.
 */
export function writeBenchSection(key: string, command: string, figures: Record<string, unknown>): void {
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // first writer
  }
  doc[key] = { measuredAt: new Date().toISOString(), command, ...figures };
  writeFileSync(FILE, `${JSON.stringify(doc, null, 2)}\n`);
}

/** A bench's rows (writeBenchSection), after any other figures. */
export function writeBenchJson(key: string, command: string, rows: Row[], extra: Record<string, unknown> = {}): void {
  writeBenchSection(key, command, { ...extra, rows });
}
