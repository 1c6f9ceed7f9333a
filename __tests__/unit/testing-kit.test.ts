import { deliverWithRetries } from 'maiagent-webhook/testing';

describe('deliverWithRetries', () => {
  it('takes backoffMs as a number of milliseconds between attempts', async () => {
    const answers = [500, 503, 200];
    const report = await deliverWithRetries(async () => answers.shift() as number, { maxAttempts: 5, backoffMs: 1 });
    expect(report).toEqual({ delivered: true, statuses: [500, 503, 200] });
  });

  it('takes backoffMs as a function of the attempt number', async () => {
    const asked: number[] = [];
    const report = await deliverWithRetries(async () => 500, {
      maxAttempts: 3,
      backoffMs: (attempt) => {
        asked.push(attempt);
        return 1;
      },
    });
    expect(report).toEqual({ delivered: false, statuses: [500, 500, 500] });
    expect(asked).toEqual([1, 2]);
  });
});
