// The IDOR matrix: two owners × every job-scoped route × existing / foreign / missing / malformed ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { jobScopedRoutes } from '../support/job-scoped-routes.ts';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

let svc: TestService;
let alice: TestOwner;
let bob: TestOwner;
let aliceJob: string;
let bobJob: string;

beforeAll(async () => {
  svc = await startTestService();
  alice = await svc.newOwner('alice');
  bob = await svc.newOwner('bob');
  const submit = async (o: TestOwner) => {
    const res = await o.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } },
    });
    return JobSchema.parse(await res.json()).id;
  };
  aliceJob = await submit(alice);
  bobJob = await submit(bob);
});
afterAll(async () => {
  await svc?.stop();
});

const MISSING = '00000000-0000-4000-8000-000000000000';
const MALFORMED = ['not-a-uuid', "'; drop table jobs; --", '%00', 'x'.repeat(300), '..%2F..%2Fadmin'];

async function snapshot(res: Response) {
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe.each(jobScopedRoutes)('$name', (route) => {
  it('answers the owner', async () => {
    const res = await alice.fetch(route.path(aliceJob), { method: route.method });
    expect(res.status).toBe(route.ownerStatus);
  });

  it('answers a foreign, a missing and a malformed id with the same 404, byte for byte', async () => {
    const foreign = await snapshot(await alice.fetch(route.path(bobJob), { method: route.method }));
    const missing = await snapshot(await alice.fetch(route.path(MISSING), { method: route.method }));
    expect(foreign.status).toBe(404);
    expect(foreign.type).toMatch(/^application\/problem\+json/);
    expect(missing).toEqual(foreign);
    for (const bad of MALFORMED) {
      expect(await snapshot(await alice.fetch(route.path(bad), { method: route.method }))).toEqual(foreign);
    }
  });

  it('does not let a foreign request change the job', async () => {
    await bob.fetch(route.path(aliceJob), { method: route.method });
    const rows = await svc.sql`select status, owner_id from jobs where id = ${aliceJob}`;
    expect(rows[0]).toMatchObject({ status: 'succeeded', owner_id: alice.ownerId });
  });
});

describe('lists', () => {
  it("lists only the owner's jobs", async () => {
    const list = await (await alice.fetch('/v1/jobs?limit=100')).json();
    expect(list.data.map((j: { id: string }) => j.id)).toEqual([aliceJob]);
  });
});
