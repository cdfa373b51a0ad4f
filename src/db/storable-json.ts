// What PostgreSQL's jsonb cannot store: strings (values or keys) holding U+0000 or an unpaired
// surrogate. Checked before such a value reaches the database, where it would fail a statement
// (and with it every other write batched into that statement's transaction).

/** JSON Pointer of the first string (value or key) that jsonb refuses, if any. */
export function findUnstorableString(value: unknown, pointer = ''): string | undefined {
  const bad = (s: string) => s.includes('\u0000') || !s.isWellFormed();
  if (typeof value === 'string') return bad(value) ? pointer : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableString(value[i], `${pointer}/${i}`);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (bad(key)) return at;
      const found = findUnstorableString(v, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
