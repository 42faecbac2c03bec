import { checkBar, type RawPriceRow } from '../../src/providers/bar';

const now = new Date('2020-01-01T00:00:00Z');
const row = (fields: Partial<RawPriceRow['fields']>): RawPriceRow => ({
  location: 'test:1',
  raw: fields,
  fields: { date: '2019-06-03', open: '10', high: '11', low: '9', close: '10.5', adjClose: '10.4', volume: '1000', ...fields },
});

describe('checkBar', () => {
  it('parses a good Yahoo row into a bar at midnight UTC', () => {
    const r = checkBar(row({}), 'AAPL', '1d', now);
    expect(r).toEqual({
      ok: true,
      bar: { symbol: 'AAPL', interval: '1d', ts: new Date('2019-06-03T00:00:00Z'), open: 10, high: 11, low: 9, close: 10.5, adjClose: 10.4, volume: 1000 },
    });
  });

  it('keeps a missing Adj Close as null', () => {
    const r = checkBar(row({ adjClose: undefined }), 'AAPL', '1d', now);
    expect(r.ok && r.bar.adjClose).toBeNull();
  });

  it.each([
    [{ close: 'abc' }, 'close is not a finite number'],
    [{ open: 'NaN' }, 'open is not a finite number'],
    [{ high: 'Infinity' }, 'high is not a finite number'],
    [{ volume: '' }, 'volume is not a finite number'],
    [{ date: '2019-13-45' }, 'date 2019-13-45 does not exist'],
    // JavaScript's Date rolls these over to 2016-05-01 and 2021-03-02; the strict parser refuses them.
    [{ date: '2016-04-31' }, 'date 2016-04-31 does not exist'],
    [{ date: '2021-02-30' }, 'date 2021-02-30 does not exist'],
    [{ date: '2019-06-03T10:00:00' }, 'timestamp 2019-06-03T10:00:00 has no zone'],
    [{ date: '2016-02-30T14:30:00Z' }, 'timestamp 2016-02-30T14:30:00Z: date 2016-02-30 does not exist'],
    [{ low: '-1' }, 'non-positive price'],
    [{ volume: '-5' }, 'negative volume'],
    [{ high: '8', low: '9' }, 'high 8 < low 9'],
    [{ open: '12' }, 'open 12 outside [low 9, high 11]'],
    [{ close: '8.5' }, 'close 8.5 outside [low 9, high 11]'],
    [{ date: '2021-01-04' }, 'timestamp 2021-01-04T00:00:00.000Z is in the future'],
    [{ open: 5 as unknown as string, close: true as unknown as string }, 'close is not a'],
  ])('refuses %j with reason "%s"', (fields, reason) => {
    const r = checkBar(row(fields as Partial<RawPriceRow['fields']>), 'AAPL', '1d', now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});
