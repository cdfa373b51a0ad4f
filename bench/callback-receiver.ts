// A callback receiver process on 127.0.0.1: answers every POST 204 at once and counts arrivals,
// so the parent can compute deliveries per second. Signatures are not verified here: the bench
// measures the sender, and verifying would make the receiver the bottleneck on 2 cores.
import { createServer } from 'node:http';
import { sendToParent } from './support/child-ipc.ts';

let count = 0;
let first = 0;
let last = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const now = Date.now();
    if (count === 0) first = now;
    last = now;
    count++;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  sendToParent({ type: 'ready', url: `http://127.0.0.1:${port}/hook` });
});
process.on('message', (message: { type?: string }) => {
  if (message.type === 'report') sendToParent({ type: 'report', count, first, last });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
