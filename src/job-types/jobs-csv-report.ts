// report.jobs_csv: real work with a file result: a CSV of the owner's jobs created in a time range.
import { z } from 'zod';
import { JOB_STATUSES } from '../jobs/job-status.ts';
import { defineJob } from './define-job-type.ts';

const PAGE_SIZE = 1000;

// RFC 4180: quote a field that holds a comma, quote or line break; double the quotes inside.
// A leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula (OWASP CSV injection).
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

interface ReportRow {
  seq: string;
  id: string;
  type: string;
  status: string;
  attempt: number;
  created_at: Date;
  finished_at: Date | null;
}

export const jobsCsvReport = defineJob({
  type: 'report.jobs_csv',
  description:
    'Builds a CSV report (text/csv) of your jobs created in [from, to), optionally of one status: id, type, status, attempt, created_at, finished_at, duration_ms.',
  input: z
    .object({
      from: z.iso.datetime({ offset: true }),
      to: z.iso.datetime({ offset: true }),
      status: z.enum(JOB_STATUSES).optional(),
    })
    .refine((v) => Date.parse(v.from) < Date.parse(v.to), {
      message: 'from must be before to',
      path: ['to'],
    }),
  output: z.string().describe('The CSV document'),
  resultContentType: 'text/csv; charset=utf-8',
  timeoutSeconds: 300,
  retry: { limit: 2, delaySeconds: 1 },
  async handler(input, ctx) {
    const lines = ['id,type,status,attempt,created_at,finished_at,duration_ms'];
    const total = await ctx.services.sql<{ n: number }[]>`
      select count(*)::int as n from jobs
      where owner_id = ${ctx.ownerId} and created_at >= ${input.from} and created_at < ${input.to}`;
    const expected = Math.max(1, total[0]?.n ?? 1);
    let after = '0';
    for (;;) {
      ctx.signal.throwIfAborted();
      const rows = await ctx.services.sql<ReportRow[]>`
        select seq, id, type, status, attempt, created_at, finished_at from jobs
        where owner_id = ${ctx.ownerId} and created_at >= ${input.from} and created_at < ${input.to}
          and seq > ${after} ${input.status ? ctx.services.sql`and status = ${input.status}` : ctx.services.sql``}
        order by seq limit ${PAGE_SIZE}`;
      for (const row of rows) {
        const created = new Date(row.created_at);
        const finished = row.finished_at ? new Date(row.finished_at) : null;
        lines.push(
          [
            row.id,
            row.type,
            row.status,
            row.attempt,
            created.toISOString(),
            finished?.toISOString() ?? '',
            finished ? finished.getTime() - created.getTime() : '',
          ]
            .map(csvField)
            .join(','),
        );
      }
      ctx.progress(
        Math.min(99, Math.round(((lines.length - 1) / expected) * 100)),
        `${lines.length - 1} rows`,
      );
      const last = rows.at(-1);
      if (!last || rows.length < PAGE_SIZE) break;
      after = last.seq;
    }
    return `${lines.join('\r\n')}\r\n`;
  },
});
