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

/** Walks without recursion (the input decides the depth) and stops at the first branch past the bound. */
function nestsDeeperThan(root: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[root, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, depth] = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return true;
    // for...in reaches an array's indices and an object's own keys alike, without copying the values first.
    for (const key in value) {
      const child: unknown = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * ajv's errors as JSON pointers with short messages, without the offending value. Errors from inside an
 * alternative (`anyOf` branches, `if` conditions) are folded into one line for the field they belong to.
 */
function toProblems(errors: readonly ValidatorError[]): Problem[] {
  const problems = new Map<string, Problem>();
  for (const error of errors) {
    if (error.keyword === 'if' || error.schemaPath.includes('/anyOf/')) continue;
    const problem = describe(error);
    problems.set(`${problem.path}\n${problem.message}`, problem);
  }
  return [...problems.values()];
}

function describe(error: ValidatorError): Problem {
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${escapePointer(String(error.params.missingProperty))}`, message: 'is required' };
    case 'anyOf':
      return { path: error.instancePath, message: 'matches none of the accepted forms' };
    default:
      return { path: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
