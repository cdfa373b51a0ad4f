// /dashboard: a server-rendered operator view over the API (hono/jsx's renderer, hono's html
// templates, no build step, no CDN). Signed in with an API key kept in an HttpOnly, SameSite=Strict
// cookie; forms are guarded by an Origin / Sec-Fetch-Site check; everything is scoped to the
// key's owner because the pages read and act through the API itself (internal-api.ts) or through
// owner-scoped queries (dashboard-queries.ts).
import type { Context } from 'hono';
import { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps } from '../app-deps.ts';
import type { FieldError } from '../http/problem.ts';
import { DASHBOARD_CSS, LIVE_JS } from './assets.ts';
import type { DashboardEnv } from './dashboard-env.ts';
import { readOwnedJobTimeline, readOwnerQueueDepth, readOwnerRecentFailures } from './dashboard-queries.ts';
import { type ApiFetcher, createApiCaller } from './internal-api.ts';
import { jobPage } from './job-page.ts';
import { jobsPage } from './jobs-page.ts';
import { dashboardLayout } from './layout.ts';
import { createLiveEventsHandler } from './live-events.ts';
import { loginPage } from './login-page.ts';
import { type FormValues, formFieldsOf, readInputFromForm } from './schema-form.ts';
import { endSession, requireSession, startSession } from './session.ts';
import { submitPage } from './submit-page.ts';
import type { DeliveryAttempt, Job, JobTypeInfo } from './view-types.ts';

const NOTICES: Record<string, string> = {
  redelivered: 'The callback is being delivered again.',
  'cannot-redeliver': 'Nothing to redeliver: the job has no callback or has not finished.',
  'cancel-requested': 'Cancellation requested.',
  'already-finished': 'The job had already finished.',
};

function stringValues(form: Record<string, unknown>): FormValues {
  return Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === 'string')) as FormValues;
}

