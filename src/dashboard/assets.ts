// The dashboard's stylesheet and its one script, served by the service itself (no CDN, no build):
// pages load them from /dashboard/assets/, which lets the CSP allow scripts from 'self' only.

export const DASHBOARD_CSS = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; gap: 2rem; align-items: center; padding: .75rem 1.5rem; background: #1d2330; color: #fff; }
header nav { display: flex; gap: 1rem; align-items: center; }
header a { color: #cfe0ff; text-decoration: none; }
header button { background: none; border: 1px solid #cfe0ff; color: #cfe0ff; border-radius: 4px; cursor: pointer; }
main { padding: 1.5rem; max-width: 72rem; }
h1 { font-size: 1.4rem; margin-top: 0; }
h2 { font-size: 1.1rem; margin-top: 1.75rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; color: #5b6475; }
a { color: #1f5fd1; }
code, pre { font-family: ui-monospace, monospace; font-size: .85rem; }
pre { background: #fff; border: 1px solid #e3e6eb; padding: .75rem; overflow: auto; max-height: 24rem; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .8rem; background: #e3e6eb; }
.status-queued { background: #eef1f5; }
.status-running { background: #dbe8ff; color: #1240a0; }
.status-succeeded { background: #d7f5e1; color: #0d6b32; }
.status-failed { background: #ffe0de; color: #a3170d; }
.status-canceled { background: #f2e8d5; color: #6e4e0d; }
.progress-cell { display: inline-flex; gap: .5rem; align-items: center; }
progress { width: 10rem; height: .8rem; }
.percent { min-width: 3.5rem; font-variant-numeric: tabular-nums; }
.progress-message, .muted { color: #5b6475; font-size: .85rem; }
.panels { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.filters { display: flex; gap: .75rem; align-items: end; margin-bottom: 1rem; flex-wrap: wrap; }
label { display: block; font-size: .85rem; color: #3a4252; }
input, select, textarea { font: inherit; padding: .3rem .4rem; }
textarea { width: 100%; min-height: 4rem; font-family: ui-monospace, monospace; }
form.stacked > div { margin-bottom: .9rem; max-width: 36rem; }
form.inline { display: inline; }
button { font: inherit; padding: .35rem .9rem; cursor: pointer; }
.notice { padding: .6rem .8rem; border-radius: 4px; background: #dbe8ff; }
.notice-error { background: #ffe0de; }
.field-error { color: #a3170d; font-size: .85rem; }
dl.facts { display: grid; grid-template-columns: 10rem 1fr; gap: .35rem .75rem; background: #fff; padding: 1rem; border: 1px solid #e3e6eb; }
dl.facts dt { color: #5b6475; }
dl.facts dd { margin: 0; }
`;

// Progress bars and status badges follow /dashboard/live (server-sent events for the jobs on the
// page). On a job's page, its final status reloads the page to show the result or the error.
export const LIVE_JS = `
(() => {
  const ids = [...new Set([...document.querySelectorAll('[data-live]')].map((e) => e.dataset.live))];
  if (ids.length === 0) return;
  const terminal = new Set(['succeeded', 'failed', 'canceled']);
  const reloadFor = document.body.querySelector('[data-reload-when-done]')?.dataset.reloadWhenDone;
  const source = new EventSource('/dashboard/live?ids=' + ids.map(encodeURIComponent).join(','));
  const each = (attr, id, fn) => document.querySelectorAll('[' + attr + '="' + CSS.escape(id) + '"]').forEach(fn);
  source.addEventListener('job', (event) => {
    const d = JSON.parse(event.data);
    if (typeof d.percent === 'number') {
      const p = Math.round(d.status === 'succeeded' ? 100 : d.percent);
      each('data-progress-of', d.job_id, (el) => { el.value = p; el.textContent = p + ' %'; });
      each('data-percent-of', d.job_id, (el) => { el.textContent = p + ' %'; });
    }
    if (typeof d.message === 'string') each('data-message-of', d.job_id, (el) => { el.textContent = d.message; });
    if (d.status) {
      each('data-status-of', d.job_id, (el) => { el.textContent = d.status; el.className = 'badge status-' + d.status; });
      if (terminal.has(d.status) && reloadFor === d.job_id) window.location.reload();
    }
  });
  // Every job on the page has finished: nothing more will come, so do not reconnect.
  source.addEventListener('end', () => source.close());
})();
`;
