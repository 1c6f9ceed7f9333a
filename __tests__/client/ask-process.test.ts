// ask in a process started with --unhandled-rejections=strict, on the fresh build: whatever ends first, the
// caller's catch runs and the process stays up.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { testBuildDir } from '../support/build';

function runAskChild(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--unhandled-rejections=strict', join(__dirname, '..', 'support', 'ask-child.js'), testBuildDir()], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (child.exitCode ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('client.ask never crashes the process', () => {
  it('rejects through its own promise in every order of events, saying which ended it', async () => {
    const { code, stdout, stderr } = await runAskChild();
    expect({ code, stderr: stderr.split('\n').slice(0, 5).join('\n') }).toEqual({ code: 0, stderr: '' });
    const results = JSON.parse(stdout) as Record<string, { name: string; message: string; status?: number }>;
    expect(results['the wait ends first']).toMatchObject({ name: 'TimeoutError', message: expect.stringMatching(/timed out after 500 ms waiting for the reply.*messages\.create had not answered/) });
    expect(results['the send fails first']).toMatchObject({ name: 'MaiAgentApiError', status: 500, message: expect.stringContaining('POST /api/v1/messages/') });
    expect(results['the signal aborts during the send']).toMatchObject({ message: 'the user left' });
    expect(results['both fail']).toMatchObject({ name: 'TimeoutError', message: expect.stringMatching(/timed out after 300 ms waiting for the reply/) });
    expect(results['the hub cannot listen']).toMatchObject({ message: 'redis is down' });
  }, 60_000);
});
