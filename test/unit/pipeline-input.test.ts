import { ApplicationFailure } from '@temporalio/common';
import type { ZodType } from 'zod';
import { NON_RETRYABLE_ERROR_TYPES, nonRetryableFailure, QualityGateError } from '../../src/contracts/errors';
import { backfillInputSchema } from '../../workflows/backfill';
import { dailyInputSchema } from '../../workflows/daily-pipeline';
import { describeInputIssues, minusDays, parseWorkflowInput, pipelineInputSchema } from '../../workflows/pipeline-input';
import { recomputeInputSchema } from '../../workflows/recompute-features';
import { reprocessInputSchema } from '../../workflows/reprocess';

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
    [{ symbols: ['AAPL'], from: '2016-02-30', to: '2016-12-30' }, 'from: date 2016-02-30 does not exist'],
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

describe('every workflow input refuses days that do not exist, naming the field', () => {
  it.each([
    ['backfill', backfillInputSchema, { symbols: ['AAPL'], from: '2016-02-30', to: '2016-03-31' }, 'from: date 2016-02-30 does not exist'],
    ['backfill', backfillInputSchema, { symbols: ['AAPL'], from: '2016-01-04', to: '2016-04-31' }, 'to: date 2016-04-31 does not exist'],
    ['daily', dailyInputSchema, { symbols: ['AAPL'], date: '2021-02-30' }, 'date: date 2021-02-30 does not exist'],
    ['recompute', recomputeInputSchema, { from: '2016-02-30' }, 'from: date 2016-02-30 does not exist'],
    ['recompute', recomputeInputSchema, { from: '2016-03-01', to: '2016-02-01' }, 'from: from must not be after to'],
    ['reprocess', reprocessInputSchema, { to: '2015-02-29' }, 'to: date 2015-02-29 does not exist'],
    ['pipeline', pipelineInputSchema, { symbols: ['AAPL'], from: '2016-01-04', to: '2016-13-01' }, 'to: date 2016-13-01 does not exist'],
  ])('%s %j', (_name, schema: ZodType, raw, expected) => {
    const r = schema.safeParse(raw);
    expect(r.success).toBe(false);
    if (!r.success) expect(describeInputIssues(r.error)).toContain(expected);
  });

  it('parseWorkflowInput fails non-retryably as an InputError, the type name activities use too', () => {
    let failure: unknown;
    try {
      parseWorkflowInput(backfillInputSchema, { symbols: ['AAPL'], from: '2016-02-30', to: '2016-03-31' }, 'backfill');
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InputError', nonRetryable: true, message: 'invalid backfill input: from: date 2016-02-30 does not exist' });
    expect(NON_RETRYABLE_ERROR_TYPES).toContain((failure as ApplicationFailure).type);
  });
});

describe('the quality gate failure', () => {
  it('is the QualityGateError class, thrown as a non-retryable failure of the same type and message', () => {
    const failure = nonRetryableFailure(new QualityGateError(['price.ohlc_consistency'], ['11', '12']));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'QualityGateError', nonRetryable: true,
      message: 'quality gate blocked the export: price.ohlc_consistency failed (ValidationResult ids 11, 12)',
    });
  });
});
