// Callbacks as the README's "Try callbacks locally" recipe runs them (examples/callback-receiver.mjs
// with CALLBACK_ALLOW_HTTP and CALLBACK_ALLOWLIST), and the dashboard's deliveries with Redeliver.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fetch as plainFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { LOCAL_CALLBACKS } from '../support/callback-receiver.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

const RECEIVER = join(import.meta.dirname, '..', '..', 'examples', 'callback-receiver.mjs');
let svc: TestService;
let owner: TestOwner;
let receiver: ChildProcess;
let output = '';
let hookUrl: string;

beforeAll(async () => {
  svc = await startTestService(LOCAL_CALLBACKS);
  owner = await svc.newOwner('hooks');
  const secrets = await (await owner.fetch('/v1/webhook-secret')).json();
  receiver = spawn(process.execPath, [RECEIVER], {
    env: { ...process.env, WEBHOOK_SECRET: secrets.secrets[0].secret, RECEIVER_PORT: '0' },
  });
  receiver.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  hookUrl = await waitFor(async () => /receiving callbacks on (\S+)/.exec(output)?.[1]);
});
afterAll(async () => {
  receiver?.kill();
  await svc?.stop();
});

async function signIn(): Promise<string> {
  const res = await plainFetch(`${svc.url}/dashboard/login`, {
    method: 'POST',
    headers: { origin: svc.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: owner.key }).toString(),
    redirect: 'manual',
  });
  return (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

describe('callbacks to a local receiver', () => {
  it('the example receiver verifies the signed callback; the dashboard lists it and redelivers it', async () => {
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, callback_url: hookUrl },
    });
    const job = JobSchema.parse(await res.json());
    await waitFor(async () => output.includes(`verified`) && output.includes(job.id));
    expect(output).toMatch(new RegExp(`verified msg_\\w+: job.succeeded job ${job.id}`));

    const cookie = await signIn();
    const page = await waitFor(async () => {
      const html = await (
        await plainFetch(`${svc.url}/dashboard/jobs/${job.id}`, { headers: { cookie } })
      ).text();
      return html.includes('>204<') ? html : undefined;
    });
    expect(page).toContain('Redeliver now');

    const redeliver = await plainFetch(`${svc.url}/dashboard/jobs/${job.id}/redeliver`, {
      method: 'POST',
      headers: { cookie, origin: svc.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(redeliver.status).toBe(303);
    expect(redeliver.headers.get('location')).toBe(`/dashboard/jobs/${job.id}?notice=redelivered`);
    // The same event again (same webhook-id): the receiver says so.
    await waitFor(async () => output.includes('again msg_'));
  });
});
