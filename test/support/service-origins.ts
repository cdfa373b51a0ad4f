// The origins of the services tests start in this process: the conformance checks look only at
// answers from these, not at callback receivers or other loopback servers a test runs.
const origins = new Set<string>();

export function registerServiceOrigin(url: string): void {
  origins.add(new URL(url).origin);
}

export function unregisterServiceOrigin(url: string): void {
  origins.delete(new URL(url).origin);
}

export function isServiceOrigin(url: string): boolean {
  return URL.canParse(url) && origins.has(new URL(url).origin);
}
