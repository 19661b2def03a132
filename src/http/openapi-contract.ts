import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { isScope, type Scope } from '../domain/api-keys.js';
import { ERROR_CODES, type ErrorCode, ServiceError } from '../domain/errors.js';
import { checkOrigin } from '../domain/origin.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as unknown as FormatsPlugin;

/** `openapi.yaml` sits at the package root, two levels above both `src/http/` and `dist/http/`. */
export const OPENAPI_PATH = new URL('../../openapi.yaml', import.meta.url);

export interface ContractOperation {
  readonly operationId: string;
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path (the spec's paths have no parameters). */
  readonly path: string;
  /**
   * The scope an API key needs; `any` = any valid API key (a route that reveals nothing secret but
   * is not for the public); undefined for public routes (`security: []`).
   */
  readonly requiredScope: Scope | 'any' | undefined;
  readonly bodyLimit: 'default' | 'batch';
  readonly hasBody: boolean;
  readonly bodyRequired: boolean;
  /** Throws a ServiceError (400) when the body breaks the spec; undefined for body-less routes. */
  readonly validateBody: ((body: unknown) => void) | undefined;
}

export interface OpenApiContract {
  /** The YAML text, served at `/openapi.yaml`. */
  readonly text: string;
  readonly document: Record<string, unknown>;
  readonly operations: readonly ContractOperation[];
  /** A validator for `#/components/schemas/<name>` that throws a ServiceError. */
  schemaValidator(name: string): (value: unknown) => void;
  /** Raw ajv access to any JSON pointer in the document (tests check responses with it). */
  compile(pointer: string): ValidateFunction;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Keywords the OpenAPI document uses beside JSON Schema; ajv's strict mode must know them. */
const OPENAPI_KEYWORDS = [
  'openapi',
  'info',
  'servers',
  'paths',
  'components',
  'tags',
  'security',
  'webhooks',
  'jsonSchemaDialect',
  'externalDocs',
  'example',
  'discriminator',
  'xml',
  'x-error-code',
  'x-required-scope',
  'x-body-limit',
];
const DOCUMENT_ID = 'openapi.yaml';

/**
 * Reads `openapi.yaml` once and turns it into the server's routing table and request validators,
 * so the running server and its contract cannot drift apart. Compiled at start, never per request.
 */
export function loadOpenApiContract(path: URL | string = OPENAPI_PATH): OpenApiContract {
  const key = String(path);
  let contract = compiled.get(key);
  if (!contract) {
    contract = compileOpenApiContract(path);
    compiled.set(key, contract);
  }
  return contract;
}

// The compiled contract is immutable: every app in a process (a test file builds dozens) shares
// one instead of compiling the schemas again (about 350 ms each).
const compiled = new Map<string, OpenApiContract>();

function compileOpenApiContract(path: URL | string): OpenApiContract {
  const text = readFileSync(path, 'utf8');
  const document = parse(text) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: false, verbose: true, strict: true, strictRequired: false });
  addFormats(ajv);
  ajv.addVocabulary(OPENAPI_KEYWORDS);
  ajv.addSchema(document, DOCUMENT_ID);

  const compile = (pointer: string): ValidateFunction => {
    const validate = ajv.getSchema(`${DOCUMENT_ID}#${pointer}`);
    if (!validate) throw new Error(`openapi.yaml has no schema at ${pointer}`);
    return validate;
  };
  const throwingValidator = (pointer: string) => {
    const validate = compile(pointer);
    return (value: unknown) => {
      if (!validate(value)) throw toServiceError(validate.errors?.[0]);
    };
  };

