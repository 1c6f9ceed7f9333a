import type { WebhookOptions } from '../core/options';
import type { OutcomeCode } from '../core/types';
import type { MaiAgentMessage } from '../presets/maiagent';
import { createWebhookHandler, loadPreset, readEpochMs, withDefaultStore } from '../runtime';
import type { MaiAgentClient } from './client';
import type { WebhookRecord } from './types';

export interface ReconcileOptions {
  client: Pick<MaiAgentClient, 'webhookRecords'>;
  chatbotId: string;
  /** The options of your receiver (its `onMessage` or `deliverTo`, and the same `store`, so what was delivered is skipped). */
  webhook: WebhookOptions<MaiAgentMessage>;
  /** Only records from this time on (a Date, or epoch milliseconds). Default: every record MaiAgent still lists. */
  since?: Date | number;
}

export interface ReconcileReport {
  /** Records the receiver had not answered 200, replayed and now delivered (or queued). */
  replayed: number;
  /** Replayed, but the store knew the reply as delivered: the callback did not run again. */
  alreadyDelivered: number;
  /** A recorded body that is not a valid delivery (or no body was recorded). */
  invalid: number;
  /** Replayed and failed again (the callback threw, the store was down...): run reconcile again later. */
  failed: number;
  /** Records the receiver had answered 200: nothing to do. */
  answered: number;
}

const INVALID: ReadonlySet<OutcomeCode> = new Set(['invalid_payload', 'invalid_json', 'empty_body', 'payload_too_large']);

/**
 * Recovers replies MaiAgent gave up delivering: reads the chatbot's webhook records, and replays the body of each one
 * the receiver did not answer 200 (or at all) through the same receiver logic: validation, and dedupe, so a reply
 * delivered since (by a later retry) is skipped, never run twice. Safe to run on a schedule. MaiAgent's records
 * endpoint has no filters and an undocumented retention: every call reads all the records it still has.
 */
export async function reconcile({ client, chatbotId, webhook, since }: ReconcileOptions): Promise<ReconcileReport> {
  const report = emptyReport();
  const handle = createWebhookHandler(loadPreset('maiagent'), withDefaultStore(webhook));
  const headers: Record<string, string | undefined> = { authorization: tokenHeader(webhook.authToken), 'content-type': 'application/json' };
  try {
    for await (const { body } of recordsToReplay(client.webhookRecords.list(chatbotId), since, report)) {
      const outcome = await new Promise<{ code: OutcomeCode }>((answer) =>
        handle({ method: 'POST', url: '/reconcile', header: (name) => headers[name], body: { kind: 'text', text: body } }, answer),
      );
      countReplay(report, outcome.code);
    }
  } finally {
    await handle.close();
  }
  return report;
}

export function emptyReport(): ReconcileReport {
  return { replayed: 0, alreadyDelivered: 0, invalid: 0, failed: 0, answered: 0 };
}

/**
 * The records worth replaying: from `since` on, not answered 200 (or not at all), with the body MaiAgent sent. The
 * others are counted in `report` as they pass: answered, or invalid when no body was recorded.
 */
export async function* recordsToReplay(
  records: AsyncIterable<WebhookRecord>,
  since: Date | number | undefined,
  report: ReconcileReport,
): AsyncIterable<{ record: WebhookRecord; body: string }> {
  const from = since === undefined ? 0 : Number(since);
  for await (const record of records) {
    if (isBefore(record, from)) continue;
    if (record.statusCode === 200) {
      report.answered += 1;
      continue;
    }
    const body = bodyOf(record);
    if (body === undefined) report.invalid += 1;
    else yield { record, body };
  }
}

/** Read as the receiver reads a delivery's timestamp (epoch s or ms, ISO 8601); one that cannot be read is replayed. */
function isBefore(record: WebhookRecord, from: number): boolean {
  const createdAt = readEpochMs(record.createdAt);
  return createdAt !== undefined && createdAt < from;
}

/** Counts one replay by what the receiver answered. */
export function countReplay(report: ReconcileReport, code: OutcomeCode): void {
  if (code === 'delivered' || code === 'enqueued') report.replayed += 1;
  else if (code === 'duplicate') report.alreadyDelivered += 1;
  else if (INVALID.has(code)) report.invalid += 1;
  else report.failed += 1;
}

function bodyOf(record: WebhookRecord): string | undefined {
  const body = record.requestBody;
  if (body === null || body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function tokenHeader(authToken: WebhookOptions<MaiAgentMessage>['authToken']): string | undefined {
  if (authToken === false || authToken === undefined) return undefined;
  const token = typeof authToken === 'string' ? authToken : authToken[0];
  return token === undefined ? undefined : `Bearer ${token.trim()}`;
}
