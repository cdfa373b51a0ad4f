// The page frame, rendered by hono/jsx's jsxRenderer. The markup is hono's `html` template rather
// than JSX because the service runs on Node's type stripping, which does not transform JSX, and
// has no build step on purpose.
import { html } from 'hono/html';
import { jsxRenderer } from 'hono/jsx-renderer';

export interface PageProps {
  title: string;
  /** Signed-in pages show the navigation and a sign-out button. */
  signedIn?: boolean;
}

declare module 'hono' {
  interface ContextRenderer {
    // biome-ignore lint/style/useShorthandFunctionType: declaration merging needs the interface
    (content: unknown, props: PageProps): Response | Promise<Response>;
  }
}

export const dashboardLayout = jsxRenderer(({ children, title, signedIn }) => {
  const nav = signedIn
    ? html`<nav>
        <a href="/dashboard">Jobs</a>
        <a href="/dashboard/submit">Submit a job</a>
        <form method="post" action="/dashboard/logout" class="inline"><button type="submit">Sign out</button></form>
      </nav>`
    : html``;
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title} · Async Jobs</title>
      <link rel="stylesheet" href="/dashboard/assets/dashboard.css" />
      <script src="/dashboard/assets/live.js" defer></script>
    </head>
    <body>
      <header><strong>Async Jobs</strong>${nav}</header>
      <main>${children}</main>
    </body>
  </html>`;
});
