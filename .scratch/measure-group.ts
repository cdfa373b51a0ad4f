import { PgBoss } from 'pg-boss';
import { startBenchDatabase } from '../bench/support/bench-database.ts';
const db = await startBenchDatabase({ statStatements: false });
const boss = new PgBoss({ connectionString: db.url, schedule: false, supervise: false } as never);
boss.on('error', console.error);
await boss.start();
const q = 'fair';
await boss.createQueue(q);
async function fill(n: number, group: string) {
  for (let i = 0; i < n; i += 1000) {
    await boss.insert(q, Array.from({ length: Math.min(1000, n - i) }, () => ({ data: {}, group: { id: group } })));
  }
}
for (const backlog of [5000, 50000]) {
  await db.sql.unsafe(`delete from pgboss.job where name = '${q}'`);
  await fill(backlog, 'A');
  await db.sql.unsafe('analyze pgboss.job');
  // A holds 16 active
  await boss.fetch(q, { batchSize: 16 });
  const time = async (label: string, opts: object) => {
    const t: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const jobs = await boss.fetch(q, opts as never);
      t.push(performance.now() - s);
      // put back
      if (jobs.length) await db.sql.unsafe(`update pgboss.job set state='created', started_on=null where id = '${jobs[0].id}'`);
    }
    t.sort((a, b) => a - b);
    console.log(backlog, label, 'p50', t[10].toFixed(2), 'ms p90', t[18].toFixed(2));
  };
  await time('plain fetch', { batchSize: 1 });
  await time('group cap 1 (A at cap, nothing else)', { batchSize: 1, groupConcurrency: 1 });
  await time('group cap 4', { batchSize: 1, groupConcurrency: 4 });
  await boss.send(q, {}, { group: { id: 'B' } });
  await time('group cap 1 with B waiting', { batchSize: 1, groupConcurrency: 1 });
}
await boss.stop({ graceful: false });
await db.stop();
