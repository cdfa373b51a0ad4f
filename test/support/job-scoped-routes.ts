// Every route that names a job, for the shared ownership (IDOR) suite: each must answer a
// missing, a foreign and a malformed id with the very same 404.
export interface JobScopedRoute {
  name: string;
  method: 'GET' | 'POST';
  path: (id: string) => string;
  /** Status the owner gets for an existing (finished) job. */
  ownerStatus: number;
}

export const jobScopedRoutes: JobScopedRoute[] = [
  { name: 'getJob', method: 'GET', path: (id) => `/v1/jobs/${id}`, ownerStatus: 303 },
  { name: 'getJobResult', method: 'GET', path: (id) => `/v1/jobs/${id}/result`, ownerStatus: 200 },
  { name: 'cancelJob', method: 'POST', path: (id) => `/v1/jobs/${id}/cancel`, ownerStatus: 409 },
  // a finished job's stream sends its final status and closes
  { name: 'streamJobEvents', method: 'GET', path: (id) => `/v1/jobs/${id}/events`, ownerStatus: 200 },
  { name: 'listDeliveries', method: 'GET', path: (id) => `/v1/jobs/${id}/deliveries`, ownerStatus: 200 },
  // the owner's job has no callback_url: 409, but never a 404
  { name: 'redeliverCallback', method: 'POST', path: (id) => `/v1/jobs/${id}/deliveries`, ownerStatus: 409 },
];
