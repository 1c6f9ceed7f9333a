import type { WebhookOptions } from '../core/options';
import { isDedupeStore, type DedupeStore } from '../core/store';
import type { OutcomeCode } from '../core/types';
import type { MaiAgentMessage } from '../presets/maiagent';
import { createWebhookHandler, loadPreset, readEpochMs } from '../runtime';
import type { MaiAgentClient } from './client';
import type { WebhookRecord } from './types';

export interface ReconcileOptions {
  client: Pick<MaiAgentClient, 'webhookRecords'>;
  chatbotId: string;
  /**
   * The options of your receiver: its `onMessage` or `deliverTo`, and its `store` (required: the same instance the
   * mounted receiver uses, or a `RedisStore` on the same Redis and prefix), so what was delivered is skipped.
   */
  webhook: WebhookOptions<MaiAgentMessage>;
  /** Only message ids with a record from this time on (a Date, or epoch milliseconds). Default: every record MaiAgent still lists. */
  since?: Date | number | undefined;
  /**
   * Replays a message only while its first record is younger than this, so the store still remembers it if it was
   * delivered (or replayed by an earlier run). Must be less than the store's `ttlMs`. Default: the store's `ttlMs`
   * less one minute (for the clocks' skew and the run's own length); required for a store that has no `ttlMs`.
   */
  maxAgeMs?: number | undefined;
  /** The most pages of records read before the run ends with a `MaiAgentApiError`, nothing replayed. Default 1000. */
  maxPages?: number | undefined;
}

export interface ReconcileReport {
  /** Message ids with no `200` record, replayed and now delivered (or queued). */
  replayed: number;
  /** Replayed, but the store knew the reply as delivered: the callback did not run again. */
  alreadyDelivered: number;
  /** A recorded body that is not a valid delivery (or no body was recorded). */
  invalid: number;
  /** Replayed and failed again (the callback threw, the store was down...): run reconcile again later. */
  failed: number;
  /** Message ids with a record the receiver answered 200: nothing to do. */
  answered: number;
  /** Message ids whose first record is older than `maxAgeMs`: not replayed, since the store may have forgotten them. */
  expired: number;
  /**
   * Message ids whose first record is dated ahead of this clock (MaiAgent's clock ahead, or a record someone else
   * wrote): left for a later run, since a replay now would be forgotten by the store while still inside the window.
   */
  future: number;
}

/** One message id's attempts, as MaiAgent recorded them (one record per attempt). */
export interface ReplayCandidate {
  /** The message's id (from the recorded body), or `record:<id>` for a body without one. */
  key: string;
  /** The latest attempt with a body: the one replayed. */
  record: WebhookRecord;
  body: string;
  /** Every attempt's URL, oldest first. */
  urls: string[];
}

const INVALID: ReadonlySet<OutcomeCode> = new Set(['invalid_payload', 'invalid_json', 'empty_body', 'payload_too_large']);
/** What the default `maxAgeMs` leaves between a message's first record and the store's forgetting it. */
const STORE_TTL_MARGIN_MS = 60_000;

/**
 * Recovers replies MaiAgent gave up delivering: reads the chatbot's webhook records, and replays each message id
 * with no `200` attempt, once, through the same receiver logic: validation, and dedupe against the receiver's own
 * store, so a reply delivered since (by a later retry, or an earlier run) is skipped, never run twice. Safe to run
 * on a schedule, more often than `maxAgeMs`. MaiAgent's records endpoint has no filters and an undocumented
 * retention: every call reads all the records it still has.
 */
export async function reconcile({ client, chatbotId, webhook, since, maxAgeMs, maxPages }: ReconcileOptions): Promise<ReconcileReport> {
  const store = receiverStore(webhook);
  const window = { since: sinceOf(since), maxAgeMs: replayWindow(store, maxAgeMs) };
  const report = emptyReport();
  const candidates = await recordsToReplay(client.webhookRecords.list(chatbotId, { maxPages }), window, report);
  const handle = createWebhookHandler(loadPreset('maiagent'), webhook);
  const headers: Record<string, string | undefined> = { 'content-type': 'application/json' };
  const url = `/reconcile${tokenQuery(webhook.authToken)}`;
  try {
    for (const { body } of candidates) {
      const outcome = await new Promise<{ code: OutcomeCode }>((answer) =>
        handle({ method: 'POST', url, header: (name) => headers[name], body: { kind: 'text', text: body } }, answer),
      );
      countReplay(report, outcome.code);
    }
  } finally {
    await handle.close();
  }
  return report;
}

export function emptyReport(): ReconcileReport {
  return { replayed: 0, alreadyDelivered: 0, invalid: 0, failed: 0, answered: 0, expired: 0, future: 0 };
}

/**
 * The receiver's own store: without it, reconcile would dedupe against a fresh, empty memory and run again every
 * reply the receiver already delivered.
 */
function receiverStore(webhook: WebhookOptions<MaiAgentMessage>): DedupeStore {
  const store = (webhook as { store?: unknown } | undefined)?.store;
  if (!isDedupeStore(store)) {
    throw new TypeError(
      "reconcile: webhook.store must be the receiver's own store (the MemoryStore instance you passed to the mounted " +
        'receiver, or a RedisStore on the same Redis); without it a reply the receiver answered 200 would run again',
    );
  }
  return store;
}

