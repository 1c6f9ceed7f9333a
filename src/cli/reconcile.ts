import { parseArgs } from 'node:util';
import { createMaiAgentClient } from '../client/client';
import { countReplay, emptyReport, recordsToReplay } from '../client/reconcile';
import type { OutcomeCode } from '../core/types';
import { OUTCOME_HEADER, OUTCOMES } from '../runtime';
import { UsageError, type Io } from './usage';

export const RECONCILE_USAGE = `Usage: maiagent-webhook reconcile --chatbot <id> [--since <date or epoch ms>] [--to <webhook url>] [--base-url <url>]

Replays the deliveries MaiAgent did not get a 200 for, from the chatbot's webhook records, to your receiver: each
record's own URL (the one MaiAgent used, token included), or --to (then the token comes from MAIAGENT_WEBHOOK_TOKEN).
The receiver's dedupe skips replies delivered since. Prints the counts; exits 1 when any replay failed.
The API key comes from MAIAGENT_API_KEY (never printed); the API from --base-url, else MAIAGENT_API_BASE_URL,
else https://api.maiagent.ai/api/v1/. MaiAgent's records endpoint has no filters: every run reads all it keeps.`;

export async function reconcileCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { chatbot: { type: 'string' }, since: { type: 'string' }, to: { type: 'string' }, 'base-url': { type: 'string' } } });
  if (!values.chatbot) throw new UsageError('reconcile needs --chatbot <id>');
  const apiKey = io.env.MAIAGENT_API_KEY;
  if (!apiKey) throw new UsageError('reconcile needs MAIAGENT_API_KEY in the environment');
  if (values.to !== undefined && !URL.canParse(values.to)) throw new UsageError(`--to '${values.to}' is not a URL`);
  const since = parseSince(values.since);
  const client = createMaiAgentClient({ apiKey, baseUrl: values['base-url'] ?? io.env.MAIAGENT_API_BASE_URL });
  const token = io.env.MAIAGENT_WEBHOOK_TOKEN;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(values.to && token ? { authorization: `Bearer ${token}` } : {}) };
  const counts = emptyReport();
  for await (const { record, body } of recordsToReplay(client.webhookRecords.list(values.chatbot), since, counts)) {
    const response = await fetch(values.to ?? record.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    countReplay(counts, await outcomeOf(response));
  }
  io.log(`replayed ${counts.replayed}, already delivered ${counts.alreadyDelivered}, invalid ${counts.invalid}, failed ${counts.failed} (and ${counts.answered} answered 200 at the time)`);
  return counts.failed === 0 ? 0 : 1;
}

/**
 * What the receiver answered, as its outcome code: a 200 from this package names its success in a header, a refusal
 * in its JSON body. Any other 200 counts as delivered; no answer, or one this package did not write, as a failure.
 */
async function outcomeOf(response: Response | undefined): Promise<OutcomeCode> {
  if (!response) return 'internal_error';
  const text = await response.text().catch(() => '');
  if (response.status === 200) return response.headers.get(OUTCOME_HEADER) === 'duplicate' ? 'duplicate' : 'delivered';
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    if (typeof error === 'string' && error in OUTCOMES) return error as OutcomeCode;
  } catch {
    // Not an answer of this package's.
  }
  return 'internal_error';
}

function parseSince(value: string | undefined): number {
  if (value === undefined) return 0;
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--since '${value}' is neither a date nor epoch milliseconds`);
  return time;
}
