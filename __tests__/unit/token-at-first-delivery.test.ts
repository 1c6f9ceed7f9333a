import { maiagentWebhook } from 'maiagent-webhook/fetch';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';

const deliver = (handler: (request: Request) => Promise<Response>, token: string) =>
  handler(new Request(`https://app.test/maiagent/webhook?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(buildMaiAgentDelivery()) }));

describe('authToken as a function (read at the first delivery)', () => {
  it('is not called when the handler is created, so a build without the secret succeeds', () => {
    const authToken = jest.fn(() => undefined);
    expect(() => maiagentWebhook({ authToken, onMessage: () => {} })).not.toThrow();
    expect(authToken).not.toHaveBeenCalled();
  });

  it('while it gives no token, answers every delivery 500 internal_error, runs no callback, and logs one error naming the variable', async () => {
    const onMessage = jest.fn();
    const error = jest.fn();
    const handler = maiagentWebhook({ authToken: () => undefined, onMessage, log: { error } });
    const answers = [await deliver(handler, ''), await deliver(handler, 'guess')];
    expect(await Promise.all(answers.map(async (r) => [r.status, ((await r.json()) as { error: string }).error]))).toEqual([
      [500, 'internal_error'],
      [500, 'internal_error'],
    ]);
    expect(onMessage).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(2);
    expect(String((error.mock.calls[0] as [{ error: string }])[0].error)).toMatch(/is MAIAGENT_WEBHOOK_TOKEN set\?/);
  });

  it('once it gives a token, checks deliveries against it, and reads it only until then', async () => {
    const environment: { TOKEN?: string } = {};
    const authToken = jest.fn(() => environment.TOKEN);
    const handler = maiagentWebhook({ authToken, onMessage: () => {}, log: false });
    expect((await deliver(handler, 's3cret')).status).toBe(500);
    environment.TOKEN = 's3cret';
    expect((await deliver(handler, 's3cret')).status).toBe(200);
    expect((await deliver(handler, 'wrong')).status).toBe(401);
    expect(authToken).toHaveBeenCalledTimes(2);
  });
});
