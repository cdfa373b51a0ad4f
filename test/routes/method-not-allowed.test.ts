// RFC 9110 §15.5.6: a known path with a method it does not have answers 405 with Allow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

let svc: TestService;
let owner: TestOwner;
beforeAll(async () => {
  svc = await startTestService();
  owner = await svc.newOwner('methods');
});
afterAll(async () => {
  await svc?.stop();
});

describe('405 Method Not Allowed', () => {
  it('answers a wrong method on a known path with a problem and the methods it has', async () => {
    const res = await owner.fetch('/v1/jobs', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    const body = await res.json();
    expect(body).toMatchObject({ status: 405, title: 'Method not allowed' });
  });

  it('names the methods of a templated path', async () => {
    const res = await owner.fetch('/v1/jobs/00000000-0000-4000-8000-000000000000/cancel', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('answers an unknown path with 404, as before', async () => {
    const res = await fetch(`${svc.url}/no/such/path`, { method: 'PUT' });
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});
