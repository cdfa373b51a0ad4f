// RFC 7240 `Prefer: wait=N`: how long the client is willing to wait for a final answer.
export const MAX_WAIT_SECONDS = 60;

/** The honoured wait in whole seconds (capped at 60), or undefined when none was asked for. */
export function parsePreferWait(header: string | undefined): number | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /^\s*wait\s*=\s*"?(\d{1,9})"?\s*(?:;.*)?$/i.exec(part);
    if (match) return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
  }
  return undefined;
}
