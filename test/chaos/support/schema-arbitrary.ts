// fast-check arbitraries derived from the service's OpenAPI document (JSON Schema 2020-12 as
// zod emits it): values that match a schema, for property-based requests. Covers what the
// document uses — $ref, oneOf/anyOf/allOf, enum/const, strings (length, pattern, formats we
// use), integers/numbers with bounds, arrays, objects — and falls back to any JSON.
import fc from 'fast-check';

type Schema = Record<string, unknown>;

export function createSchemaArbitraries(document: Schema) {
  const resolve = (ref: string): Schema => {
    let node: unknown = document;
    for (const token of ref.replace(/^#\//, '').split('/')) {
      node = (node as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    return node as Schema;
  };

  function arbitraryOf(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
    if (!schema || depth > 6) return fc.jsonValue({ maxDepth: 2 });
    if (typeof schema.$ref === 'string') return arbitraryOf(resolve(schema.$ref), depth + 1);
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    for (const key of ['oneOf', 'anyOf'] as const) {
      if (Array.isArray(schema[key]))
        return fc.oneof(...(schema[key] as Schema[]).map((s) => arbitraryOf(s, depth + 1)));
    }
    if (Array.isArray(schema.allOf)) {
      const merged: Schema = { type: 'object', properties: {}, required: [] };
      for (const part of schema.allOf as Schema[]) {
        const s = typeof part.$ref === 'string' ? resolve(part.$ref) : part;
        Object.assign(merged.properties as Schema, s.properties ?? {});
        (merged.required as string[]).push(...((s.required as string[]) ?? []));
      }
      return arbitraryOf(merged, depth + 1);
    }
    const type = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
    if (type.length > 1) return fc.oneof(...type.map((t) => arbitraryOf({ ...schema, type: t }, depth + 1)));
    switch (type[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({
          min: (schema.minimum as number | undefined) ?? -1_000_000,
          max: (schema.maximum as number | undefined) ?? 1_000_000,
        });
      case 'number':
        return fc.double({
          min: (schema.minimum as number | undefined) ?? -1e6,
          max: (schema.maximum as number | undefined) ?? 1e6,
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'string': {
        if (schema.format === 'date-time')
          return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
        if (schema.format === 'uri') return fc.webUrl();
        if (typeof schema.pattern === 'string')
          return fc.stringMatching(new RegExp(schema.pattern as string));
        return fc.string({
          minLength: (schema.minLength as number | undefined) ?? 0,
          maxLength: Math.min((schema.maxLength as number | undefined) ?? 40, 40),
        });
      }
      case 'array':
        return fc.array(arbitraryOf(schema.items as Schema, depth + 1), {
          minLength: (schema.minItems as number | undefined) ?? 0,
          maxLength: Math.min((schema.maxItems as number | undefined) ?? 3, 3),
        });
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        const required = new Set((schema.required as string[]) ?? []);
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, s] of Object.entries(properties)) record[name] = arbitraryOf(s, depth + 1);
        return fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }
  return arbitraryOf;
}
