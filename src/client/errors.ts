/**
 * Every failure of a MaiAgent API call: an answer other than 2xx (`status`, and MaiAgent's `detail` when it gave
 * one), or no answer at all (`status` undefined, the network error as `cause`). Never holds the API key: the
 * request's headers are not kept.
 */
export class MaiAgentApiError extends Error {
  readonly status: number | undefined;
  readonly detail: string | undefined;
  /** The answer's body, parsed when it was JSON (DRF field errors: `{ field: ['message'] }`). */
  readonly body: unknown;

  constructor(operation: string, answer: { status?: number; body?: unknown; cause?: unknown }) {
    const detail = detailOf(answer.body);
    super(
      answer.status === undefined
        ? `MaiAgent API ${operation}: no answer (${messageOf(answer.cause)})`
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

function messageOf(error: unknown): string {
  // Duck-typed: a DOMException from another realm is not `instanceof Error`.
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'TimeoutError') return 'timed out';
  return typeof message === 'string' ? message : String(error);
}
