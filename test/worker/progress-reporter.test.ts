// The progress reporter's coalescing, against a write function that records what it was given
// (the reporter is the unit here; the database side is covered by final-progress.test.ts).
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ProgressValue } from '../../src/jobs/job-store.ts';
import { createProgressReporter } from '../../src/worker/progress-reporter.ts';

function recorder(writeMs = 0) {
  const written: number[] = [];
  const write = async (value: ProgressValue) => {
    await sleep(writeMs);
    written.push(value.percent);
  };
  return { written, reporter: createProgressReporter(write, (e) => expect.fail(String(e)), 20) };
}

describe('the progress reporter', () => {
  it('writes from the next turn, so reports made in one turn end as one write of the latest', async () => {
    const { written, reporter } = recorder();
    reporter.report(10);
    reporter.report(20);
    expect(written).toEqual([]);
    await nextTurn();
    await reporter.flush();
    expect(written).toEqual([20]);
  });

  it('hands the value not yet written to take() instead of writing it', async () => {
    const { written, reporter } = recorder();
    reporter.report(40, 'last');
    expect(await reporter.take()).toMatchObject({ percent: 40, message: 'last' });
    await sleep(30);
    expect(written).toEqual([]);
    expect(await reporter.take()).toBeUndefined();
  });

  it('lets the write in flight finish first, then takes only what came after it', async () => {
    const { written, reporter } = recorder(30);
    reporter.report(30);
    await nextTurn(); // the write of 30 is now in flight
    reporter.report(70);
    expect(await reporter.take()).toMatchObject({ percent: 70 });
    expect(written).toEqual([30]);
  });

  it('never goes backwards within an attempt', async () => {
    const { reporter } = recorder();
    reporter.report(80);
    reporter.report(50);
    expect(await reporter.take()).toMatchObject({ percent: 80 });
  });
});
