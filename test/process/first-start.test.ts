// The first start on the embedded database: one key for owner "demo" and a curl line that works;
// a second start keeps the data and prints no key; two DATA_DIRs run side by side.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type ChildService,
  killChildren,
  removeTempDirs,
  startChildService,
  tempDataDir,
} from '../support/child-service.ts';
import { authedFetch } from '../support/test-service.ts';

const CURL_LINE =
  /curl -i -X POST (\S+) -H 'Authorization: Bearer (\S+)' -H 'Content-Type: application\/json' -d '(.+)'/;

afterEach(killChildren);
afterAll(removeTempDirs);

async function startEmbedded(dataDir: string): Promise<ChildService> {
  return startChildService({ DATA_DIR: dataDir }, 90_000);
}

function keysIn(stdout: string): Set<string> {
  return new Set(stdout.match(/sk_[A-Za-z0-9_-]{43}/g) ?? []);
}

describe('the embedded database', () => {
  it('prints one key and a working curl line on the first start, keeps the data on the next, and runs beside another DATA_DIR', async () => {
    const dataDir = tempDataDir();
    const first = await startEmbedded(dataDir);
    const keys = keysIn(first.stdout());
    expect(keys.size).toBe(1);
    expect(first.stdout()).toContain('created owner "demo"');
    const [key] = [...keys];
    const curl = CURL_LINE.exec(first.stdout());
    expect(curl, first.stdout()).not.toBeNull();
    const [, url, curlKey, body] = curl as RegExpExecArray;
    expect(curlKey).toBe(key);
    // What the curl line does, with fetch.
    const submitted = await fetch(url as string, {
      method: 'POST',
      headers: { authorization: `Bearer ${curlKey}`, 'content-type': 'application/json' },
      body,
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    expect(await first.terminate()).toBe(0);

    // The same DATA_DIR again, and a new one beside it, at once.
    const otherDir = tempDataDir();
    const [again, other] = await Promise.all([startEmbedded(dataDir), startEmbedded(otherDir)]);
    expect(keysIn(again.stdout()).size).toBe(0);
    expect(again.stdout()).not.toMatch(/First start/);
    const job = await authedFetch(again.url, key as string)(`/v1/jobs/${id}`);
    expect([200, 303]).toContain(job.status);
    expect(((await job.json()) as { id: string }).id).toBe(id);

    expect(other.url).not.toBe(again.url);
    const otherKeys = keysIn(other.stdout());
    expect(otherKeys.size).toBe(1);
    expect(otherKeys.has(key as string)).toBe(false);
    const [otherKey] = [...otherKeys];
    expect((await authedFetch(other.url, otherKey as string)('/v1/jobs')).status).toBe(200);
    // Each key belongs to its own database only.
    expect((await authedFetch(other.url, key as string)('/v1/jobs')).status).toBe(401);

    const codes = await Promise.all([again.terminate(), other.terminate()]);
    expect(codes).toEqual([0, 0]);
  }, 150_000);
});
