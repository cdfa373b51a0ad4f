// Input meant to break the service gets a readable 4xx: a NUL in a query filter, and a body over
// MAX_BODY_BYTES on a keep-alive connection (413 with Connection: close, read before the close).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

const MAX_BODY_BYTES = 4096;
let svc: TestService;
let owner: TestOwner;
beforeAll(async () => {
  svc = await startTestService({ MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  owner = await svc.newOwner();
});
afterAll(async () => {
  await svc?.stop();
});

/** Writes `head` then `bodyBytes` in 1 KiB chunks (as fast as the socket takes them); resolves
 * with everything read until the server closes, and whether writing hit an error. */
function sendRaw(head: string, bodyBytes: number): Promise<{ text: string; writeError: boolean }> {
  const { port } = new URL(svc.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    let writeError = false;
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('error', () => {
      writeError = true;
    });
    socket.on('close', () => resolve({ text, writeError }));
    socket.write(head);
    let sent = 0;
    const chunk = Buffer.alloc(1024, 'a');
    const pump = () => {
      while (sent < bodyBytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
    setTimeout(() => socket.destroy(), 15_000).unref();
  });
}

describe('hostile input', () => {
  it('answers 400 to a NUL or another control character in a list filter', async () => {
    for (const value of ['%00', 'demo%00.sleep', '%01', '%7F', '%1B[31m']) {
      const res = await owner.fetch(`/v1/jobs?type=${value}`);
      expect(res.status, value).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await res.json()).errors[0].pointer).toBe('/type');
    }
  });

  it('answers a keep-alive upload over MAX_BODY_BYTES with a readable 413 and Connection: close', async () => {
    const size = 1024 * 1024;
    const head = [
      'POST /v1/jobs HTTP/1.1',
      `Host: 127.0.0.1`,
      `Authorization: Bearer ${owner.key}`,
      'Content-Type: application/json',
      'Connection: keep-alive',
      `Content-Length: ${size}`,
      '',
      '',
    ].join('\r\n');
    const { text } = await sendRaw(head, size);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text).toContain('payload-too-large');
  });

  it('answers a chunked upload over MAX_BODY_BYTES with a readable 413 and Connection: close', async () => {
    const head = [
      'POST /v1/jobs HTTP/1.1',
      `Host: 127.0.0.1`,
      `Authorization: Bearer ${owner.key}`,
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      '',
      '',
    ].join('\r\n');
    const { port } = new URL(svc.url);
    const text = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let out = '';
      socket.on('data', (c) => {
        out += c.toString('latin1');
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(out));
      socket.write(head);
      const chunk = `400\r\n${'a'.repeat(1024)}\r\n`;
      let n = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || n++ > 200) return clearInterval(timer);
        socket.write(chunk);
      }, 2);
      setTimeout(() => socket.destroy(), 15_000).unref();
    });
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text.toLowerCase()).toContain('connection: close');
  });
});
