import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ErrorSpec, ivsErrors, secretsManagerErrors } from '../support/aws-stand-in/error-catalog.js';
import { matchesConstraintPattern } from '../support/aws-stand-in/validate.js';
import {
  ivsOperations,
  type OperationSpec,
  type Shape,
  type StructureShape,
  secretsManagerOperations,
} from '../support/aws-stand-in/validation-table.js';

// The AWS API models live beside the repository in the development workspace only (see their
// README); a fresh clone has none, and then this suite is skipped, saying so.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelsDir = path.resolve(repoRoot, '../shared/aws-models');
const haveModels = existsSync(modelsDir);
if (!haveModels) {
  console.warn(
    `stand-in-conformance: skipped, ${modelsDir} does not exist (the AWS API models are not in this checkout)`,
  );
}

interface ModelMember {
  shape: string;
  location?: string;
  locationName?: string;
}
interface ModelShape {
  type: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  required?: string[];
  members?: Record<string, ModelMember>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  exception?: boolean;
  fault?: boolean;
  error?: { httpStatusCode?: number };
}
interface Model {
  operations: Record<string, { http: { method: string; requestUri: string }; input?: { shape: string } }>;
  shapes: Record<string, ModelShape>;
}

function loadModel(file: string): Model {
  return JSON.parse(readFileSync(path.join(modelsDir, file), 'utf8')) as Model;
}

/** A real ARN the generic tagging pattern in the IVS model wrongly refuses. */
const realKeyPairArn = 'arn:aws:ivs:us-west-2:123456789012:playback-key/AbCdEfGhIjKl';

function compareShape(
  table: Shape,
  model: Model,
  modelShapeName: string,
  at: string,
  problems: string[],
): void {
  const modelShape = model.shapes[modelShapeName];
  if (!modelShape) {
    problems.push(`${at}: model shape ${modelShapeName} missing`);
    return;
  }
  if (table.type !== modelShape.type) {
    problems.push(`${at}: type ${table.type} in the table, ${modelShape.type} in the model`);
    return;
  }
  if ('min' in table || 'min' in modelShape || 'max' in table || 'max' in modelShape) {
    const tableRange = {
      min: 'min' in table ? table.min : undefined,
      max: 'max' in table ? table.max : undefined,
    };
    if (tableRange.min !== modelShape.min)
      problems.push(`${at}: min ${tableRange.min} in the table, ${modelShape.min} in the model`);
    if (tableRange.max !== modelShape.max)
      problems.push(`${at}: max ${tableRange.max} in the table, ${modelShape.max} in the model`);
  }
  switch (table.type) {
    case 'string': {
      if (table.modelDeviation) {
        if (modelShape.pattern !== table.modelDeviation.pattern) {
          problems.push(
            `${at}: the deviation names pattern ${table.modelDeviation.pattern}, the model has ${modelShape.pattern}`,
          );
        }
        // The documented exception must still be needed, and the replacement must fix it.
        if (
          modelShape.pattern !== undefined &&
          matchesConstraintPattern(modelShape.pattern, realKeyPairArn)
        ) {
          problems.push(`${at}: the model pattern now accepts ${realKeyPairArn}; drop the deviation`);
        }
        if (table.pattern === undefined || !matchesConstraintPattern(table.pattern, realKeyPairArn)) {
          problems.push(`${at}: the stand-in pattern refuses the real ARN ${realKeyPairArn}`);
        }
      } else if (table.pattern !== modelShape.pattern) {
        problems.push(`${at}: pattern ${table.pattern} in the table, ${modelShape.pattern} in the model`);
      }
      if (JSON.stringify(table.enum) !== JSON.stringify(modelShape.enum)) {
        problems.push(
          `${at}: enum ${JSON.stringify(table.enum)} in the table, ${JSON.stringify(modelShape.enum)} in the model`,
        );
      }
      return;
    }
    case 'list':
      if (modelShape.member) compareShape(table.member, model, modelShape.member.shape, `${at}[]`, problems);
      return;
    case 'map':
      if (modelShape.key) compareShape(table.key, model, modelShape.key.shape, `${at}{key}`, problems);
      if (modelShape.value)
        compareShape(table.value, model, modelShape.value.shape, `${at}{value}`, problems);
      return;
    case 'structure':
      compareStructure(table, model, modelShapeName, at, problems);
      return;
    default:
      return;
  }
}

