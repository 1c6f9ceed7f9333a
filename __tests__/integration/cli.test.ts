import { startReceiver, curlLine, type RunningReceiver } from '../../src/cli';

/** Pulls the URL and the body out of the printed curl line and sends exactly that. */
function sendLikeCurl(line: string): Promise<Response> {
  const url = /"(http[^"]+)"/.exec(line)?.[1];
  const body = /-d '([^']+)'/.exec(line)?.[1];
  if (!url || !body) throw new Error(`not a curl line: ${line}`);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

describe('npm start receiver', () => {
  let receiver: RunningReceiver | undefined;
  const lines: string[] = [];
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
    lines.length = 0;
  });

  it('prints a ready curl line with the generated token, and prints the delivery it answers 200', async () => {
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', path: '/maiagent/webhook', log: (l) => lines.push(l) });
    const curl = lines.find((l) => l.includes('curl ')) ?? '';
    const response = await sendLikeCurl(curl);
    expect(response.status).toBe(200);
    expect(lines.join('\n')).toMatch(/200 delivered [0-9a-f-]{36}\n {2}conversation conv-0001, from Assistant \(789\)/);
    expect(lines.join('\n')).toContain('Hello from curl');
  });

  it('never prints a token it was given, and prints each refusal with its status', async () => {
    const token = 'given-token-never-printed';
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', path: '/hook', token, log: (l) => lines.push(l) });
    const response = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).toContain('401 unauthorized');
    expect(curlLine(receiver.url, undefined)).toContain('?token=$MAIAGENT_WEBHOOK_TOKEN"');
  });
});
