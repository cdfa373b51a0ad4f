// The child side of the bench's IPC: receive arguments, send results, and die with the parent
// (a bench killed mid-run must not leave load generators or servers behind).

process.on('disconnect', () => process.exit(1));

export function receiveArgs<T>(): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; args?: T }) => {
      if (message.type !== 'args') return;
      process.off('message', onMessage);
      resolve(message.args as T);
    };
    process.on('message', onMessage);
  });
}

export function sendToParent(message: Record<string, unknown>): void {
  process.send?.(message);
}

export function sendResult(result: unknown): void {
  process.send?.({ type: 'result', result }, () => process.exit(0));
}
