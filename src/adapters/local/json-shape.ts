import type { ErrorObject, SchemaObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as unknown as FormatsPlugin;

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));

/**
 * A check that a document read from one of local mode's files has the shape `schema` (JSON Schema
 * 2020-12) describes. It throws one Error listing every problem (`keys[0].id must match pattern
 * "^[0-9a-f]{12}$"`), so a person fixing the file by hand sees them all at once; otherwise it
 * returns the document, typed as the schema promises.
 */
export function shapeCheck<T>(schema: SchemaObject): (document: unknown) => T {
  const problemsOf = shapeProblems(schema);
  return (document) => {
    const problems = problemsOf(document);
    if (problems.length === 0) return document as T;
    throw new Error(problems.join('; '));
  };
}

/** Every way `document` departs from `schema`, one sentence each; empty when it conforms. */
export function shapeProblems(schema: SchemaObject): (document: unknown) => string[] {
  const validate = ajv.compile(schema);
  return (document) => (validate(document) ? [] : (validate.errors ?? []).map(describe));
}

function describe(error: ErrorObject): string {
  const where = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  const subject = where === '' ? 'the document' : where;
  if (error.keyword === 'additionalProperties') {
    return `${subject} has an unknown field "${String(error.params['additionalProperty'])}"`;
  }
  return `${subject} ${error.message ?? 'is not valid'}`;
}

/** The schema of local mode's files: `{"version": 1, "<field>": [item, …]}`. */
export function versionedList(field: string, item: SchemaObject): SchemaObject {
  return {
    type: 'object',
    required: ['version', field],
    properties: { version: { const: 1 }, [field]: { type: 'array', items: item } },
  };
}
