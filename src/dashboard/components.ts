// Small pieces every dashboard page uses: status badges, progress bars, times, notices.
// Values go through hono's html template, which escapes every interpolation.
import { html } from 'hono/html';
import type { Job } from './view-types.ts';

export function statusBadge(job: Pick<Job, 'id' | 'status'>) {
  return html`<span class="badge status-${job.status}" data-status-of="${job.id}">${job.status}</span>`;
}

/** A job's progress in percent as the page first shows it (a succeeded job is at 100). */
export function percentOf(job: Pick<Job, 'status' | 'progress'>): number {
  if (job.status === 'succeeded') return 100;
  return Math.round(job.progress?.percent ?? 0);
}

/** A native <progress> (no inline styles, so the page runs under a strict CSP); live.js moves it. */
export function progressBar(job: Pick<Job, 'id' | 'status' | 'progress'>) {
  const percent = percentOf(job);
  return html`<span class="progress-cell">
    <progress max="100" value="${percent}" data-progress-of="${job.id}" aria-label="progress of ${job.id}">${percent} %</progress>
    <span class="percent" data-percent-of="${job.id}">${percent} %</span>
    <span class="progress-message" data-message-of="${job.id}">${job.progress?.message ?? ''}</span>
  </span>`;
}

export function timeOf(value: string | Date | null | undefined) {
  if (!value) return html`<span class="muted">—</span>`;
  const iso = value instanceof Date ? value.toISOString() : value;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}

export function notice(text: string | undefined, kind: 'info' | 'error' = 'info') {
  return text ? html`<p class="notice notice-${kind}" role="status">${text}</p>` : html``;
}