/** An invalid Date compares false with every time: it would leave nothing out, every record MaiAgent keeps replayed. */
function sinceOf(since: Date | number | undefined): Date | number | undefined {
  if (since !== undefined && !Number.isFinite(Number(since))) throw new TypeError(`reconcile: since must be a Date or epoch milliseconds, not ${String(since)}`);
  return since;
}

function replayWindow(store: DedupeStore, maxAgeMs: number | undefined): number {
  const ttlMs = (store as { ttlMs?: unknown }).ttlMs;
  const storeTtl = typeof ttlMs === 'number' && Number.isFinite(ttlMs) ? ttlMs : undefined;
  if (maxAgeMs === undefined) {
    if (storeTtl === undefined || storeTtl <= 2 * STORE_TTL_MARGIN_MS) throw new TypeError("reconcile: maxAgeMs is required when the store has no ttlMs of two minutes or more (set it below the store's ttlMs)");
    return storeTtl - STORE_TTL_MARGIN_MS;
  }
  if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) throw new TypeError('reconcile: maxAgeMs must be a positive number of milliseconds');
  if (storeTtl !== undefined && maxAgeMs >= storeTtl) throw new TypeError("reconcile: maxAgeMs must be less than the store's ttlMs, or a replayed reply could be replayed again");
  return maxAgeMs;
}

/**
 * The message ids worth replaying, each once: every record read, grouped by the message id of its body (MaiAgent
 * keeps one record per attempt, in no documented order). An id with any `200` attempt counts as answered; one whose
 * first attempt is dated ahead of `now`, as future; one whose first attempt is older than `maxAgeMs`, as expired; one with no attempt since `since` is left out; a record with
 * no body, or that is not an object, counts as invalid. The others are answered, oldest first.
 */
export async function recordsToReplay(
  records: AsyncIterable<WebhookRecord>,
  { since, maxAgeMs, now = Date.now() }: { since?: Date | number | undefined; maxAgeMs: number; now?: number },
  report: ReconcileReport,
): Promise<ReplayCandidate[]> {
  const groups = new Map<string, WebhookRecord[]>();
  for await (const record of records) {
    // Nothing in it can be grouped or replayed: counted, as a record with no body is.
    if (!isRecordObject(record)) {
      report.invalid += 1;
      continue;
    }
    const key = keyOf(record);
    const attempts = groups.get(key);
    if (attempts) attempts.push(record);
    else groups.set(key, [record]);
  }
  const from = since === undefined ? -Infinity : Number(since);
  const candidates: (ReplayCandidate & { first: number })[] = [];
  for (const [key, attempts] of groups) {
    attempts.sort((a, b) => recordTime(a) - recordTime(b));
    const first = recordTime(attempts[0] as WebhookRecord);
    const last = attempts[attempts.length - 1] as WebhookRecord;
    const withBody = attempts.filter((attempt) => bodyOf(attempt) !== undefined).pop();
    if (recordTime(last) < from) continue;
    if (attempts.some((attempt) => attempt.statusCode === 200)) report.answered += 1;
    else if (first > now) report.future += 1;
    else if (!(now - first < maxAgeMs)) report.expired += 1;
    else if (withBody === undefined) report.invalid += 1;
    else candidates.push({ key, record: withBody, body: bodyOf(withBody) as string, urls: attempts.map((attempt) => attempt.url), first });
  }
  return candidates.sort((a, b) => a.first - b.first).map(({ first: _first, ...candidate }) => candidate);
}

/**
 * A record's time, read as the receiver reads a delivery's timestamp (epoch s or ms, ISO 8601). One that cannot be
 * read is taken as the oldest: it cannot be shown to be within `maxAgeMs`, so it counts as expired, never replayed.
 */
function recordTime(record: WebhookRecord): number {
  return readEpochMs(record.createdAt) ?? -Infinity;
}

/** Counts one replay by what the receiver answered. */
export function countReplay(report: ReconcileReport, code: OutcomeCode): void {
  if (code === 'delivered' || code === 'enqueued') report.replayed += 1;
  else if (code === 'duplicate') report.alreadyDelivered += 1;
  else if (INVALID.has(code)) report.invalid += 1;
  else report.failed += 1;
}

function isRecordObject(record: unknown): record is WebhookRecord {
  return typeof record === 'object' && record !== null && !Array.isArray(record);
}

/** The message id as the receiver dedupes it (a whole number as its decimal string), else the record's own id. */
function keyOf(record: WebhookRecord): string {
  const body = record.requestBody;
  const parsed = typeof body === 'string' ? parsedOrUndefined(body) : body;
  const id = (parsed as { id?: unknown } | null | undefined)?.id;
  if (typeof id === 'string' && id !== '') return id;
  if (Number.isInteger(id)) return String(id);
  return `record:${String(record.id)}`;
}

function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function bodyOf(record: WebhookRecord): string | undefined {
  const body = record.requestBody;
  if (body === null || body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** The receiver's token as its URL carries it: any token the receiver accepts, even one no header could carry. */
function tokenQuery(setting: WebhookOptions<MaiAgentMessage>['authToken']): string {
  const authToken = typeof setting === 'function' ? setting() : setting;
  if (authToken === false || authToken === undefined) return '';
  const token = typeof authToken === 'string' ? authToken : authToken[0];
  return token === undefined ? '' : `?${new URLSearchParams({ token: token.trim() }).toString()}`;
}