  const operations: ContractOperation[] = [];
  const paths = document['paths'] as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const operationId = operation['operationId'] as string;
      const scope = operation['x-required-scope'] as string | undefined;
      if (scope !== undefined && scope !== 'any' && !isScope(scope)) {
        throw new Error(`${operationId}: unknown scope ${scope}`);
      }
      const requestBody = operation['requestBody'] as { required?: boolean } | undefined;
      const pointer = `/paths/${escapePointer(path)}/${method}/requestBody/content/application~1json/schema`;
      operations.push({
        operationId,
        method,
        path,
        requiredScope: scope as Scope | 'any' | undefined,
        bodyLimit: operation['x-body-limit'] === 'batch' ? 'batch' : 'default',
        hasBody: requestBody !== undefined,
        bodyRequired: requestBody?.required === true,
        validateBody: requestBody ? throwingValidator(pointer) : undefined,
      });
    }
  }

  return {
    text,
    document,
    operations,
    schemaValidator: (name) => throwingValidator(`/components/schemas/${name}`),
    compile,
  };
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** `/allowedOrigins/2` → `allowedOrigins[2]`; the root is called `body`. */
function fieldName(instancePath: string): string {
  if (instancePath === '') return 'body';
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

/** "1 item", "100 items". */
function items(limit: unknown): string {
  return `${String(limit)} ${limit === 1 ? 'item' : 'items'}`;
}

/** Caller-chosen names are echoed in messages, but never at any length. */
function truncate(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function errorCodeFor(error: ErrorObject): ErrorCode {
  const declared = (error.parentSchema as Record<string, unknown> | undefined)?.['x-error-code'];
  const code =
    typeof declared === 'string'
      ? declared
      : (declared as Record<string, string> | undefined)?.[error.keyword];
  return code !== undefined && (ERROR_CODES as readonly string[]).includes(code)
    ? (code as ErrorCode)
    : 'INVALID_REQUEST';
}

/** Our own words for each JSON Schema failure: no library text reaches a client. */
function describe(error: ErrorObject): string {
  const field = fieldName(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${field === 'body' ? '' : `${field}.`}${String(params['missingProperty'])} is required`;
    case 'additionalProperties': {
      const name = String(params['additionalProperty']);
      // A field named with PEM text (a key pasted in the wrong place) is never echoed, even in part.
      return name.includes('-----')
        ? `${field} has an unknown field whose name is PEM text`
        : `${field} has an unknown field "${truncate(name)}"`;
    }
    case 'type':
      return `${field} must be ${params['type'] === 'integer' ? 'a whole number' : `of type ${String(params['type'])}`}`;
    case 'maxLength':
      return `${field} must be at most ${String(params['limit'])} characters`;
    case 'minLength':
      return `${field} must be at least ${String(params['limit'])} characters`;
    case 'pattern':
      return `${field} ${patternRule(error)}`;
    case 'enum':
      return `${field} must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
    case 'minimum':
    case 'maximum':
      return `${field} must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params['limit'])}`;
    case 'minItems':
      return `${field} must have at least ${items(params['limit'])}`;
    case 'maxItems':
      return `${field} must have at most ${items(params['limit'])}`;
    case 'uniqueItems':
      return `${field} must not repeat an item (items ${String(params['j'])} and ${String(params['i'])} are equal)`;
    default:
      return `${field} is not valid (${error.keyword})`;
  }
}

/** What a pattern stands for, in words: a regular expression is no message for a person. */
function patternRule(error: ErrorObject): string {
  switch (errorCodeFor(error)) {
    case 'INVALID_ORIGIN':
      return typeof error.data === 'string'
        ? ((check) => (check.ok ? 'is not a valid origin' : check.reason))(checkOrigin(error.data))
        : 'is not a valid origin';
    case 'INVALID_CHANNEL_ARN':
      return 'must be an IVS channel ARN: arn:aws:ivs:<region>:<account>:channel/<id>';
    default:
      return 'is not in the expected format';
  }
}

function toServiceError(error: ErrorObject | undefined): ServiceError {
  if (!error) return new ServiceError('INVALID_REQUEST', 'the request body is not valid');
  const parent = fieldName(error.instancePath);
  const missing =
    error.keyword === 'required'
      ? String((error.params as Record<string, unknown>)['missingProperty'])
      : undefined;
  const field = missing === undefined ? parent : parent === 'body' ? missing : `${parent}.${missing}`;
  return new ServiceError(errorCodeFor(error), describe(error), {
    details: { field, rule: error.keyword },
  });
}
