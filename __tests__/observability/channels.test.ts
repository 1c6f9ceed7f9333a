// The diagnostics channels, as an APM tool subscribes to them: through node:diagnostics_channel, by name.
import diagnostics from 'node:diagnostics_channel';
import { maiagentWebhook, type DeliveryOutcome, type MaiAgentMessage } from 'maiagent-webhook/node';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { TOKEN } from '../support/fixtures';

type Event = [name: string, context: Record<string, unknown>];

function recordCallbackEvents() {
  const events: Event[] = [];
  const channel = diagnostics.tracingChannel('maiagent-webhook:callback');
  const handlers = Object.fromEntries(
    (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((name) => [name, (context: object) => void events.push([name, { ...context }])]),
  ) as unknown as diagnostics.TracingChannelSubscribers<object>;
  channel.subscribe(handlers);
  return { events, stop: () => channel.unsubscribe(handlers) };
}

describe('tracing:maiagent-webhook:callback', () => {
  const cases: [string, (message: MaiAgentMessage) => unknown, string[]][] = [
    ['a callback that resolves', async () => {}, ['start', 'end', 'asyncStart', 'asyncEnd']],
    ['a callback that rejects', async () => { throw new Error('downstream'); }, ['start', 'end', 'error', 'asyncStart', 'asyncEnd']],
    ['a synchronous callback', () => undefined, ['start', 'end']],
    ['a callback that throws', () => { throw new TypeError('bug'); }, ['start', 'error', 'end']],
  ];

  it.each(cases)('%s: the events in order, each with the platform, message id and conversation id', async (_name, onMessage, expected) => {
    const { events, stop } = recordCallbackEvents();
    try {
      const delivery = buildMaiAgentDelivery({ conversation: 'conv-traced' });
      await sendDelivery(maiagentWebhook({ authToken: TOKEN, onMessage }), { token: TOKEN, body: delivery });
      expect(events.map(([name]) => name)).toEqual(expected);
      for (const [, context] of events) expect(context).toMatchObject({ platform: 'maiagent', messageId: delivery.id, conversationId: 'conv-traced' });
      if (expected.includes('error')) expect(events.find(([name]) => name === 'error')?.[1].error).toBeInstanceOf(Error);
      expect(JSON.stringify(events.map(([, c]) => ({ ...c, result: undefined, error: undefined })))).not.toContain(delivery.content as string);
    } finally {
      stop();
    }
  });

  it("carries the receiver's redaction under Symbol.for('maiagent-webhook.redact'), not enumerable: the token an error echoes, written [redacted]", async () => {
    const contexts: object[] = [];
    const channel = diagnostics.tracingChannel('maiagent-webhook:callback');
    const handlers = { start: (context: object) => void contexts.push(context) } as unknown as diagnostics.TracingChannelSubscribers<object>;
    channel.subscribe(handlers);
    try {
      await sendDelivery(maiagentWebhook({ authToken: TOKEN, log: false, onMessage: () => {} }), { token: TOKEN });
      const redact = (contexts[0] as Record<symbol, unknown>)[Symbol.for('maiagent-webhook.redact')] as (text: string) => string;
      expect(redact(`GET /push?token=${TOKEN} answered 502`)).toBe('GET /push?token=[redacted] answered 502');
      expect(Object.getOwnPropertyDescriptor(contexts[0], Symbol.for('maiagent-webhook.redact'))?.enumerable).toBe(false);
    } finally {
      channel.unsubscribe(handlers);
    }
  });

  it('is not traced for deliveries that never reach the callback (a duplicate, a wrong token)', async () => {
    const { events, stop } = recordCallbackEvents();
    try {
      const webhook = maiagentWebhook({ authToken: TOKEN, onMessage: () => {} });
      const delivery = buildMaiAgentDelivery();
      await sendDelivery(webhook, { token: TOKEN, body: delivery });
      await sendDelivery(webhook, { token: TOKEN, body: delivery });
      await sendDelivery(webhook, { token: 'wrong', body: buildMaiAgentDelivery() });
      expect(events.filter(([name]) => name === 'start')).toHaveLength(1);
    } finally {
      stop();
    }
  });
});

describe('maiagent-webhook:outcome', () => {
  it('carries, for every delivery, the very object onOutcome receives', async () => {
    const published: unknown[] = [];
    const heard: DeliveryOutcome[] = [];
    const listener = (message: unknown) => void published.push(message);
    diagnostics.subscribe('maiagent-webhook:outcome', listener);
    try {
      const webhook = maiagentWebhook({ authToken: TOKEN, onMessage: () => {}, onOutcome: (o) => void heard.push(o) });
      const delivery = buildMaiAgentDelivery();
      await sendDelivery(webhook, { token: TOKEN, body: delivery });
      await sendDelivery(webhook, { token: TOKEN, body: delivery });
      await sendDelivery(webhook, { token: 'wrong', body: delivery });
      expect(heard.map((o) => o.code)).toEqual(['delivered', 'duplicate', 'unauthorized']);
      expect(published).toHaveLength(3);
      published.forEach((message, i) => expect(message).toBe(heard[i]));
    } finally {
      diagnostics.unsubscribe('maiagent-webhook:outcome', listener);
    }
  });

  it('is published without onOutcome too, with the duration measured', async () => {
    const published: DeliveryOutcome[] = [];
    const listener = (message: unknown) => void published.push(message as DeliveryOutcome);
    diagnostics.subscribe('maiagent-webhook:outcome', listener);
    try {
      await sendDelivery(maiagentWebhook({ authToken: TOKEN, onMessage: () => {} }), { token: TOKEN, body: buildMaiAgentDelivery() });
      expect(published).toEqual([expect.objectContaining({ code: 'delivered', status: 200, platform: 'maiagent', warnings: [] })]);
      expect(published[0]?.durationMs).toBeGreaterThan(0);
    } finally {
      diagnostics.unsubscribe('maiagent-webhook:outcome', listener);
    }
  });
});
