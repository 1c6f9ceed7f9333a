/**
 * Every failure of a MaiAgent API call: an answer other than 2xx (`status`, and MaiAgent's `detail` when it gave
 * one), no answer at all (`status` undefined, the network error as `cause`), or an answer the client refuses to act
 * on (a redirect, a `2xx` that is not a JSON object, a listing page without `results`, a `next` link off `baseUrl`,
 * a stream that broke or went quiet). Never holds the API key: the request's
 * headers are not kept, and a cause's own message (which can quote a header) is never copied into this one.
 */
export class MaiAgentApiError extends Error {
  readonly status: number | undefined;
  readonly detail: string | undefined;
  /** The answer's body, parsed when it was JSON (DRF field errors: `{ field: ['message'] }`). */
  readonly body: unknown;

  constructor(operation: string, answer: { status?: number; body?: unknown; cause?: unknown; problem?: string }) {
    const detail = detailOf(answer.body);
    super(
      answer.problem !== undefined
        ? `MaiAgent API ${operation}: ${answer.problem}`
        : answer.status === undefined
          ? `MaiAgent API ${operation}: no answer (${reasonOf(answer.cause)})`
          : `MaiAgent API ${operation} answered ${answer.status}${detail ? `: ${detail}` : ''}`,
      answer.cause === undefined ? undefined : { cause: answer.cause },
    );
    this.name = 'MaiAgentApiError';
    this.status = answer.status;
    this.detail = detail;
    this.body = answer.body;
  }
}

function detailOf(body: unknown): string | undefined {
  const detail = (body as { detail?: unknown } | null)?.detail;
  return typeof detail === 'string' ? detail : undefined;
}

/**
 * Why no answer came, in words that cannot hold a header: timed out, aborted, the system's error code
 * (`ECONNREFUSED`...), else the error's name. Duck-typed: a DOMException from another realm is not `instanceof Error`.
 */
export function reasonOf(error: unknown): string {
  const { name, code, cause } = (error ?? {}) as { name?: unknown; code?: unknown; cause?: unknown };
  if (name === 'TimeoutError') return 'timed out';
  if (name === 'AbortError') return 'aborted';
  const systemCode = [code, (cause as { code?: unknown } | undefined)?.code].find((c): c is string => typeof c === 'string' && /^[A-Z][A-Z0-9_]*$/.test(c));
  if (systemCode) return systemCode;
  return typeof name === 'string' && /^\w+$/.test(name) ? name : 'unknown error';
}
