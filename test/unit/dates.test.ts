import { isoDateSchema, parseDateOrInstant, parseInstant, parseIsoDate, tickerSchema, withDateRange } from '../../src/contracts';
import { z } from 'zod';

const reasonOf = (r: { ok: boolean; reason?: string }) => (r.ok ? 'ok' : r.reason);
const iso = (text: string, timeZone?: string) => {
  const r = parseInstant(text, { timeZone });
  return r.ok ? r.instant.toISOString() : r.reason;
};

describe('parseIsoDate', () => {
  it.each([
    ['2016-02-29', 'ok'], // leap year
    ['2000-02-29', 'ok'], // divisible by 400
    ['2015-02-29', 'date 2015-02-29 does not exist'],
    ['1900-02-29', 'date 1900-02-29 does not exist'], // divisible by 100, not 400
    ['2016-04-31', 'date 2016-04-31 does not exist'],
    ['2021-02-30', 'date 2021-02-30 does not exist'],
    ['2016-13-01', 'date 2016-13-01 does not exist'],
    ['2016-00-10', 'date 2016-00-10 does not exist'],
    ['2016-01-00', 'date 2016-01-00 does not exist'],
    ['0000-01-01', 'date 0000-01-01 does not exist'],
    ['0001-01-01', 'ok'],
    ['9999-12-31', 'ok'],
    ['2016-4-30', 'date "2016-4-30" is not a date (expected YYYY-MM-DD)'],
    ['2016-04-30 ', 'date "2016-04-30 " is not a date (expected YYYY-MM-DD)'],
  ])('%s → %s', (text, expected) => {
    expect(reasonOf(parseIsoDate(text))).toBe(expected);
  });

  it('round-trips: the midnight UTC it returns prints as the same date, also for years below 100', () => {
    for (const d of ['2016-02-29', '1999-12-31', '0050-06-15', '0001-01-01']) {
      const r = parseIsoDate(d);
      expect(r.ok && new Date(r.ms).toISOString().slice(0, 10)).toBe(d);
    }
  });
});

