// One row per figure: our value, the baseline measured in the same run, their ratio, the target
// and whether it is met. Printed as a Markdown table so the README can hold it as printed.

export interface Figure {
  name: string;
  unit: string;
  /** A number, or why there is none ("n/a (route missing)"). */
  ours: number | string;
  baseline?: { name: string; value: number | string } | undefined;
  target?: { text: string; met: (ours: number, baseline: number | undefined) => boolean } | undefined;
}

const format = (value: number | string | undefined, unit = ''): string => {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
};

export function renderFigureTable(figures: readonly Figure[]): string {
  const rows = [
    '| Figure | Ours | Baseline (same run) | Ratio | Target | Met |',
    '|---|---:|---|---:|---|---|',
  ];
  for (const f of figures) {
    const ours = typeof f.ours === 'number' && Number.isFinite(f.ours) ? f.ours : undefined;
    const base = typeof f.baseline?.value === 'number' ? f.baseline.value : undefined;
    const ratio =
      ours !== undefined && base !== undefined && base !== 0 ? `${(ours / base).toFixed(2)}×` : '—';
    const met = f.target && ours !== undefined ? (f.target.met(ours, base) ? 'yes' : 'no') : '—';
    const baseline = f.baseline ? `${format(f.baseline.value, f.unit)} (${f.baseline.name})` : '—';
    rows.push(
      `| ${f.name} | ${format(f.ours, f.unit)} | ${baseline} | ${ratio} | ${f.target?.text ?? '—'} | ${met} |`,
    );
  }
  return rows.join('\n');
}
