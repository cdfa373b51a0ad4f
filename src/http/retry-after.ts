// Retry-After for a job still queued or running (RFC 9110 §10.2.3, whole delay-seconds ≥ 1):
// poll quickly while a job is young and back off as it ages, up to 10 s (Azure's LRO guidance).
export function retryAfterSeconds(createdAt: Date | string, now = Date.now()): number {
  const ageSeconds = (now - new Date(createdAt).getTime()) / 1000;
  return Math.min(10, Math.max(1, Math.ceil(ageSeconds / 10)));
}
