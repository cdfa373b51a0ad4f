import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { judgeAttempt, parseRetryAfter } from '../../src/webhooks/retry-schedule.ts';
import { signPayload } from '../../src/webhooks/signing.ts';

const schedule = [5, 300, 1800];

describe('retry schedule', () => {
  it('treats 2xx as delivered', () => {
    expect(judgeAttempt({ statusCode: 204 }, 1, schedule)).toEqual({ kind: 'delivered' });
  });
  it.each([null, 301, 302, 307, 408, 425, 429, 500, 502, 503])('retries %s with the n-th delay', (code) => {
    expect(judgeAttempt({ statusCode: code }, 2, schedule)).toEqual({ kind: 'retry', delaySeconds: 300 });
  });
  it.each([400, 401, 404, 410, 422])('gives up at once on %s', (code) => {
    expect(judgeAttempt({ statusCode: code }, 1, schedule)).toEqual({
      kind: 'failed',
      reason: 'final-status',
    });
  });
  it('stops after the last scheduled wait', () => {
    expect(judgeAttempt({ statusCode: 500 }, 4, schedule)).toEqual({
      kind: 'failed',
      reason: 'attempts-exhausted',
    });
  });
  it('honours a longer Retry-After on 429 and 503 only', () => {
    expect(judgeAttempt({ statusCode: 429, retryAfterSeconds: 60 }, 1, schedule)).toEqual({
      kind: 'retry',
      delaySeconds: 60,
    });
    expect(judgeAttempt({ statusCode: 503, retryAfterSeconds: 1 }, 1, schedule)).toEqual({
      kind: 'retry',
      delaySeconds: 5,
    });
    expect(judgeAttempt({ statusCode: 500, retryAfterSeconds: 60 }, 1, schedule)).toEqual({
      kind: 'retry',
      delaySeconds: 5,
    });
  });
  it('parses delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120', 0)).toBe(120);
    expect(parseRetryAfter(new Date(30_000).toUTCString(), 0)).toBe(30);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('signing', () => {
  it('produces signatures the standardwebhooks package verifies', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const now = Math.floor(Date.now() / 1000);
    const body = '{"type":"job.succeeded"}';
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(now),
      'webhook-signature': signPayload(secret, 'msg_1', now, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'job.succeeded' });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
});
