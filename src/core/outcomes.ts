import type { Outcome, OutcomeCode, Problem } from './types';

interface OutcomeSpec {
  status: number;
  /** What the sender should do: the README's status table is written from (and tested against) this. */
  retry: boolean;
  message: string;
}

/**
 * Every answer the webhook can give. The sender reads only the status; `code` is for logs and `onRejected`.
 * Messages are fixed text: no payload, no user error, no token ever reaches a response.
 */
export const OUTCOMES: Readonly<Record<OutcomeCode, OutcomeSpec>> = Object.freeze({
  delivered: { status: 200, retry: false, message: 'Delivery accepted' },
  enqueued: { status: 200, retry: false, message: 'Delivery queued for processing' },
  duplicate: { status: 200, retry: false, message: 'Delivery already processed' },
  probe_acknowledged: { status: 200, retry: false, message: 'Availability check acknowledged' },
  method_not_allowed: { status: 405, retry: false, message: 'Only POST is accepted' },
  unauthorized: { status: 401, retry: false, message: 'Missing or invalid token' },
  unsupported_media_type: { status: 415, retry: false, message: 'Content-Type must be application/json (UTF-8)' },
  payload_too_large: { status: 413, retry: false, message: 'Body is larger than the configured limit' },
  empty_body: { status: 400, retry: false, message: 'Body is empty' },
  invalid_json: { status: 400, retry: false, message: 'Body is not valid UTF-8 JSON' },
  body_incomplete: { status: 400, retry: true, message: 'Body ended before it was complete' },
  body_timeout: { status: 408, retry: true, message: 'Body did not arrive in time' },
  unsupported_encoding: { status: 415, retry: false, message: 'Content-Encoding is not supported; send the body uncompressed' },
  invalid_payload: { status: 422, retry: false, message: 'Body is not a valid delivery' },
  body_unavailable: { status: 500, retry: true, message: 'Body was consumed before the webhook could read it' },
  handler_failed: { status: 500, retry: true, message: 'Delivery could not be processed' },
  handler_timeout: { status: 503, retry: true, message: 'Delivery is still being processed' },
  in_progress: { status: 409, retry: true, message: 'The same delivery is being processed' },
  store_unavailable: { status: 503, retry: true, message: 'Deduplication store unavailable' },
  queue_unavailable: { status: 503, retry: true, message: 'Queue unavailable' },
  shutting_down: { status: 503, retry: true, message: 'Receiver is shutting down' },
  internal_error: { status: 500, retry: true, message: 'Internal error' },
});

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json; charset=utf-8' });

/** Sent with every 200: which success it was (`delivered`, `enqueued`, `duplicate`, `probe_acknowledged`). */
export const OUTCOME_HEADER = 'x-maiagent-webhook-outcome';

const MAX_REPORTED_PROBLEMS = 10;

export type SuccessCode = 'delivered' | 'enqueued' | 'duplicate' | 'probe_acknowledged';
export type ErrorCode = Exclude<OutcomeCode, SuccessCode>;
/** Every answer but the one that lists a payload's problems is the same for each delivery to one handler. */
export type FixedCode = Exclude<OutcomeCode, 'invalid_payload'>;

/** What one handler's answers depend on. */
export interface AnswerSettings {
  /** The platform's acknowledgement body, sent with every 200. */
  ackBody: string;
  /** The `WWW-Authenticate` challenge of a 401. */
  challenge: string;
  /** Sent as `Retry-After` with a retryable 409 or 503. */
  retryAfterSeconds: number;
}

// The rest of an oversized or late body is never read: closing the connection keeps it from being read as the
// next request.
const CLOSE = Object.freeze({ connection: 'close' });

/** Every fixed answer, made once per handler, so refusing a request (401s under attack, say) builds nothing. */
export function fixedOutcomes({ ackBody, challenge, retryAfterSeconds }: AnswerSettings): Readonly<Record<FixedCode, Outcome>> {
  // Come back after about as long as a callback is given: by then the one running has likely finished.
  const retryAfter = Object.freeze({ 'retry-after': String(retryAfterSeconds) });
  const headers: Partial<Record<ErrorCode, Readonly<Record<string, string>>>> = {
    method_not_allowed: { allow: 'POST' },
    unauthorized: { 'www-authenticate': challenge },
    payload_too_large: CLOSE,
    body_timeout: CLOSE,
    in_progress: retryAfter,
    handler_timeout: retryAfter,
    store_unavailable: retryAfter,
    queue_unavailable: retryAfter,
    shutting_down: retryAfter,
  };
  // The platform reads only the status; the header tells a person (or `reconcile`) a delivery from a duplicate.
  const success = (code: SuccessCode): Outcome =>
    Object.freeze({ status: 200, code, headers: Object.freeze({ ...JSON_HEADERS, [OUTCOME_HEADER]: code }), body: ackBody });
  const answers = {
    delivered: success('delivered'),
    enqueued: success('enqueued'),
    duplicate: success('duplicate'),
    probe_acknowledged: success('probe_acknowledged'),
  } as Record<FixedCode, Outcome>;
  for (const code of Object.keys(OUTCOMES) as OutcomeCode[]) {
    if (code in answers || code === 'invalid_payload') continue;
    const extra = headers[code as ErrorCode];
    answers[code as FixedCode] = Object.freeze(errorOutcome(code as ErrorCode, extra ? { headers: extra } : {}));
  }
  return Object.freeze(answers);
}

export function errorOutcome(
  code: ErrorCode,
  extra: { problems?: readonly Problem[]; headers?: Readonly<Record<string, string>> } = {},
): Outcome {
  const { status, message } = OUTCOMES[code];
  const problems = extra.problems?.slice(0, MAX_REPORTED_PROBLEMS);
  return {
    status,
    code,
    headers: extra.headers ? { ...JSON_HEADERS, ...extra.headers } : JSON_HEADERS,
    body: JSON.stringify(problems ? { error: code, message, problems } : { error: code, message }),
  };
}
