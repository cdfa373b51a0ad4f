// Documents POST /v1/jobs as a discriminated union on `type`: one SubmitXxxJob schema per
// registered job type, its `input` the type's own zod schema as JSON Schema. The route itself
// still validates only the envelope; `input` is checked per type in submitJob, so 422 pointers
// stay /input/... — this only changes what the document (and the SDK generated from it) says.
import { z } from 'zod';
import type { AnyJobType } from '../job-types/define-job-type.ts';
import type { JobTypeRegistry } from '../job-types/registry.ts';
import type { OpenApiDocument } from './document-config.ts';

type JsonSchema = Record<string, unknown>;

/** 'report.jobs_csv' → 'SubmitReportJobsCsvJob': a stable component name per type. */
export function submitSchemaName(type: string): string {
  const words = type.split(/[._-]+/).filter(Boolean);
  return `Submit${words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('')}Job`;
}

/** True for zod's z.json(): any JSON value, recursively. */
function isJsonValueSchema(def: JsonSchema): boolean {
  const anyOf = def.anyOf as JsonSchema[] | undefined;
  return anyOf?.length === 6 && anyOf.some((s) => s.type === 'null') && anyOf.some((s) => s.type === 'array');
}

/** Rewrites every `#/$defs/<key>` reference in `node` by `renames`. */
function rewriteRefs(node: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, renames));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' ? (renames.get(v) ?? v) : rewriteRefs(v, renames),
    ]),
  );
}

/**
 * The type's input as JSON Schema. zod puts shared and recursive parts in a local `$defs` with
 * `#/$defs/...` references, which would resolve against the document root once inlined: they are
 * moved to components (z.json() as the one `JsonValue`) and the references rewritten.
 */
function inputSchemaOf(t: AnyJobType, componentName: string, schemas: Record<string, unknown>): JsonSchema {
  const {
    $schema: _dialect,
    $defs,
    ...schema
  } = z.toJSONSchema(t.input, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  const defs = ($defs ?? {}) as Record<string, JsonSchema>;
  const renames = new Map<string, string>();
  for (const [key, def] of Object.entries(defs)) {
    const name = isJsonValueSchema(def) ? 'JsonValue' : `${componentName}${key.replace(/\W/g, '')}`;
    renames.set(`#/$defs/${key}`, `#/components/schemas/${name}`);
  }
  for (const [key, def] of Object.entries(defs)) {
    const target = renames.get(`#/$defs/${key}`)?.split('/').at(-1) ?? key;
    schemas[target] = rewriteRefs(
      target === 'JsonValue' ? { ...def, description: 'Any JSON value.' } : def,
      renames,
    );
  }
  return { ...(rewriteRefs(schema, renames) as JsonSchema), description: t.description };
}

export function addJobTypeSchemas(doc: OpenApiDocument, registry: JobTypeRegistry): OpenApiDocument {
  const schemas = doc.components?.schemas;
  const envelope = schemas?.SubmitJobRequest as JsonSchema | undefined;
  if (!schemas || !envelope || registry.size === 0) return doc;
  const envelopeProps = (envelope.properties ?? {}) as Record<string, JsonSchema>;
  const mapping: Record<string, string> = {};
  for (const t of [...registry.values()].sort((a, b) => a.type.localeCompare(b.type))) {
    const name = submitSchemaName(t.type);
    // submitJob parses a missing input as {}: input is required exactly when {} is not valid.
    const inputRequired = !t.input.safeParse({}).success;
    schemas[name] = {
      type: 'object',
      description: `Submit a ${t.type} job.`,
      properties: {
        ...envelopeProps,
        type: { type: 'string', const: t.type },
        input: inputSchemaOf(t, name, schemas),
      },
      required: inputRequired ? ['type', 'input'] : ['type'],
    };
    mapping[t.type] = `#/components/schemas/${name}`;
  }
  schemas.SubmitJobRequest = {
    description: 'A job to run: `type` selects the job type and the schema of `input`.',
    oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'type', mapping },
  };
  return doc;
}
