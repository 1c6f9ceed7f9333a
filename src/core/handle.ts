import { isJsonContentType, readJsonBody } from './body';
import { dispatch } from './dispatch';
import { errorOutcome, OUTCOMES, successOutcome, type ErrorCode } from './outcomes';
import { resolveOptions, type ResolvedConfig, type WebhookOptions } from './options';
import { validatePayload } from './validate';
import type { Preset } from '../presets/preset';
import type { Outcome, Problem, WebhookRequest } from './types';

export type WebhookHandler = (request: WebhookRequest) => Promise<Outcome>;

/** The framework-free webhook: resolves the options once, then turns each request into an outcome. */
export function createWebhookHandler<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): WebhookHandler {
  const config = resolveOptions(preset, options);
  return (request) => handleDelivery(config, request).catch((error: unknown) => reject(config, errorOutcome('internal_error'), { error }));
}

const ALLOW_POST = Object.freeze({ allow: 'POST' });

/** Each step returns early with its outcome; the cheap checks run before a byte of the body is read. */
async function handleDelivery<Message>(config: ResolvedConfig<Message>, request: WebhookRequest): Promise<Outcome> {
  if (request.method !== 'POST') return reject(config, errorOutcome('method_not_allowed', { headers: ALLOW_POST }));
  if (!config.checkToken(request)) return reject(config, errorOutcome('unauthorized', { headers: challenge(config) }));
  if (!isJsonContentType(request.header('content-type'))) return reject(config, errorOutcome('unsupported_media_type'));

  const body = await readJsonBody(request, config.limit);
  if (!body.ok) return reject(config, errorOutcome(body.code, { headers: headersFor(body.code) }), { rawBody: body.rawBody });

  if (config.preset.isProbe(body.value)) return successOutcome('probe_acknowledged', config.preset.ackBody);

  const validation = validatePayload(config.preset.validator, body.value);
  if (!validation.ok) {
    const { problems } = validation;
    return reject(config, errorOutcome('invalid_payload', { problems }), { rawBody: body.rawBody, problems });
  }

  const message = config.preset.toMessage(body.value);
  const context = { rawBody: body.rawBody, reply: config.preset.toReply(message) };
  const { result } = dispatch(config.onMessage, message, context, config.timeoutMs);
  const settled = await result;
  switch (settled.kind) {
    case 'ok':
      return successOutcome('delivered', config.preset.ackBody);
    case 'failed':
      return reject(config, errorOutcome('handler_failed'), { rawBody: body.rawBody, error: settled.error });
    case 'timeout':
      return reject(config, errorOutcome('handler_timeout', { headers: retryAfter(config.timeoutMs) }), { rawBody: body.rawBody });
  }
}

// The rest of an oversized body is never read: closing the connection keeps it from being read as the next request.
const CLOSE = Object.freeze({ connection: 'close' });

function headersFor(code: ErrorCode): Record<string, string> | undefined {
  return code === 'payload_too_large' ? CLOSE : undefined;
}

function challenge<Message>(config: ResolvedConfig<Message>): Record<string, string> {
  const scheme = config.preset.authSchemes[0] === 'basic' ? 'Basic' : 'Bearer';
  return { 'www-authenticate': `${scheme} realm="${config.preset.platform}-webhook"` };
}

function retryAfter(timeoutMs: number): Record<string, string> {
  // Come back after about as long as the callback was given: by then it has likely finished.
  return { 'retry-after': String(Math.ceil(timeoutMs / 1000)) };
}

interface RejectionDetails {
  rawBody?: string | undefined;
  problems?: readonly Problem[];
  error?: unknown;
}

/** Every non-2xx outcome passes here, so `onRejected` hears of each one; a failing hook changes nothing. */
function reject<Message>(config: ResolvedConfig<Message>, outcome: Outcome, details: RejectionDetails = {}): Outcome {
  const hook = config.onRejected;
  if (hook) {
    const code = outcome.code as ErrorCode;
    try {
      const returned = hook({ code, status: outcome.status, message: OUTCOMES[code].message, ...withoutUndefined(details) });
      if (returned instanceof Promise) returned.catch(ignore);
    } catch {
      // A broken hook must not turn a clear answer into a crash.
    }
  }
  return outcome;
}

function withoutUndefined(details: RejectionDetails): RejectionDetails {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

function ignore(): void {}