function compareStructure(
  table: StructureShape,
  model: Model,
  modelShapeName: string,
  at: string,
  problems: string[],
): void {
  const modelShape = model.shapes[modelShapeName];
  const modelMembers = modelShape?.members ?? {};
  const modelRequired = modelShape?.required ?? [];
  for (const [name, member] of Object.entries(table.members)) {
    const modelMember = modelMembers[name];
    const where = at === '' ? name : `${at}.${name}`;
    if (!modelMember) {
      problems.push(`${where}: accepted by the stand-in but not a member of ${modelShapeName}`);
      continue;
    }
    if ((member.required ?? false) !== modelRequired.includes(name)) {
      problems.push(
        `${where}: required ${member.required ?? false} in the table, ${modelRequired.includes(name)} in the model`,
      );
    }
    if (member.location !== modelMember.location) {
      problems.push(
        `${where}: location ${member.location} in the table, ${modelMember.location} in the model`,
      );
    }
    if (modelMember.locationName !== undefined && modelMember.locationName !== name) {
      problems.push(`${where}: travels as ${modelMember.locationName} on the wire`);
    }
    compareShape(member.shape, model, modelMember.shape, where, problems);
  }
  for (const name of modelRequired) {
    if (!(name in table.members))
      problems.push(`${at || modelShapeName}: required member ${name} missing from the table`);
  }
}

function operationProblems(model: Model, name: string, spec: OperationSpec): string[] {
  const operation = model.operations[name];
  if (!operation) return [`${name} is not an operation in the model`];
  const problems: string[] = [];
  if (operation.http.method !== spec.http.method || operation.http.requestUri !== spec.http.path) {
    problems.push(
      `HTTP ${spec.http.method} ${spec.http.path} in the table, ${operation.http.method} ${operation.http.requestUri} in the model`,
    );
  }
  if (!operation.input) return [...problems, `${name} has no input shape in the model`];
  compareStructure(spec.input, model, operation.input.shape, '', problems);
  return problems;
}

function errorProblems(model: Model, name: string, spec: ErrorSpec): string[] {
  const shape = model.shapes[name];
  if (spec.source === 'aws-common') {
    const problems = shape?.exception ? [`${name} is in the model now; mark it source 'model'`] : [];
    return spec.why ? problems : [...problems, `${name} needs a why`];
  }
  if (!shape?.exception) return [`${name} is not an error in the model`];
  // awsJson1_1 models often leave the status out: then a client fault is 400, a server fault 500.
  const modelStatus = shape.error?.httpStatusCode ?? (shape.fault ? 500 : 400);
  return modelStatus === spec.status
    ? []
    : [`${name}: HTTP ${spec.status} in the catalog, ${modelStatus} in the model`];
}

const services = [
  { service: 'IVS', file: 'ivs.service.json', operations: ivsOperations, errors: ivsErrors },
  {
    service: 'Secrets Manager',
    file: 'secretsmanager.service.json',
    operations: secretsManagerOperations,
    errors: secretsManagerErrors,
  },
] as const;

describe.skipIf(!haveModels)(
  haveModels
    ? 'stand-in validation table conforms to ../shared/aws-models'
    : 'stand-in validation table conformance (SKIPPED: ../shared/aws-models not found)',
  () => {
    describe.each(services)('$service', ({ file, operations, errors }) => {
      it.each(Object.entries(operations) as [string, OperationSpec][])(
        '%s matches the model',
        (name, spec) => {
          expect(operationProblems(loadModel(file), name, spec)).toEqual([]);
        },
      );

      it.each(Object.entries(errors) as [string, ErrorSpec][])(
        'error %s has the model status',
        (name, spec) => {
          expect(errorProblems(loadModel(file), name, spec)).toEqual([]);
        },
      );
    });

    it('ListPlaybackKeyPairs paginates with the members the paginator model names', () => {
      const paginators = JSON.parse(readFileSync(path.join(modelsDir, 'ivs.paginators-1.json'), 'utf8')) as {
        pagination: Record<string, { input_token: string; output_token: string; limit_key: string }>;
      };

      const paginator = paginators.pagination['ListPlaybackKeyPairs'];

      expect(paginator).toMatchObject({
        input_token: 'nextToken',
        output_token: 'nextToken',
        limit_key: 'maxResults',
      });
      expect(Object.keys(ivsOperations.ListPlaybackKeyPairs.input.members).sort()).toEqual([
        'maxResults',
        'nextToken',
      ]);
    });
  },
);
