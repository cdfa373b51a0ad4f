// The dashboard in a real browser (Debian's Chromium via playwright-core): sign in, submit a job
// from the generated form, watch its bar reach 100 % over SSE, open the result; a second owner
// sees none of it. Takes the README's screenshots: into docs/ with UPDATE_SCREENSHOTS=1, otherwise
// into a temporary folder, so a test run leaves the checkout clean. Also: /docs renders offline.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launchChromium } from '../support/chromium.ts';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

const DOCS = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, '..', '..', 'docs')
  : mkdtempSync(join(tmpdir(), 'aj-screenshots-'));
let svc: TestService;
let alice: TestOwner;
let bob: TestOwner;
let jobId: string;

beforeAll(async () => {
  // Installing Chromium (first run on a fresh machine) can take minutes.
  svc = await startTestService();
  alice = await svc.newOwner('alice');
  bob = await svc.newOwner('bob');
  ensureChromium();
}, 600_000);
afterAll(async () => {
  await svc?.stop();
});

// Read through the DevTools protocol (page.evaluate), which the page's CSP does not govern; the
// page may be reloading (it does on the final status), which reads as -1 and is polled again.
const progressValue = (page: Page, id: string) =>
  page
    .evaluate<number>(`document.querySelector('progress[data-progress-of="${id}"]')?.value ?? -1`)
    .catch(() => -1);

async function signIn(page: Page, key: string) {
  await page.goto(`${svc.url}/dashboard`);
  await page.waitForURL('**/dashboard/login');
  await page.fill('#api_key', key);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/dashboard$/);
}

describe('the dashboard in Chromium', () => {
  it('signs in, submits a job, shows its bar reaching 100 % live, and opens the result', async () => {
    const browser = await launchChromium({ viewport: { width: 1200, height: 800 } });
    const page = await browser.context.newPage();
    await signIn(page, alice.key);

    await page.click('text=Submit a job');
    await page.selectOption('#type', 'demo.sleep');
    await page.click('form[aria-label="job type"] button');
    await page.fill('[id="input.duration_ms"]', '4000');
    await page.fill('[id="input.steps"]', '8');
    await page.fill('[id="input.output"]', '{"hello":"browser"}');
    await page.click('form[aria-label="submit"] button[type=submit]');
    await page.waitForURL(/\/dashboard\/jobs\/[0-9a-f-]{36}$/);
    jobId = page.url().split('/').pop() as string;

    // The page starts below 100 % and the bar moves there through the live stream (the page
    // reloads itself on the final status, showing the result link).
    expect(await progressValue(page, jobId)).toBeLessThan(100);
    await expect.poll(() => progressValue(page, jobId), { timeout: 60_000, interval: 100 }).toBe(100);
    await page.waitForSelector('#result-link', { timeout: 60_000 });
    expect(await page.textContent(`[data-status-of="${jobId}"]`)).toBe('succeeded');
    expect(await page.$$eval('ol.timeline li', (items) => items.length)).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(DOCS, 'dashboard-job.png'), fullPage: true });

    const [result] = await Promise.all([page.waitForResponse(/\/result$/), page.click('#result-link')]);
    expect(result.status()).toBe(200);
    expect(JSON.parse(await result.text())).toMatchObject({ steps: 8, output: { hello: 'browser' } });

    // A fuller list for the screenshot: one failed job and one still running.
    await alice.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'demo.sleep', input: { duration_ms: 0, steps: 1, fail_with: 'upstream said no' } },
    });
    const running = await alice.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 60_000, steps: 60 } },
    });
    const runningId = ((await running.json()) as { id: string }).id;
    await page.goto(`${svc.url}/dashboard`);
    expect(await page.textContent('table[aria-label="jobs"]')).toContain(jobId.slice(0, 8));
    // The running job's bar moves on the list page too.
    await expect
      .poll(() => progressValue(page, runningId), { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);
    expect(await page.textContent('section[aria-label="recent failures"]')).toContain('upstream said no');
    await page.screenshot({ path: join(DOCS, 'dashboard-jobs.png'), fullPage: true });
    await alice.fetch(`/v1/jobs/${runningId}/cancel`, { method: 'POST' });
    await browser.close();
  });

  it("shows a second owner none of the first owner's jobs, counts or pages", async () => {
    const browser = await launchChromium();
    const page = await browser.context.newPage();
    await signIn(page, bob.key);
    const list = (await page.textContent('main')) ?? '';
    expect(list).not.toContain(jobId.slice(0, 8));
    expect(list).toContain('No jobs yet');
    expect(list).toContain('Nothing queued or running');
    const res = await page.goto(`${svc.url}/dashboard/jobs/${jobId}`);
    expect(res?.status()).toBe(404);
    expect(await page.textContent('main')).not.toContain('demo.sleep');
    const result = await page.goto(`${svc.url}/dashboard/jobs/${jobId}/result`);
    expect(result?.status()).toBe(404);
    await browser.close();
  });

  it('renders the API reference at /docs with every request outside the service blocked', async () => {
    const browser = await launchChromium();
    const page = await browser.context.newPage();
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === new URL(svc.url).origin) return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    await page.goto(`${svc.url}/docs`);
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 60_000 });
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Async Jobs API');
    expect(await page.$$eval('.opblock-summary-path', (paths) => paths.length)).toBeGreaterThan(10);
    expect(outside).toEqual([]);
    await browser.close();
  });
});
