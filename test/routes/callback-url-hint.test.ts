// A refused local callback URL's 422 names the settings that allow it in development.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

let svc: TestService;
let owner: TestOwner;
beforeAll(async () => {
  svc = await startTestService();
  owner = await svc.newOwner('hint');
});
afterAll(async () => {
  await svc?.stop();
});

const submit = (callback_url: string) =>
  owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: 0 }, callback_url },
  });

describe('a refused callback URL', () => {
  it.each(['http://127.0.0.1:4000/hooks', 'https://localhost/hooks', 'https://10.0.0.5/hooks'])(
    '%s: the detail names CALLBACK_ALLOW_HTTP and CALLBACK_ALLOWLIST',
    async (url) => {
      const res = await submit(url);
      expect(res.status).toBe(422);
      const body = await res.json();
      expect(body.detail).toContain('CALLBACK_ALLOW_HTTP=true');
      expect(body.detail).toContain('CALLBACK_ALLOWLIST=');
      expect(body.errors[0].pointer).toBe('/callback_url');
    },
  );

  it('gives no such hint when the settings would not help (credentials in the URL)', async () => {
    const res = await submit('https://user:pw@example.com/hooks');
    expect(res.status).toBe(422);
    expect((await res.json()).detail).not.toContain('CALLBACK_ALLOWLIST');
  });
});
