// Strong ETags over the exact JSON a status answer sends, and RFC 9110 §13.1.2 If-None-Match
// (weak comparison, lists, "*"), so an unchanged job can be polled with a 304 and no body.
import { createHash } from 'node:crypto';

export function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}
