// Job types that exist only in tests: they fail, retry, overrun their timeout on purpose.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJob } from '../../src/job-types/define-job-type.ts';

/** Fails its first `fail_times` attempts, then succeeds; retried up to 3 times. */
export const flakyJob = defineJob({
  type: 'test.flaky',
  description: 'Fails the first fail_times attempts.',
  input: z.object({ fail_times: z.number().int().min(0) }),
  output: z.object({ attempt: z.number().int() }),
  retry: { limit: 3, delaySeconds: 0 },
  async handler(input, ctx) {
    if (ctx.attempt <= input.fail_times) throw new Error(`planned failure ${ctx.attempt}`);
    return { attempt: ctx.attempt };
  },
});

/** Sleeps `ms` ignoring its AbortSignal; its timeout is 1 s. */
export const overrunJob = defineJob({
  type: 'test.overrun',
  description: 'Ignores its signal and overruns a 1 s timeout.',
  input: z.object({ ms: z.number().int().min(0) }),
  output: z.object({ done: z.boolean() }),
  timeoutSeconds: 1,
  async handler(input) {
    await sleep(input.ms);
    return { done: true };
  },
});

/** Succeeds with an output Postgres's jsonb refuses (a NUL character). */
export const unstorableOutputJob = defineJob({
  type: 'test.unstorable',
  description: 'Returns an output that cannot be stored.',
  input: z.object({}),
  output: z.object({ text: z.string() }),
  async handler() {
    return { text: 'a\u0000b' };
  },
});

/** Logs one line through ctx.log and succeeds: its record must carry the job id and attempt. */
export const loggingJob = defineJob({
  type: 'test.logging',
  description: 'Logs one line through ctx.log.',
  input: z.object({}),
  output: z.object({}),
  async handler(_input, ctx) {
    ctx.log.info('handler says hello', { note: 'from the handler' });
    return {};
  },
});

/** Reports `events` progress events of `bytes` bytes each, one per 60 ms: a stream to fall behind on. */
export const chattyJob = defineJob({
  type: 'test.chatty',
  description: 'Reports many large progress events.',
  input: z.object({
    events: z.number().int().min(1).max(1000),
    bytes: z.number().int().min(0).max(1_000_000),
  }),
  output: z.object({ events: z.number().int() }),
  async handler(input, ctx) {
    const data = { blob: 'x'.repeat(input.bytes) };
    for (let i = 1; i <= input.events && !ctx.signal.aborted; i++) {
      ctx.progress(Math.floor((100 * i) / input.events), `event ${i}`, data);
      await sleep(60);
    }
    return { events: input.events };
  },
});

/**
 * Reports progress once with `message` (with a NUL appended when `unstorable`: what a handler may
 * send but jsonb refuses), then fails its first `fail_times` attempts (one retry).
 */
export const reporterJob = defineJob({
  type: 'test.reporter',
  description: 'Reports progress once, then returns (or fails).',
  input: z.object({
    message: z.string(),
    fail_times: z.number().int().min(0).default(0),
    unstorable: z.boolean().default(false),
  }),
  output: z.object({ attempt: z.number().int() }),
  retry: { limit: 1, delaySeconds: 0 },
  async handler(input, ctx) {
    ctx.progress(60, input.unstorable ? `${input.message}\u0000` : input.message);
    if (ctx.attempt <= input.fail_times) throw new Error(`planned failure ${ctx.attempt}`);
    return { attempt: ctx.attempt };
  },
});

export const testJobTypes = [flakyJob, overrunJob, unstorableOutputJob, loggingJob, chattyJob, reporterJob];
