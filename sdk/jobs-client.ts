// createJobsClient: a thin typed layer over the HTTP API (types generated from openapi.json).
// Reads the status monitor with redirect: 'manual' and fetches the 303's result itself, with the
// Authorization header, because clients that follow redirects may drop it (or GET the result
// with a generator's wrong expectations of a 3xx).
import type {
  Job,
  JobBatch,
  JobList,
  JobResult,
  ListJobsQuery,
  Progress,
  SubmitJobRequest,
} from './api-types.ts';
import { JobFailedError, toJobsApiError } from './jobs-api-error.ts';
import { waitForJob } from './wait-for-result.ts';

export interface JobsClientOptions {
  /** Where the service is, e.g. https://jobs.example.com (no trailing /v1). */
  baseUrl: string;
  apiKey: string;
  /** Defaults to the global fetch, looked up at each call. */
  fetch?: typeof fetch;
}

export interface SubmitOptions {
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long: rejects with a TimeoutError DOMException. */
  timeoutMs?: number;
  onProgress?: (progress: Progress, job: Job) => void;
}

/** What GET /v1/jobs/{id} answered, read without following the 303. */
export interface JobStatusAnswer {
  status: 200 | 303 | 304;
  job: Job | undefined;
  etag: string | undefined;
  retryAfterSeconds: number | undefined;
  /** The result URL (absolute) when the job succeeded. */
  resultUrl: string | undefined;
}

export type JobsClient = ReturnType<typeof createJobsClient>;

export function createJobsClient(options: JobsClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${options.apiKey}`);
    // Never follow redirects: a 303 is read here and its target fetched with our credentials.
    return doFetch(new URL(path, `${baseUrl}/`).toString(), { ...init, headers, redirect: 'manual' });
  }

  async function expectJson<T>(response: Response, ok: readonly number[]): Promise<T> {
    if (!ok.includes(response.status)) throw await toJobsApiError(response);
    return (await response.json()) as T;
  }

  const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

  async function readStatus(id: string, init: { etag?: string; signal?: AbortSignal } = {}) {
    const headers: Record<string, string> = {};
    if (init.etag) headers['if-none-match'] = init.etag;
    const response = await call(jobPath(id), { headers, signal: init.signal ?? null });
    if (![200, 303, 304].includes(response.status)) throw await toJobsApiError(response);
    const retryAfter = Number(response.headers.get('retry-after'));
    const location = response.headers.get('location');
    const answer: JobStatusAnswer = {
      status: response.status as 200 | 303 | 304,
      job: response.status === 304 ? undefined : ((await response.json()) as Job),
      etag: response.headers.get('etag') ?? undefined,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      resultUrl: location ? new URL(location, `${baseUrl}/`).toString() : undefined,
    };
    if (response.status === 304) await response.body?.cancel();
    return answer;
  }

  async function fetchResult(url: string, signal?: AbortSignal): Promise<JobResult> {
    const response = await call(url, { signal: signal ?? null });
    if (response.status !== 200) throw await toJobsApiError(response);
    const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
    const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
      return { contentType, value: await response.json() };
    }
    if (mediaType.startsWith('text/')) return { contentType, value: await response.text() };
    return { contentType, value: new Uint8Array(await response.arrayBuffer()) };
  }

  return {
    /**
     * POST /v1/jobs: the queued job (202). A replayed Idempotency-Key answers the same job.
     * `run_at` (RFC 3339) schedules it; `priority` (-100..100) orders the owner's own jobs.
     */
    async submit(request: SubmitJobRequest, opts: SubmitOptions = {}): Promise<Job> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      const response = await call('/v1/jobs', {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        signal: opts.signal ?? null,
      });
      return expectJson<Job>(response, [202]);
    },

    /**
     * POST /v1/jobs/batch: the queued jobs (202), in request order, all created or none (a
     * JobsApiError: 422 with pointers /jobs/{index}/..., or 429 over the cap). Each request may
     * carry run_at and priority like submit(). A replayed Idempotency-Key answers the same jobs.
     */
    async submitBatch(requests: SubmitJobRequest[], opts: SubmitOptions = {}): Promise<Job[]> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      const response = await call('/v1/jobs/batch', {
        method: 'POST',
        headers,
        body: JSON.stringify({ jobs: requests }),
        signal: opts.signal ?? null,
      });
      return (await expectJson<JobBatch>(response, [202])).data;
    },

    /** GET /v1/jobs/{id}: the job in any status (the 303 of a succeeded job is not followed). */
    async get(id: string, opts: { signal?: AbortSignal } = {}): Promise<Job> {
      const answer = await readStatus(id, opts);
      if (!answer.job) throw new Error('unexpected 304 without If-None-Match');
      return answer.job;
    },

    /** The status monitor's answer as it is: status, job, ETag, Retry-After, result URL. */
    readStatus,

    /** POST /v1/jobs/{id}/cancel: canceled at once if queued, requested if running. */
    async cancel(id: string, opts: { signal?: AbortSignal } = {}): Promise<Job> {
      const response = await call(`${jobPath(id)}/cancel`, { method: 'POST', signal: opts.signal ?? null });
      return expectJson<Job>(response, [202]);
    },

    /** GET /v1/jobs, page by page (newest first) until next_cursor is null. */
    async *list(query: Omit<ListJobsQuery, 'cursor'> = {}, opts: { signal?: AbortSignal } = {}) {
      let cursor: string | undefined;
      do {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries({ ...query, cursor })) {
          if (v !== undefined) params.set(k, String(v));
        }
        const qs = params.size > 0 ? `?${params}` : '';
        const page = await expectJson<JobList>(
          await call(`/v1/jobs${qs}`, { signal: opts.signal ?? null }),
          [200],
        );
        yield page;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },

    /** GET /v1/jobs/{id}/result: the output of a succeeded job (409 problem otherwise). */
    async result(id: string, opts: { signal?: AbortSignal } = {}): Promise<JobResult> {
      return fetchResult(`${jobPath(id)}/result`, opts.signal);
    },

    /**
     * Resolves with the result once the job succeeds; rejects with JobFailedError if it fails or
     * is canceled, with a JobsApiError for a problem answer, or with the signal's reason.
     * Follows GET /v1/jobs/{id}/events when the service streams, otherwise polls.
     */
    async waitForResult(id: string, opts: WaitOptions = {}): Promise<JobResult> {
      const signals = [
        opts.signal,
        opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs),
      ];
      const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
      const job = await waitForJob({ call, readStatus, jobPath }, id, signal, opts.onProgress);
      if (job.status !== 'succeeded') throw new JobFailedError(job);
      return fetchResult(`${jobPath(id)}/result`, signal);
    },
  };
}
