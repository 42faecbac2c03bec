import { describeInputIssues, minusDays, pipelineInputSchema } from '../../workflows/pipeline-input';

describe('pipeline input', () => {
  it('fills defaults from a short JSON, as typed into the Web UI', () => {
    const input = pipelineInputSchema.parse({ symbols: ['AAPL'], from: '2016-01-04', to: '2016-12-30' });
    expect(input).toMatchObject({
      interval: '1d', source: 'bundled', featureSet: 'default', lookbackDays: 120, seed: 42,
      export: { enabled: true, format: 'csv', horizon: 5 },
    });
  });

  it.each([
    [{ symbols: ['AAPL', 'bad sym'], from: '2016-01-04', to: '2016-12-30' }, 'symbols[1]: symbols are upper-case tickers'],
    [{ symbols: [], from: '2016-01-04', to: '2016-12-30' }, 'symbols:'],
    [{ symbols: ['AAPL'], from: '2016-02-30', to: '2016-12-30' }, 'from: not a calendar date'],
    [{ symbols: ['AAPL'], from: '2017-01-04', to: '2016-12-30' }, 'from: from must not be after to'],
    [{ symbols: ['AAPL'], from: '2016-01-04', to: '2016-12-30', source: 'csv' }, 'sourcePath: sources "csv" and "jsonl" need sourcePath'],
    [{ symbols: ['AAPL'], from: '2016-01-04', to: '2016-12-30', export: { horizon: 0 } }, 'export.horizon:'],
    [{ symbols: ['AAPL'], from: '2016-01-04', to: '2016-12-30', symbol: 'typo' }, 'Unrecognized key: "symbol"'],
  ])('rejects %j naming the field', (raw, expected) => {
    const r = pipelineInputSchema.safeParse(raw);
    expect(r.success).toBe(false);
    if (!r.success) expect(describeInputIssues(r.error)).toContain(expected);
  });

  it('computes look-back start dates across month and leap-year boundaries', () => {
    expect(minusDays('2016-03-01', 1)).toBe('2016-02-29');
    expect(minusDays('2016-01-04', 120)).toBe('2015-09-06');
  });
});
