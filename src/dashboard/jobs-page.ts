// The owner's jobs, newest first: filters by status and type, live progress for active jobs,
// the owner's queue depth per type and the latest failures beside them.
import { html } from 'hono/html';
import { JOB_STATUSES } from '../jobs/job-status.ts';
import { progressBar, statusBadge, timeOf } from './components.ts';
import type { QueueDepthRow, RecentFailureRow } from './dashboard-queries.ts';
import type { Job } from './view-types.ts';

export interface JobsPageData {
  jobs: Job[];
  nextCursor: string | null;
  filter: { status?: string | undefined; type?: string | undefined };
  types: string[];
  depth: QueueDepthRow[];
  failures: RecentFailureRow[];
}

const isActive = (job: Job) => job.status === 'queued' || job.status === 'running';

function option(value: string, selected: string | undefined) {
  return html`<option value="${value}" ${value === selected ? 'selected' : ''}>${value}</option>`;
}

function filters(data: JobsPageData) {
  return html`<form method="get" action="/dashboard" class="filters" aria-label="filters">
    <div>
      <label for="status">Status</label>
      <select id="status" name="status">
        <option value="">any</option>
        ${JOB_STATUSES.map((s) => option(s, data.filter.status))}
      </select>
    </div>
    <div>
      <label for="type">Type</label>
      <select id="type" name="type">
        <option value="">any</option>
        ${data.types.map((t) => option(t, data.filter.type))}
      </select>
    </div>
    <button type="submit">Filter</button>
  </form>`;
}

function jobRow(job: Job) {
  return html`<tr ${isActive(job) ? html`data-live="${job.id}"` : ''}>
    <td><a href="/dashboard/jobs/${job.id}"><code>${job.id.slice(0, 8)}</code></a></td>
    <td>${job.type}</td>
    <td>${statusBadge(job)}</td>
    <td>${progressBar(job)}</td>
    <td>${job.attempt}</td>
    <td>${timeOf(job.created_at)}</td>
  </tr>`;
}

function depthPanel(depth: QueueDepthRow[]) {
  const rows = depth.length
    ? depth.map((d) => html`<tr><td>${d.type}</td><td>${d.queued}</td><td>${d.running}</td></tr>`)
    : html`<tr><td colspan="3" class="muted">Nothing queued or running.</td></tr>`;
  return html`<section aria-label="queue depth">
    <h2>Queue depth</h2>
    <table><thead><tr><th>Type</th><th>Queued</th><th>Running</th></tr></thead><tbody>${rows}</tbody></table>
  </section>`;
}

function failuresPanel(failures: RecentFailureRow[]) {
  const rows = failures.length
    ? failures.map(
        (f) => html`<tr>
          <td><a href="/dashboard/jobs/${f.id}"><code>${f.id.slice(0, 8)}</code></a></td>
          <td>${f.type}</td>
          <td>${f.error?.detail ?? f.error?.title ?? ''}</td>
          <td>${timeOf(f.finished_at)}</td>
        </tr>`,
      )
    : html`<tr><td colspan="4" class="muted">No recent failures.</td></tr>`;
  return html`<section aria-label="recent failures">
    <h2>Recent failures</h2>
    <table><thead><tr><th>Job</th><th>Type</th><th>Error</th><th>Finished</th></tr></thead><tbody>${rows}</tbody></table>
  </section>`;
}

export function jobsPage(data: JobsPageData) {
  const query = new URLSearchParams();
  if (data.filter.status) query.set('status', data.filter.status);
  if (data.filter.type) query.set('type', data.filter.type);
  if (data.nextCursor) query.set('cursor', data.nextCursor);
  const rows = data.jobs.length
    ? data.jobs.map(jobRow)
    : html`<tr><td colspan="6" class="muted">No jobs yet. <a href="/dashboard/submit">Submit one.</a></td></tr>`;
  return html`<h1>Jobs</h1>
    ${filters(data)}
    <table aria-label="jobs">
      <thead><tr><th>Job</th><th>Type</th><th>Status</th><th>Progress</th><th>Attempt</th><th>Created</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
    ${data.nextCursor ? html`<p><a href="/dashboard?${query.toString()}">Older jobs →</a></p>` : ''}
    <div class="panels">${depthPanel(data.depth)}${failuresPanel(data.failures)}</div>`;
}
