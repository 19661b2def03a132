import type { Shape, StringShape, StructureShape } from './validation-table.js';

const compiledPatterns = new Map<string, RegExp>();

/** AWS matches a constraint pattern against the whole value, with Unicode property classes. */
function wholeValuePattern(pattern: string): RegExp {
  let regex = compiledPatterns.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, 'u');
    compiledPatterns.set(pattern, regex);
  }
  return regex;
}

/** True when `value` matches `pattern` the way AWS applies a constraint pattern. */
export function matchesConstraintPattern(pattern: string, value: string): boolean {
  return wholeValuePattern(pattern).test(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringLength(value: string, shape: StringShape): number {
  return shape.measure === 'utf8-bytes' ? Buffer.byteLength(value, 'utf8') : [...value].length;
}

function checkLength(
  length: number,
  shape: { min?: number; max?: number },
  at: string,
  problems: string[],
): void {
  if (shape.min !== undefined && length < shape.min) {
    problems.push(
      `Value at '${at}' failed to satisfy constraint: Member must have length greater than or equal to ${shape.min}`,
    );
  }
  if (shape.max !== undefined && length > shape.max) {
    problems.push(
      `Value at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`,
    );
  }
}

function checkValue(value: unknown, shape: Shape, at: string, problems: string[]): void {
  switch (shape.type) {
    case 'string': {
      if (typeof value !== 'string') {
        problems.push(`Value at '${at}' failed to satisfy constraint: Member must be a string`);
        return;
      }
      checkLength(stringLength(value, shape), shape, at, problems);
      if (shape.pattern !== undefined && !matchesConstraintPattern(shape.pattern, value)) {
        problems.push(
          `Value at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`,
        );
      }
      if (shape.enum !== undefined && !shape.enum.includes(value)) {
        problems.push(
          `Value at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
        );
      }
      return;
    }
    case 'integer':
    case 'long': {
      const limit = shape.type === 'integer' ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
      if (typeof value !== 'number' || !Number.isInteger(value) || value >= limit || value < -limit) {
        problems.push(`Value at '${at}' failed to satisfy constraint: Member must be an ${shape.type}`);
        return;
      }
      if (shape.min !== undefined && value < shape.min) {
        problems.push(
          `Value '${value}' at '${at}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`,
        );
      }
      if (shape.max !== undefined && value > shape.max) {
        problems.push(
          `Value '${value}' at '${at}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`,
        );
      }
      return;
    }
    case 'boolean': {
      if (typeof value !== 'boolean')
        problems.push(`Value at '${at}' failed to satisfy constraint: Member must be a boolean`);
      return;
    }
    case 'blob': {
      // JSON protocols carry blobs as base64 text.
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
        problems.push(`Value at '${at}' failed to satisfy constraint: Member must be base64-encoded binary`);
        return;
      }
      checkLength(Buffer.from(value, 'base64').length, shape, at, problems);
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        problems.push(`Value at '${at}' failed to satisfy constraint: Member must be a list`);
        return;
      }
      checkLength(value.length, shape, at, problems);
      value.forEach((item, index) => {
        checkValue(item, shape.member, `${at}.${index + 1}.member`, problems);
      });
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) {
        problems.push(`Value at '${at}' failed to satisfy constraint: Member must be a map`);
        return;
      }
      const entries = Object.entries(value);
      checkLength(entries.length, shape, at, problems);
      for (const [key, item] of entries) {
        checkValue(key, shape.key, `${at}.key`, problems);
        checkValue(item, shape.value, `${at}.${key}`, problems);
      }
      return;
    }
    case 'structure': {
      checkStructure(value, shape, at, problems);
      return;
    }
  }
}

function checkStructure(value: unknown, shape: StructureShape, at: string, problems: string[]): void {
  if (!isPlainObject(value)) {
    problems.push(`Value at '${at || 'input'}' failed to satisfy constraint: Member must be a structure`);
    return;
  }
  const prefix = at === '' ? '' : `${at}.`;
  for (const [name, member] of Object.entries(shape.members)) {
    const memberValue = value[name];
    // AWS treats an explicit JSON null like an absent member.
    if (memberValue === undefined || memberValue === null) {
      if (member.required) {
        problems.push(
          `Value null at '${prefix}${name}' failed to satisfy constraint: Member must not be null`,
        );
      }
      continue;
    }
    checkValue(memberValue, member.shape, `${prefix}${name}`, problems);
  }
  const accepted = Object.keys(shape.members);
  for (const name of Object.keys(value)) {
    if (!accepted.includes(name)) {
      problems.push(
        `Member '${prefix}${name}' is not accepted by this operation in the AWS stand-in (accepted: ${accepted.join(', ')})`,
      );
    }
  }
}

/**
 * Checks a decoded request against its table entry. Returns the problems in AWS's wording, one per
 * violated constraint; an empty list means the request is valid.
 */
export function validateInput(input: unknown, shape: StructureShape): string[] {
  const problems: string[] = [];
  checkStructure(input, shape, '', problems);
  return problems;
}

/** Joins problems into the single message AWS sends ("2 validation errors detected: a; b"). */
export function validationMessage(problems: readonly string[]): string {
  const noun = problems.length === 1 ? 'error' : 'errors';
  return `${problems.length} validation ${noun} detected: ${problems.join('; ')}`;
}
