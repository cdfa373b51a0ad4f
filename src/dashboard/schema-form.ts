// A job type's input JSON Schema (as GET /v1/job-types gives it) turned into form fields, and a
// submitted form turned back into the `input` object. Scalars get their own control; anything
// else (objects, arrays, any JSON) a JSON text area. The API validates the result, as always.
import type { FieldError } from '../http/problem.ts';

type JsonSchema = Record<string, unknown>;

export type FieldKind = 'integer' | 'number' | 'string' | 'boolean' | 'enum' | 'json';

export interface FormField {
  /** The property name; the control is named `input.<name>`. */
  name: string;
  kind: FieldKind;
  required: boolean;
  defaultValue?: unknown;
  description?: string;
  options?: string[];
  minimum?: number;
  maximum?: number;
  format?: string;
}

function kindOf(schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) return 'enum';
  switch (schema.type) {
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

export function formFieldsOf(inputSchema: JsonSchema): FormField[] {
  const properties = (inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((inputSchema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => {
    const field: FormField = { name, kind: kindOf(schema), required: required.has(name) };
    if (schema.default !== undefined) field.defaultValue = schema.default;
    if (typeof schema.description === 'string') field.description = schema.description;
    if (field.kind === 'enum') field.options = schema.enum as string[];
    if (typeof schema.minimum === 'number') field.minimum = schema.minimum;
    if (typeof schema.maximum === 'number') field.maximum = schema.maximum;
    if (typeof schema.format === 'string') field.format = schema.format;
    return field;
  });
}

export type FormValues = Record<string, string | undefined>;

/**
 * The `input` object from a form's values (`input.<name>` → value). Empty optional fields are left
 * out, so the type's defaults apply. Text that cannot be what its field needs is an error with
 * the same JSON Pointer the API would use.
 */
export function readInputFromForm(
  fields: readonly FormField[],
  values: FormValues,
): { input: Record<string, unknown>; errors: FieldError[] } {
  const input: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const field of fields) {
    const raw = values[`input.${field.name}`];
    const pointer = `/input/${field.name}`;
    if (field.kind === 'boolean') {
      input[field.name] = raw === 'on' || raw === 'true';
      continue;
    }
    if (raw === undefined || raw.trim() === '') continue;
    if (field.kind === 'integer' || field.kind === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) errors.push({ pointer, detail: 'must be a number' });
      else input[field.name] = n;
    } else if (field.kind === 'json') {
      try {
        input[field.name] = JSON.parse(raw);
      } catch {
        errors.push({ pointer, detail: 'must be JSON' });
      }
    } else {
      input[field.name] = raw;
    }
  }
  return { input, errors };
}
