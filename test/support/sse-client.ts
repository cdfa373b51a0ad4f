// A small SSE reader for tests: parses text/event-stream frames (WHATWG HTML §9.2.6) from a
// fetch response so tests can assert event names, ids, data and comments exactly.
export interface SseFrame {
  event?: string;
  id?: string;
  data?: string;
  retry?: number;
  comment?: string;
}

export async function* readSseFrames(response: Response): AsyncGenerator<SseFrame> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const frame: SseFrame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') frame.event = value;
        else if (field === 'id') frame.id = value;
        else if (field === 'retry') frame.retry = Number(value);
        else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
      }
      yield frame;
      cut = buffer.indexOf('\n\n');
    }
  }
}

/** Reads every event frame (comments skipped) until the server closes the stream. */
export async function collectSseEvents(response: Response): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  for await (const frame of readSseFrames(response)) if (frame.event) frames.push(frame);
  return frames;
}
