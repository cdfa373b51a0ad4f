import { it } from 'vitest';
import { killChildren } from '../support/child-service.ts';
import { startChaosService, startSubmitLoad } from './support/chaos.ts';
import { restartEmbedded, stopEmbedded } from './support/outage.ts';
it('debug', async () => {
  const s = await startChaosService({ WORKER_CONCURRENCY: '4' });
  const load = startSubmitLoad(() => s.url, s.key, 6, () => ({ type: 'demo.sleep', input: { duration_ms: 300, steps: 3 } }), 30);
  await new Promise((r) => setTimeout(r, 2000));
  await stopEmbedded(s.dataDir);
  await new Promise((r) => setTimeout(r, 4000));
  const pg = await restartEmbedded(s.dataDir);
  for (let i = 0; i < 30; i++) {
    const r = await fetch(`${s.url}/readyz`).catch((e) => e);
    console.log(i, r.status, r.status ? await r.text() : String(r));
    if (r.status === 200) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await load.stop();
  const c = new Map(); for (const r of load.results) c.set(r.status + ' ' + (r.networkError ?? ''), (c.get(r.status + ' ' + (r.networkError ?? '')) ?? 0) + 1);
  console.log([...c]);
  console.log(s.stderr().split('\n').filter((l) => !l.includes('queue error')).slice(-30).join('\n'));
  await killChildren();
  await pg.stop();
}, 120000);
