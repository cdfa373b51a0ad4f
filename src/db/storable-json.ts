// What PostgreSQL's jsonb cannot store: strings (values or keys) holding U+0000 or an unpaired
// surrogate. Checked before such a value reaches the database, where it would fail a statement
// (and with it every other write batched into that statement's transaction).

import { firstPointerWhere } from './json-pointer.ts';

const unstorable = (s: string) => s.includes('\u0000') || !s.isWellFormed();

/** JSON Pointer of the first string (value or key) that jsonb refuses, if any. */
export function findUnstorableString(value: unknown): string | undefined {
  return firstPointerWhere(value, { badKey: unstorable, badString: unstorable });
}
