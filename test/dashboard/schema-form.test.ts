// The submit form is generated from a job type's input JSON Schema and read back into `input`.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formFieldsOf, readInputFromForm } from '../../src/dashboard/schema-form.ts';
import { demoSleep } from '../../src/job-types/demo-sleep.ts';
import { jobsCsvReport } from '../../src/job-types/jobs-csv-report.ts';

const schemaOf = (t: { input: z.ZodType }) =>
  z.toJSONSchema(t.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

describe('formFieldsOf', () => {
  it('gives demo.sleep integer fields with their bounds and default, and a JSON area for any-JSON output', () => {
    const fields = formFieldsOf(schemaOf(demoSleep));
    expect(fields).toEqual([
      { name: 'duration_ms', kind: 'integer', required: true, minimum: 0, maximum: 600000 },
      { name: 'steps', kind: 'integer', required: false, defaultValue: 10, minimum: 1, maximum: 1000 },
      { name: 'fail_with', kind: 'string', required: false },
      { name: 'output', kind: 'json', required: false },
    ]);
  });

  it('gives the CSV report date-time text fields and a status choice', () => {
    const fields = formFieldsOf(schemaOf(jobsCsvReport));
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['from', 'string', true],
      ['to', 'string', true],
      ['status', 'enum', false],
    ]);
    expect(fields[2]?.options).toContain('failed');
  });
});

describe('readInputFromForm', () => {
  const fields = formFieldsOf(schemaOf(demoSleep));

  it('turns numbers into numbers, parses JSON and leaves empty optional fields out', () => {
    const { input, errors } = readInputFromForm(fields, {
      'input.duration_ms': '2500',
      'input.steps': '',
      'input.fail_with': '',
      'input.output': '{"a":[1,2]}',
    });
    expect(errors).toEqual([]);
    expect(input).toEqual({ duration_ms: 2500, output: { a: [1, 2] } });
  });

  it('reports text that is not a number or not JSON at the pointer the API would use', () => {
    const { errors } = readInputFromForm(fields, { 'input.duration_ms': 'soon', 'input.output': '{oops' });
    expect(errors).toEqual([
      { pointer: '/input/duration_ms', detail: 'must be a number' },
      { pointer: '/input/output', detail: 'must be JSON' },
    ]);
  });
});
