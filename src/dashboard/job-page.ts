// One job: its facts, live progress, result link or error, events timeline, and its callback
// deliveries with a redeliver button — what Inngest's and Trigger.dev's run views show.
import { html } from 'hono/html';
import { notice, progressBar, statusBadge, timeOf } from './components.ts';
import type { TimelineRow } from './dashboard-queries.ts';
import type { DeliveryAttempt, Job } from './view-types.ts';

export interface JobPageData {
  job: Job;
  timeline: TimelineRow[];
  deliveries: DeliveryAttempt[];
  notice?: string | undefined;
}

const isActive = (job: Job) => job.status === 'queued' || job.status === 'running';

function timelineEntry(row: TimelineRow) {
  const p = row.payload as { status?: string; percent?: number; message?: string; attempt?: number };
  const what =
    row.kind === 'status'
      ? html`status <strong>${p.status}</strong>${p.attempt ? html` (attempt ${p.attempt})` : ''}`
      : html`progress ${p.percent} %${p.message ? html` — ${p.message}` : ''}`;
  return html`<li data-seq="${row.seq}">${timeOf(row.created_at)} · ${what}</li>`;
}

function deliveriesSection(job: Job, deliveries: DeliveryAttempt[]) {
  if (!job.callback) return html`<p class="muted">No callback URL.</p>`;
  const rows = deliveries.length
    ? deliveries.map(
        (d) => html`<tr>
          <td>${d.attempt}</td><td>${timeOf(d.at)}</td><td>${d.status_code ?? '—'}</td>
          <td>${d.error ?? ''}</td><td>${d.duration_ms} ms</td><td>${timeOf(d.next_attempt_at)}</td>
        </tr>`,
      )
    : html`<tr><td colspan="6" class="muted">No attempts yet.</td></tr>`;
  const finished = !isActive(job);
  return html`<p>To <code>${job.callback.url}</code>: ${job.callback.status}</p>
    <table aria-label="deliveries">
      <thead><tr><th>Attempt</th><th>At</th><th>Status</th><th>Error</th><th>Took</th><th>Next</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
    ${
      finished
        ? html`<form method="post" action="/dashboard/jobs/${job.id}/redeliver"><button type="submit">Redeliver now</button></form>`
        : ''
    }`;
}

export function jobPage({ job, timeline, deliveries, notice: message }: JobPageData) {
  const active = isActive(job);
  const outcome =
    job.status === 'succeeded'
      ? html`<p><a href="/dashboard/jobs/${job.id}/result" id="result-link">Open the result</a></p>`
      : job.error
        ? html`<h2>Error</h2><pre>${JSON.stringify(job.error, null, 2)}</pre>`
        : '';
  return html`<h1>Job <code>${job.id}</code></h1>
    ${notice(message)}
    <div ${active ? html`data-live="${job.id}" data-reload-when-done="${job.id}"` : ''}>
      <dl class="facts">
        <dt>Type</dt><dd>${job.type}</dd>
        <dt>Status</dt><dd>${statusBadge(job)}</dd>
        <dt>Progress</dt><dd>${progressBar(job)}</dd>
        <dt>Attempt</dt><dd>${job.attempt}</dd>
        <dt>Created</dt><dd>${timeOf(job.created_at)}</dd>
        <dt>Started</dt><dd>${timeOf(job.started_at)}</dd>
        <dt>Finished</dt><dd>${timeOf(job.finished_at)}</dd>
        <dt>Metadata</dt><dd><code>${JSON.stringify(job.metadata)}</code></dd>
      </dl>
    </div>
    ${outcome}
    ${
      active
        ? html`<form method="post" action="/dashboard/jobs/${job.id}/cancel"><button type="submit">Cancel</button></form>`
        : ''
    }
    <h2>Events</h2>
    <ol class="timeline" aria-label="events">${timeline.map(timelineEntry)}</ol>
    ${timeline.length === 0 ? html`<p class="muted">No recorded events (purged with the result, or none yet).</p>` : ''}
    <h2>Callback deliveries</h2>
    ${deliveriesSection(job, deliveries)}`;
}
