// The JSON Schema 2020-12 validator the conformance checks use: Ajv with ajv-formats.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export function createJsonSchemaValidator(document: object, id: string) {
  // strict: false — the OpenAPI document carries keywords that are not JSON Schema (example,
  // discriminator, paths, ...); they are annotations here.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  ajv.addSchema(document as never, id);
  return ajv;
}
