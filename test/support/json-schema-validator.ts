// The JSON Schema 2020-12 validator the conformance checks use: Ajv. `ajv` itself is not a direct
// dependency yet, so this takes the Ajv 8 build that @redocly/cli brings (@redocly/ajv, same API);
// once `ajv` and `ajv-formats` are devDependencies, swap the import and use addFormats(ajv).
import Ajv2020 from '@redocly/ajv/dist/2020';

// RFC 3339 §5.6 date-time, the one format our responses carry besides uri.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function createJsonSchemaValidator(document: object, id: string) {
  // strict: false — the OpenAPI document carries keywords that are not JSON Schema (example,
  // discriminator, paths, ...); they are annotations here.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  ajv.addFormat('date-time', (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addSchema(document as never, id);
  return ajv;
}
