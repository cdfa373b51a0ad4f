// Logs: one JSON line per request (route template, owner, request id), X-Request-Id echoed,
// secrets censored, errors with their stack, and handler logs that carry job id and attempt.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogCollector, createLogger, lazyChild } from '../../src/observability/logger.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

const collector = createLogCollector();
let svc: TestService;
let owner: TestOwner;

beforeAll(async () => {
  svc = await startTestService({}, { log: createLogger('info', {}, { destination: collector.destination }) });
  owner = await svc.newOwner('logs');
});
afterAll(async () => {
  await svc?.stop();
});

const requestLines = () => collector.records.filter((r) => r.msg === 'request');

describe('request logs', () => {
  it('writes one line per request with the route template, status, duration, owner and request id', async () => {
    const res = await owner.fetch('/v1/jobs/00000000-0000-4000-8000-000000000000', {
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const line = await waitFor(async () => requestLines().find((r) => r.request_id === 'trace-abc-123'));
    expect(line).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/v1/jobs/:id',
      status: 404,
      owner_id: owner.ownerId,
    });
    expect(typeof line.duration_ms).toBe('number');
    expect(typeof line.time).toBe('string');
    expect(requestLines().filter((r) => r.request_id === 'trace-abc-123')).toHaveLength(1);
  });

  it('generates a request id when none (or an unusable one) is sent, and echoes it', async () => {
    const res = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await waitFor(async () => requestLines().find((r) => r.request_id === id));
    expect(line).toMatchObject({ route: '/healthz', status: 200, owner_id: null });
  });

  it('never writes the API key, whatever the request carried', async () => {
    await owner.fetch('/v1/jobs?limit=1', { headers: { cookie: `session=${owner.key}` } });
    await fetch(`${svc.url}/v1/jobs`, { headers: { authorization: 'Bearer sk_not_a_real_key' } });
    await waitFor(async () => requestLines().some((r) => r.status === 401));
    const all = JSON.stringify(collector.records);
    expect(all).not.toContain(owner.key);
    expect(all).not.toContain('sk_not_a_real_key');
  });
});

describe('handler logs', () => {
  it('carry the job id, type and attempt', async () => {
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'test.logging', input: {} },
    });
    const job = JobSchema.parse(await res.json());
    const line = await waitFor(async () => collector.records.find((r) => r.msg === 'handler says hello'));
    expect(line).toMatchObject({
      job_id: job.id,
      type: 'test.logging',
      attempt: 1,
      note: 'from the handler',
    });
  });
});

describe('the logger', () => {
  it('censors authorization, cookies, keys, tokens and secrets at the top level and one level down', () => {
    const { destination, records } = createLogCollector();
    const log = createLogger('info', {}, { destination });
    log.info('careless', {
      authorization: 'Bearer sk_top',
      cookie: 'k=sk_cookie',
      key: 'sk_key',
      api_key: 'sk_api_key',
      token: 'tok',
      secret: 'whsec_top',
      headers: { authorization: 'Bearer sk_nested', cookie: 'c', 'set-cookie': 'd' },
      webhook: { secret: 'whsec_nested' },
      keep: 'visible',
    });
    const [line] = records;
    expect(line).toMatchObject({
      authorization: '[redacted]',
      cookie: '[redacted]',
      key: '[redacted]',
      api_key: '[redacted]',
      token: '[redacted]',
      secret: '[redacted]',
      headers: { authorization: '[redacted]', cookie: '[redacted]', 'set-cookie': '[redacted]' },
      webhook: { secret: '[redacted]' },
      keep: 'visible',
    });
    expect(JSON.stringify(records)).not.toMatch(/sk_|whsec_/);
  });

  it("makes a lazy child only when it first logs, with its fields and a grandchild's, censored as any", () => {
    const { destination, records } = createLogCollector();
    const log = createLogger('info', {}, { destination });
    const quiet = lazyChild(log, { job_id: 'j0' });
    quiet.debug('below the level');
    const child = lazyChild(log, { job_id: 'j1', token: 'tok_child' });
    child.info('first');
    child.child({ step: 2 }).warn('second');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ msg: 'first', job_id: 'j1', token: '[redacted]' });
    expect(records[1]).toMatchObject({ msg: 'second', job_id: 'j1', step: 2, level: 'warn' });
    expect(JSON.stringify(records)).not.toContain('tok_child');
  });

  it('writes an error with its type, message and stack trace', () => {
    const { destination, records } = createLogCollector();
    const log = createLogger('info', {}, { destination }).child({ request_id: 'r1' });
    log.error('it broke', { error: new TypeError('boom') });
    expect(records[0]).toMatchObject({ level: 'error', msg: 'it broke', request_id: 'r1' });
    const err = records[0]?.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('TypeError');
    expect(err.message).toBe('boom');
    expect(err.stack).toContain('logs.test.ts');
  });

  it('writes readable lines instead of JSON when asked to be pretty (as on a terminal)', async () => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    const log = createLogger('info', {}, { pretty: true, destination: destination as never });
    log.info('hello there', { job_id: 'j1', authorization: 'Bearer sk_pretty' });
    await waitFor(async () => text.includes('hello there'));
    expect(text).toMatch(/INFO.*hello there/);
    expect(text).toContain('job_id: "j1"');
    expect(text).not.toContain('sk_pretty');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('drops records below its level', () => {
    const { destination, records } = createLogCollector();
    const log = createLogger('warn', {}, { destination });
    log.info('quiet');
    log.warn('loud');
    expect(records.map((r) => r.msg)).toEqual(['loud']);
  });
});
