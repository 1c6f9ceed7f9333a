import type { Problem } from './types';

/** The members of an ajv error that the problem list is built from. */
interface ValidatorError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A standalone validator generated at build time by scripts/build-validators.mjs. */
export interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ValidatorError[] | null;
}

export type ValidationResult = { ok: true } | { ok: false; problems: Problem[] };

/**
 * Far deeper than any documented delivery (4 levels). Unknown keys are kept, so without a bound a hostile body
 * could hand the callback a structure its own recursion (JSON.stringify, a logger) cannot handle.
 */
export const MAX_DEPTH = 32;

export function validatePayload(validator: GeneratedValidator, value: unknown): ValidationResult {
  if (nestsDeeperThan(value, MAX_DEPTH)) return { ok: false, problems: [{ path: '', message: `nests deeper than ${MAX_DEPTH} levels` }] };
  if (validator(value)) return { ok: true };
  return { ok: false, problems: toProblems(validator.errors ?? []) };
}

/**
 * Recursion is safe here: it stops at the bound, so the input cannot make it deeper than `maxDepth` frames. Arrays
 * by index and objects by for...in: both without copying anything (an array through for...in would walk string keys).
 */
function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  return isContainer(value) && containsDeeperThan(value, maxDepth);
}

function containsDeeperThan(container: object, maxDepth: number): boolean {
  if (maxDepth === 0) return true;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i += 1) {
      const child: unknown = container[i];
      if (isContainer(child) && containsDeeperThan(child, maxDepth - 1)) return true;
    }
    return false;
  }
  for (const key in container) {
    const child: unknown = (container as Record<string, unknown>)[key];
    if (isContainer(child) && containsDeeperThan(child, maxDepth - 1)) return true;
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * ajv's errors as JSON pointers with short messages, without the offending value. Errors from inside an
 * alternative (`anyOf` branches, `if` conditions) are folded into one line for the field they belong to, and a
 * field gets one line: the first, from the strictest rule that applies (a second, looser one, such as a conversation
 * spelling's "or null" when the other spelling does not hold the id, would contradict it).
 */
function toProblems(errors: readonly ValidatorError[]): Problem[] {
  const problems = new Map<string, Problem>();
  for (const error of errors) {
    if (error.keyword === 'if' || error.schemaPath.includes('/anyOf/')) continue;
    const problem = describe(error);
    if (!problems.has(problem.path)) problems.set(problem.path, problem);
  }
  return [...problems.values()];
}

function describe(error: ValidatorError): Problem {
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${escapePointer(String(error.params.missingProperty))}`, message: 'is required' };
    case 'anyOf':
      return { path: error.instancePath, message: 'matches none of the accepted forms' };
    case 'type':
      // ajv writes a list of types as `string,null`.
      return { path: error.instancePath, message: `must be ${([] as unknown[]).concat(error.params.type).join(' or ')}` };
    default:
      return { path: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
