// Closing a connection while the client is still uploading makes the kernel answer the unread
// bytes with a TCP reset, and the client then loses the response it has not read yet (a 413 turns
// into "socket hang up"). So the answer goes out with Connection: close, the rest of the upload is
// read and discarded, and the socket closes once the client has finished (or LINGER_MS passed) —
// Apache's "lingering close".
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Context } from 'hono';

const LINGER_MS = 5000;

/** Prepares the request's connection to close after its answer without cutting the client off. */
export function closeAfterAnswer(c: Context): Record<string, string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const socket = incoming?.socket as (Socket & { destroySoon?: () => void }) | undefined;
  if (incoming && socket && !socket.destroyed) {
    // Discard the rest of the body as it arrives (what Node does for an unread body).
    incoming.removeAllListeners('data');
    incoming.resume();
    // Node ends a Connection: close response with socket.destroySoon(): half-close instead, keep
    // reading (into the discarded body) until the client closes its side or the linger ends.
    socket.destroySoon = function lingeringClose(this: Socket) {
      this.end();
      const timer = setTimeout(() => this.destroy(), LINGER_MS);
      timer.unref();
      this.once('close', () => clearTimeout(timer));
    };
  }
  return { Connection: 'close' };
}
