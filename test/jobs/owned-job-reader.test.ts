// Polls read many jobs per statement under load: each ask must still get only its owner's job.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnedJobReader } from '../../src/jobs/owned-job-reader.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

describe('OwnedJobReader', () => {
  it("answers asks of several owners read together, each with its own job and never another owner's", async () => {
    const a = await svc.newOwner();
    const b = await svc.newOwner();
    const submit = async (owner: typeof a) =>
      (
        await (
          await owner.fetch('/v1/jobs', {
            method: 'POST',
            json: { type: 'demo.sleep', input: { duration_ms: 0 } },
          })
        ).json()
      ).id as string;
    const aJobs = await Promise.all(Array.from({ length: 5 }, () => submit(a)));
    const bJobs = await Promise.all(Array.from({ length: 5 }, () => submit(b)));
    // Counts statements sent, to see the asks were read together.
    let statements = 0;
    const counted = postgres(svc.databaseUrl, { max: 2, debug: () => statements++ });
    const reader = new OwnedJobReader(counted, 3600);
    const asks = [
      ...aJobs.map((id) => reader.find(a.ownerId, id)),
      ...bJobs.map((id) => reader.find(b.ownerId, id)),
      // Another owner's job, a missing one and a malformed id: all undefined.
      reader.find(a.ownerId, bJobs[0] ?? ''),
      reader.find(b.ownerId, '00000000-0000-4000-8000-000000000000'),
      reader.find(a.ownerId, 'not-a-job-id'),
    ];
    const found = await Promise.all(asks);
    await counted.end();
    expect(found.slice(0, 5).map((r) => [r?.id, r?.owner_id])).toEqual(aJobs.map((id) => [id, a.ownerId]));
    expect(found.slice(5, 10).map((r) => [r?.id, r?.owner_id])).toEqual(bJobs.map((id) => [id, b.ownerId]));
    expect(found.slice(10)).toEqual([undefined, undefined, undefined]);
    expect(statements).toBeLessThanOrEqual(2);
  });

  it('fails every ask of a batch whose read fails, with one statement and no retries one by one', async () => {
    let statements = 0;
    const counted = postgres(svc.databaseUrl, { max: 1, debug: () => statements++ });
    // Connected first (postgres.js reads the server's array types on connect), then counted.
    await counted`select 1`;
    statements = 0;
    // An interval the server refuses: the batch's statement fails.
    const reader = new OwnedJobReader(counted, Number.POSITIVE_INFINITY);
    const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const asks = await Promise.allSettled([
      reader.find('owner', ids[0] as string),
      reader.find('owner', ids[1] as string),
      reader.find('owner', ids[0] as string),
    ]);
    await counted.end();
    expect(asks.map((a) => a.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(statements).toBe(1);
  });
});