describe('parseInstant', () => {
  it('reads timestamps with Z or an offset (T or a space, fractions, ±HHMM)', () => {
    expect(iso('2020-06-01T13:30:00Z')).toBe('2020-06-01T13:30:00.000Z');
    expect(iso('2020-06-01T13:30Z')).toBe('2020-06-01T13:30:00.000Z');
    expect(iso('2023-05-08 00:00:00+02:00')).toBe('2023-05-07T22:00:00.000Z');
    expect(iso('2018-01-02T14:30:00.123456Z')).toBe('2018-01-02T14:30:00.123Z');
    expect(iso('2018-01-02T09:30:00-0500')).toBe('2018-01-02T14:30:00.000Z');
  });

  it('refuses a timestamp without a zone, and impossible dates, clock fields and offsets', () => {
    expect(iso('2020-06-01T13:30:00')).toBe('timestamp 2020-06-01T13:30:00 has no zone (add Z or an offset like -05:00)');
    expect(iso('2016-04-31T10:00:00Z')).toBe('timestamp 2016-04-31T10:00:00Z: date 2016-04-31 does not exist');
    expect(iso('2016-02-30T10:00:00Z')).toBe('timestamp 2016-02-30T10:00:00Z: date 2016-02-30 does not exist');
    expect(iso('2016-03-01T24:00:00Z')).toBe('timestamp 2016-03-01T24:00:00Z: time 24:00:00 does not exist');
    expect(iso('2016-03-01T10:60Z')).toBe('timestamp 2016-03-01T10:60Z: time 10:60 does not exist');
    expect(iso('2016-03-01T10:00:00+25:00')).toBe('timestamp 2016-03-01T10:00:00+25:00: offset +25:00 does not exist');
    expect(iso('March 1, 2016 10:00')).toMatch(/is not YYYY-MM-DDTHH:MM\[:SS\] with Z or an offset$/);
  });

  it('is exact across DST changes when the offset is given: the same wall time is two instants an hour apart', () => {
    // New York falls back at 2021-11-07 02:00 EDT: 01:30 happens twice, once at -04:00 and once at -05:00.
    expect(iso('2021-11-07T01:30:00-04:00')).toBe('2021-11-07T05:30:00.000Z');
    expect(iso('2021-11-07T01:30:00-05:00')).toBe('2021-11-07T06:30:00.000Z');
  });

  it('reads wall-clock times in a named zone, refusing the hour a DST change skips and taking the first of a repeated one', () => {
    const ny = 'America/New_York';
    expect(iso('2021-03-14 01:59:00', ny)).toBe('2021-03-14T06:59:00.000Z'); // EST, just before spring-forward
    expect(iso('2021-03-14 02:30:00', ny)).toBe('timestamp 2021-03-14 02:30:00 does not exist in America/New_York (skipped by a daylight-saving change)');
    expect(iso('2021-03-14 03:00:00', ny)).toBe('2021-03-14T07:00:00.000Z'); // EDT
    expect(iso('2021-11-07 01:30:00', ny)).toBe('2021-11-07T05:30:00.000Z'); // the first 01:30 (EDT)
    expect(iso('2021-11-07 02:00:00', ny)).toBe('2021-11-07T07:00:00.000Z'); // EST again
    expect(iso('2017-12-18 14:56:00', ny)).toBe('2017-12-18T19:56:00.000Z');
    expect(iso('2016-04-31 10:00:00', ny)).toBe('timestamp 2016-04-31 10:00:00: date 2016-04-31 does not exist');
    // An explicit offset wins over the zone.
    expect(iso('2021-03-14T02:30:00-05:00', ny)).toBe('2021-03-14T07:30:00.000Z');
  });

  it('parseDateOrInstant: a date is its midnight UTC, anything with a clock is an instant', () => {
    const at = (t: string) => ((r) => (r.ok ? r.instant.toISOString() : r.reason))(parseDateOrInstant(t));
    expect(at('2016-02-29')).toBe('2016-02-29T00:00:00.000Z');
    expect(at('2016-04-31')).toBe('date 2016-04-31 does not exist');
    expect(at('2016-04-30T12:00:00Z')).toBe('2016-04-30T12:00:00.000Z');
  });
});

describe('schemas', () => {
  it('isoDateSchema says whether the shape or the day is wrong', () => {
    expect(isoDateSchema.safeParse('2016-02-29').success).toBe(true);
    expect(isoDateSchema.safeParse('2016-02-30').error?.issues[0].message).toBe('date 2016-02-30 does not exist');
    expect(isoDateSchema.safeParse('yesterday').error?.issues[0].message).toBe('expected a date YYYY-MM-DD');
    expect(isoDateSchema.safeParse(20160229).error?.issues[0].message).toBe('expected a date YYYY-MM-DD');
  });

  it('tickerSchema takes upper-case tickers only', () => {
    for (const t of ['AAPL', 'BRK-B', 'EURUSD=X', 'RDS.A', 'ES=F']) expect(tickerSchema.safeParse(t).success).toBe(true);
    for (const t of ['aapl', '-X', '^GSPC', '', 'A'.repeat(33)]) expect(tickerSchema.safeParse(t).success).toBe(false);
  });

  it('withDateRange refuses from after to, and leaves open ends alone', () => {
    const s = withDateRange(z.object({ from: isoDateSchema.optional(), to: isoDateSchema.optional() }));
    expect(s.safeParse({ from: '2016-02-01', to: '2016-01-31' }).error?.issues[0]).toMatchObject({ message: 'from must not be after to', path: ['from'] });
    expect(s.safeParse({ from: '2016-02-01' }).success).toBe(true);
    expect(s.safeParse({ from: '2016-01-01', to: '2016-01-01' }).success).toBe(true);
  });
});
