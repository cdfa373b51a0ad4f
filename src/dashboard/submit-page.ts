// Submit a job of any registered type: a form generated from the type's input JSON Schema.
import { html } from 'hono/html';
import type { FieldError } from '../http/problem.ts';
import { notice } from './components.ts';
import type { FormField, FormValues } from './schema-form.ts';
import type { JobTypeInfo } from './view-types.ts';

export interface SubmitPageData {
  types: JobTypeInfo[];
  selected: JobTypeInfo | undefined;
  fields: FormField[];
  values: FormValues;
  errors: FieldError[];
  message?: string | undefined;
}

function errorsAt(errors: FieldError[], pointer: string) {
  const mine = errors.filter((e) => e.pointer === pointer || e.pointer.startsWith(`${pointer}/`));
  return mine.map((e) => html`<div class="field-error">${e.detail}</div>`);
}

function control(field: FormField, value: string | undefined) {
  const id = `input.${field.name}`;
  const shown =
    value ??
    (field.defaultValue === undefined
      ? ''
      : field.kind === 'json'
        ? JSON.stringify(field.defaultValue)
        : String(field.defaultValue));
  switch (field.kind) {
    case 'integer':
    case 'number':
      return html`<input id="${id}" name="${id}" type="number" step="${field.kind === 'integer' ? '1' : 'any'}"
        ${field.minimum === undefined ? '' : html`min="${field.minimum}"`} ${field.maximum === undefined ? '' : html`max="${field.maximum}"`}
        value="${shown}" ${field.required ? 'required' : ''} />`;
    case 'boolean':
      return html`<input id="${id}" name="${id}" type="checkbox" ${shown === 'true' || shown === 'on' ? 'checked' : ''} />`;
    case 'enum':
      return html`<select id="${id}" name="${id}">
        ${field.required ? '' : html`<option value="">—</option>`}
        ${(field.options ?? []).map((o) => html`<option value="${o}" ${o === shown ? 'selected' : ''}>${o}</option>`)}
      </select>`;
    case 'json':
      return html`<textarea id="${id}" name="${id}" placeholder="any JSON">${shown}</textarea>`;
    default:
      return html`<input id="${id}" name="${id}" type="text" value="${shown}" size="40"
        ${field.format === 'date-time' ? html`placeholder="2026-01-01T00:00:00Z"` : ''} ${field.required ? 'required' : ''} />`;
  }
}

function fieldRow(field: FormField, values: FormValues, errors: FieldError[]) {
  return html`<div>
    <label for="input.${field.name}">${field.name}${field.required ? ' *' : ''} <span class="muted">${field.kind}${field.format ? ` (${field.format})` : ''}${field.minimum !== undefined || field.maximum !== undefined ? ` ${field.minimum ?? ''}…${field.maximum ?? ''}` : ''}</span></label>
    ${control(field, values[`input.${field.name}`])}
    ${field.description ? html`<div class="muted">${field.description}</div>` : ''}
    ${errorsAt(errors, `/input/${field.name}`)}
  </div>`;
}

export function submitPage(data: SubmitPageData) {
  const typePicker = html`<form method="get" action="/dashboard/submit" class="filters" aria-label="job type">
    <div>
      <label for="type">Job type</label>
      <select id="type" name="type">
        ${data.types.map((t) => html`<option value="${t.type}" ${t.type === data.selected?.type ? 'selected' : ''}>${t.type}</option>`)}
      </select>
    </div>
    <button type="submit">Choose</button>
  </form>`;
  if (!data.selected) return html`<h1>Submit a job</h1>${typePicker}`;
  const otherErrors = data.errors.filter((e) => !e.pointer.startsWith('/input/'));
  return html`<h1>Submit a job</h1>
    ${typePicker}
    <p>${data.selected.description}</p>
    ${notice(data.message, 'error')}
    ${otherErrors.map((e) => html`<div class="field-error">${e.pointer || '/'}: ${e.detail}</div>`)}
    <form method="post" action="/dashboard/submit" class="stacked" aria-label="submit">
      <input type="hidden" name="type" value="${data.selected.type}" />
      ${data.fields.map((f) => fieldRow(f, data.values, data.errors))}
      <div>
        <label for="callback_url">callback_url <span class="muted">optional</span></label>
        <input id="callback_url" name="callback_url" type="url" value="${data.values.callback_url ?? ''}" size="50" />
        ${errorsAt(data.errors, '/callback_url')}
      </div>
      <button type="submit">Submit</button>
    </form>`;
}
