// The sign-in form: an API key, posted once and kept in the session cookie from then on.
import { html } from 'hono/html';
import { notice } from './components.ts';

export function loginPage(error?: string) {
  return html`<h1>Sign in</h1>
    <p>Paste an API key (<code>npm run apikey -- create &lt;owner&gt;</code>). You will see that owner's jobs only.</p>
    ${notice(error, 'error')}
    <form method="post" action="/dashboard/login" class="stacked">
      <div>
        <label for="api_key">API key</label>
        <input id="api_key" name="api_key" type="password" autocomplete="off" required size="60" />
      </div>
      <button type="submit">Sign in</button>
    </form>`;
}