export function createDashboard(api: ApiFetcher, deps: AppDeps) {
  const dashboard = new Hono<DashboardEnv>();
  const callApi = createApiCaller(api);
  const publicOrigin = deps.config.PUBLIC_BASE_URL ? new URL(deps.config.PUBLIC_BASE_URL).origin : undefined;

  dashboard.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'same-origin',
    }),
  );
  // Cross-site form posts are refused (403) even in browsers that ignore SameSite.
  dashboard.use(
    '*',
    csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origin === publicOrigin }),
  );
  dashboard.use('*', dashboardLayout);
  dashboard.get('/assets/dashboard.css', (c) =>
    c.body(DASHBOARD_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }),
  );
  dashboard.get('/assets/live.js', (c) =>
    c.body(LIVE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );

  dashboard.get('/login', (c) => c.render(loginPage(), { title: 'Sign in' }));
  dashboard.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const apiKey = typeof form.api_key === 'string' ? form.api_key.trim() : '';
    const ownerId = apiKey ? await deps.apiKeys.ownerOf(apiKey) : undefined;
    if (!ownerId) {
      c.status(401);
      return c.render(loginPage('That API key is not valid.'), { title: 'Sign in' });
    }
    startSession(c, apiKey);
    return c.redirect('/dashboard', 303);
  });
  dashboard.post('/logout', (c) => {
    endSession(c);
    return c.redirect('/dashboard/login', 303);
  });

  const signedIn = new Hono<DashboardEnv>();
  signedIn.use('*', requireSession(deps.apiKeys));
  const render = (c: Context<DashboardEnv>, content: unknown, title: string) =>
    c.render(content, { title, signedIn: true });

  signedIn.get('/', async (c) => {
    const status = c.req.query('status') || undefined;
    const type = c.req.query('type') || undefined;
    const cursor = c.req.query('cursor') || undefined;
    const query = new URLSearchParams({ limit: '50' });
    if (status) query.set('status', status);
    if (type) query.set('type', type);
    if (cursor) query.set('cursor', cursor);
    const ownerId = c.get('ownerId');
    const [list, depth, failures] = await Promise.all([
      callApi(c, `/v1/jobs?${query}`),
      readOwnerQueueDepth(deps.sql, ownerId),
      readOwnerRecentFailures(deps.sql, ownerId),
    ]);
    // A bad filter value (hand-edited URL) shows the unfiltered list rather than an error page.
    if (!list.ok) return c.redirect('/dashboard', 303);
    const body = (await list.json()) as { data: Job[]; next_cursor: string | null };
    return render(
      c,
      jobsPage({
        jobs: body.data,
        nextCursor: body.next_cursor,
        filter: { status, type },
        types: [...deps.registry.keys()],
        depth,
        failures,
      }),
      'Jobs',
    );
  });

  signedIn.get('/live', createLiveEventsHandler(deps));

  signedIn.get('/jobs/:id', async (c) => {
    const id = c.req.param('id');
    const res = await callApi(c, `/v1/jobs/${encodeURIComponent(id)}`, { redirect: 'manual' });
    if (res.status === 404) {
      c.status(404);
      return render(c, 'No such job.', 'Not found');
    }
    const job = (await res.json()) as Job;
    const [timeline, deliveries] = await Promise.all([
      readOwnedJobTimeline(deps.sql, c.get('ownerId'), job.id),
      job.callback
        ? callApi(c, `/v1/jobs/${job.id}/deliveries`).then(async (r) =>
            r.ok ? ((await r.json()) as { data: DeliveryAttempt[] }).data : [],
          )
        : [],
    ]);
    const notice = NOTICES[c.req.query('notice') ?? ''];
    return render(c, jobPage({ job, timeline, deliveries, notice }), `Job ${job.id.slice(0, 8)}`);
  });

  // The result as the API serves it (JSON or the artifact's own type), with the cookie's key.
  signedIn.get('/jobs/:id/result', async (c) => {
    const res = await callApi(c, `/v1/jobs/${encodeURIComponent(c.req.param('id'))}/result`);
    const headers = new Headers({
      'Content-Type': res.headers.get('content-type') ?? 'application/octet-stream',
    });
    return new Response(res.body, { status: res.status, headers });
  });

  signedIn.post('/jobs/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const res = await callApi(c, `/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
    if (res.status === 404) return c.redirect('/dashboard', 303);
    const notice = res.status === 202 ? 'cancel-requested' : 'already-finished';
    return c.redirect(`/dashboard/jobs/${encodeURIComponent(id)}?notice=${notice}`, 303);
  });

  signedIn.post('/jobs/:id/redeliver', async (c) => {
    const id = c.req.param('id');
    const res = await callApi(c, `/v1/jobs/${encodeURIComponent(id)}/deliveries`, { method: 'POST' });
    if (res.status === 404) return c.redirect('/dashboard', 303);
    const notice = res.status === 202 ? 'redelivered' : 'cannot-redeliver';
    return c.redirect(`/dashboard/jobs/${encodeURIComponent(id)}?notice=${notice}`, 303);
  });

  const jobTypes = async (c: Context<DashboardEnv>): Promise<JobTypeInfo[]> =>
    ((await (await callApi(c, '/v1/job-types')).json()) as { data: JobTypeInfo[] }).data;

  signedIn.get('/submit', async (c) => {
    const types = await jobTypes(c);
    const selected = types.find((t) => t.type === c.req.query('type')) ?? types[0];
    const fields = selected ? formFieldsOf(selected.input_schema) : [];
    return render(c, submitPage({ types, selected, fields, values: {}, errors: [] }), 'Submit a job');
  });

  signedIn.post('/submit', async (c) => {
    const values = stringValues(await c.req.parseBody());
    const types = await jobTypes(c);
    const selected = types.find((t) => t.type === values.type);
    const fields = selected ? formFieldsOf(selected.input_schema) : [];
    const again = (errors: FieldError[], message?: string) => {
      c.status(422);
      return render(c, submitPage({ types, selected, fields, values, errors, message }), 'Submit a job');
    };
    if (!selected) return again([], 'Choose a job type.');
    const { input, errors } = readInputFromForm(fields, values);
    if (errors.length > 0) return again(errors, 'Some fields need another look.');
    const body: Record<string, unknown> = { type: selected.type, input };
    if (values.callback_url) body.callback_url = values.callback_url;
    const res = await callApi(c, '/v1/jobs', { method: 'POST', json: body });
    const answer = (await res.json()) as Job & { detail?: string; errors?: FieldError[] };
    if (res.status !== 202) return again(answer.errors ?? [], answer.detail ?? 'The job was not accepted.');
    return c.redirect(`/dashboard/jobs/${answer.id}`, 303);
  });

  dashboard.route('/', signedIn);
  return dashboard;
}
