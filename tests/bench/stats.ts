export interface Row {
  bench: string;
  battle: string;
  value: number;
  unit: string;
  note: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function printRows(rows: Row[]): void {
  const w = (k: keyof Row) => Math.max(...rows.map((r) => String(k === 'value' ? r.value.toFixed(2) : r[k]).length), String(k).length);
  const cols: (keyof Row)[] = ['bench', 'battle', 'value', 'unit', 'note'];
  const line = (r: Record<string, string>) => cols.map((c) => r[c].padEnd(c === 'note' ? 0 : w(c))).join('  ');
  console.log(line({ bench: 'bench', battle: 'battle', value: 'value', unit: 'unit', note: 'note' }));
  for (const r of rows) console.log(line({ bench: r.bench, battle: r.battle, value: r.value.toFixed(2), unit: r.unit, note: r.note }));
}
