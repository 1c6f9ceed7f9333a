import { parseArgs } from 'node:util';
import { createMaiAgentClient } from '../client/client';
import { OUTCOME_HEADER } from '../core/outcomes';
import { UsageError, type Io } from './usage';

export const RECONCILE_USAGE = `Usage: maiagent-webhook reconcile --chatbot <id> [--since <date or epoch ms>] [--to <webhook url>] [--base-url <url>]

Replays the deliveries MaiAgent did not get a 200 for, from the chatbot's webhook records, to your receiver: each
record's own URL (the one MaiAgent used, token included), or --to (then the token comes from MAIAGENT_WEBHOOK_TOKEN).
The receiver's dedupe skips replies delivered since. Prints the counts; exits 1 when any replay failed.
The API key comes from MAIAGENT_API_KEY (never printed); the API from --base-url, else MAIAGENT_API_BASE_URL,
else https://api.maiagent.ai/api/v1/. MaiAgent's records endpoint has no filters: every run reads all it keeps.`;

interface Counts {
  replayed: number;
  alreadyDelivered: number;
  invalid: number;
  failed: number;
  answered: number;
}

const INVALID_STATUSES = new Set([400, 413, 415, 422]);

export async function reconcileCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { chatbot: { type: 'string' }, since: { type: 'string' }, to: { type: 'string' }, 'base-url': { type: 'string' } } });
  if (!values.chatbot) throw new UsageError('reconcile needs --chatbot <id>');
  const apiKey = io.env.MAIAGENT_API_KEY;
  if (!apiKey) throw new UsageError('reconcile needs MAIAGENT_API_KEY in the environment');
  if (values.to !== undefined && !URL.canParse(values.to)) throw new UsageError(`--to '${values.to}' is not a URL`);
  const since = parseSince(values.since);
  const client = createMaiAgentClient({ apiKey, baseUrl: values['base-url'] ?? io.env.MAIAGENT_API_BASE_URL });
  const token = io.env.MAIAGENT_WEBHOOK_TOKEN;
  const counts: Counts = { replayed: 0, alreadyDelivered: 0, invalid: 0, failed: 0, answered: 0 };
  for await (const record of client.webhookRecords.list(values.chatbot)) {
    if (Number(record.createdAt) < since) continue;
    if (record.statusCode === 200) {
      counts.answered += 1;
      continue;
    }
    if (record.requestBody === null || record.requestBody === undefined) {
      counts.invalid += 1;
      continue;
    }
    const target = values.to ?? record.url;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(values.to && token ? { authorization: `Bearer ${token}` } : {}) };
    const body = typeof record.requestBody === 'string' ? record.requestBody : JSON.stringify(record.requestBody);
    count(counts, await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) }).catch(() => undefined));
  }
  io.log(`replayed ${counts.replayed}, already delivered ${counts.alreadyDelivered}, invalid ${counts.invalid}, failed ${counts.failed} (and ${counts.answered} answered 200 at the time)`);
  return counts.failed === 0 ? 0 : 1;
}

function count(counts: Counts, response: Response | undefined): void {
  if (response?.status === 200) {
    // A receiver of this package says which success it was; any other 200 counts as replayed.
    if (response.headers.get(OUTCOME_HEADER) === 'duplicate') counts.alreadyDelivered += 1;
    else counts.replayed += 1;
  } else if (response && INVALID_STATUSES.has(response.status)) counts.invalid += 1;
  else counts.failed += 1;
  void response?.body?.cancel().catch(() => {});
}

function parseSince(value: string | undefined): number {
  if (value === undefined) return 0;
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--since '${value}' is neither a date nor epoch milliseconds`);
  return time;
}
