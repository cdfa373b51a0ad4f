// A local callback receiver for trying callbacks (README: "Try callbacks locally"). It verifies
// each delivery's Standard Webhooks signature over the raw body and answers 204, or 400 if forged.
//   WEBHOOK_SECRET=whsec_… node examples/callback-receiver.mjs   (RECEIVER_PORT defaults to 4000)
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('Set WEBHOOK_SECRET to your secret from GET /v1/webhook-secret.');
  process.exit(1);
}
const webhook = new Webhook(secret);
const port = Number(process.env.RECEIVER_PORT ?? 4000);
const seen = new Set(); // deliveries are at least once: dedupe on webhook-id

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const event = webhook.verify(body, req.headers);
      const id = req.headers['webhook-id'];
      console.log(`${seen.has(id) ? 'again' : 'verified'} ${id}: ${event.type} job ${event.data.id}`);
      seen.add(id);
      res.writeHead(204).end();
    } catch (error) {
      console.log(`rejected: ${error.message}`);
      res.writeHead(400).end();
    }
  });
});
server.listen(port, '127.0.0.1', () => {
  console.log(`receiving callbacks on http://127.0.0.1:${server.address().port}/hooks`);
});
