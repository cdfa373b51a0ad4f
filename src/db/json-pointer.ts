// The first place in a parsed JSON value whose key or string fails a check, as a JSON Pointer
// (RFC 6901). Shared by the body guard (`__proto__` keys) and the storable-JSON check (what
// jsonb refuses), which sit on both sides of the HTTP layer; so it lives below both.

export interface PointerCheck {
  /** True for an object key that is not accepted. */
  badKey?: (key: string) => boolean;
  /** True for a string value that is not accepted. */
  badString?: (value: string) => boolean;
}

/** RFC 6901 §3: `~` and `/` inside a reference token are written `~0` and `~1`. */
const token = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export function firstPointerWhere(value: unknown, check: PointerCheck, pointer = ''): string | undefined {
  if (typeof value === 'string') return check.badString?.(value) ? pointer : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstPointerWhere(value[i], check, `${pointer}/${i}`);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const at = `${pointer}/${token(key)}`;
      if (check.badKey?.(key)) return at;
      const found = firstPointerWhere(v, check, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
