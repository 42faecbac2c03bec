import {
  BarContextDeriver, SessionCalendar, VOLUME_BASELINE_BARS, VOLUME_MIN_BARS, deriveBarContext, type ContextInput, type SeedBar,
} from '../../src/prices/bar-context';
import { nyseCalendar } from '../../src/calendar/nyse-calendar';

const nyse = SessionCalendar.fromDays(nyseCalendar(1990, 2035));
const us = (iso: string) => Date.parse(iso) * 1000;
const DAY_US = 86_400_000_000;

/** Daily bars from 2020-01-01 (weekends included: only the volume/close columns matter where this is used). */
function series(closes: number[], volumes: number[]): ContextInput[] {
  return closes.map((close, i) => ({ ts: us('2020-01-01T00:00:00Z') + i * DAY_US, close, volume: volumes[i] }));
}

const zOf = (bars: ContextInput[]) => deriveBarContext([], null, bars).map((c) => c.volumeZ);

describe('deriveBarContext', () => {
  it('links each bar to the previous one and counts runs of exactly equal closes', () => {
    const bars = series([10, 10, 11, 11, 11, 10, 10.000000001], [1, 1, 1, 1, 1, 1, 1]);
    const ctx = deriveBarContext([], null, bars);
    expect(ctx.map((c) => c.closeRun)).toEqual([1, 2, 1, 2, 3, 1, 1]);
    expect(ctx.map((c) => c.prevClose)).toEqual([null, 10, 10, 11, 11, 11, 10]);
    expect(ctx.map((c) => c.prevTs)).toEqual([null, ...bars.slice(0, -1).map((b) => b.ts)]);
  });

  it('continues a run from the seed', () => {
    const seed: SeedBar[] = [{ ts: us('2019-12-31T00:00:00Z'), close: 10, volume: 1, closeRun: 7 }];
    const [first, second] = deriveBarContext(seed, null, series([10, 10], [1, 1]));
    expect(first).toMatchObject({ prevTs: seed[0].ts, prevClose: 10, closeRun: 8 });
    expect(second.closeRun).toBe(9);
  });

  it('needs VOLUME_MIN_BARS previous finite volumes, and computes a hand-checkable z-score', () => {
    expect(VOLUME_MIN_BARS).toBe(20);
    // ln(1 + 0) = 0 and ln(1 + (e − 1)) = 1: ten of each give mean 0.5 and sample sd √(20 · 0.25 / 19).
    const volumes = [...Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0 : Math.E - 1)), 0];
    const z = zOf(series(volumes.map(() => 10), volumes));
    expect(z.slice(0, 20)).toEqual(Array(20).fill(null));
    expect(z[20]).toBeCloseTo(-0.5 / Math.sqrt(5 / 19), 12);
  });

  it('leaves non-finite volumes out of later baselines and gives them no z-score', () => {
    const volumes = Array.from({ length: 23 }, (_, i) => 1000 + 37 * i);
    volumes[3] = Number.NaN;
    volumes[8] = Number.POSITIVE_INFINITY;
    const z = zOf(series(volumes.map(() => 10), volumes));
    // Bar 20 has 20 previous bars but only 18 finite volumes; bar 22 has 20.
    expect(z[20]).toBeNull();
    expect(z[21]).toBeNull();
    const logs = volumes.slice(0, 22).filter(Number.isFinite).map((v) => Math.log(1 + v));
    const mean = logs.reduce((a, b) => a + b) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, v) => a + (v - mean) ** 2, 0) / (logs.length - 1));
    expect(z[22]).toBeCloseTo((Math.log(1 + volumes[22]) - mean) / sd, 12);

    const withNaN = [...volumes.slice(0, 22).map((v) => (Number.isFinite(v) ? v : 1)), Number.NaN];
    expect(zOf(series(withNaN.map(() => 10), withNaN))[22]).toBeNull();
  });

  it('treats a negative volume as 0', () => {
    const volumes = Array.from({ length: 21 }, (_, i) => (i % 2 === 0 ? 0 : Math.E - 1));
    const negative = [...volumes.slice(0, 20), -5];
    expect(zOf(series(negative.map(() => 10), negative))[20]).toBe(zOf(series(volumes.map(() => 10), [...volumes.slice(0, 20), 0]))[20]);
  });

  it('gives no z-score over a baseline of equal volumes (sd 0), even where the rounded mean is not exact', () => {
    const volumes = [...Array(30).fill(1234.5678), 99, 1234.5678];
    const z = zOf(series(volumes.map(() => 10), volumes));
    expect(z.slice(0, 31)).toEqual(Array(31).fill(null));
    expect(z[31]).not.toBeNull();
  });

  it('uses only the previous VOLUME_BASELINE_BARS bars', () => {
    // One huge volume, then 60 ordinary ones: the bar after them no longer sees it.
    const ordinary = (i: number) => 1000 + ((i * 7919) % 500);
    const volumes = [1e12, ...Array.from({ length: VOLUME_BASELINE_BARS + 1 }, (_, i) => ordinary(i))];
    const z = zOf(series(volumes.map(() => 10), volumes));
    const alone = zOf(series(volumes.slice(1).map(() => 10), volumes.slice(1)));
    expect(z[VOLUME_BASELINE_BARS + 1]).toBe(alone[VOLUME_BASELINE_BARS]);
    expect(z[VOLUME_BASELINE_BARS]).not.toBe(alone[VOLUME_BASELINE_BARS - 1]);
  });

  it('counts XNYS sessions strictly between bars over weekends and holidays, and marks non-sessions', () => {
    const days = [
      '2019-07-02', // Tue
      '2019-07-05', // Fri: Wed 3 is a session, Thu 4 (Independence Day) is not → 1
      '2019-07-08', // Mon after a weekend → 0
      '2019-07-08', // the same date again (a second bar that day) → 0
      '2019-07-13', // Sat: Tue–Fri → 4; not a session
      '2019-07-15', // Mon → 0
      '2019-07-17', // Wed → 1
    ];
    const bars = days.map((d, i) => ({ ts: us(`${d}T00:00:00Z`) + (i === 3 ? 16 * 3_600_000_000 : 0), close: 10 + i, volume: 100 }));
    const ctx = deriveBarContext([], nyse, bars);
    expect(ctx.map((c) => c.missingSessions)).toEqual([null, 1, 0, 0, 4, 0, 1]);
    expect(ctx.map((c) => c.tradingDay)).toEqual([true, true, true, true, false, true, true]);
  });

  it('gives null calendar columns outside the calendar and for intraday intervals', () => {
    const bars = [
      { ts: us('1989-12-29T00:00:00Z'), close: 1, volume: 1 },
      { ts: us('1990-01-02T00:00:00Z'), close: 1, volume: 1 },
      { ts: us('1990-01-03T00:00:00Z'), close: 1, volume: 1 },
    ];
    expect(deriveBarContext([], nyse, bars).map((c) => [c.missingSessions, c.tradingDay])).toEqual([[null, null], [null, true], [0, true]]);
    expect(deriveBarContext([], null, bars).map((c) => [c.missingSessions, c.tradingDay])).toEqual([[null, null], [null, null], [null, null]]);
  });

  it('gives identical values from any start point with the right seed', () => {
    let x = 42;
    const random = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const bars: ContextInput[] = [];
    let ts = us('2018-12-20T00:00:00Z');
    for (let i = 0; i < 300; i++) {
      ts += (1 + Math.floor(random() * 4)) * DAY_US;
      const r = random();
      bars.push({
        ts,
        close: random() < 0.3 && i > 0 ? bars[i - 1].close : 100 + Math.round(random() * 50) / 10,
        volume: r < 0.05 ? Number.NaN : r < 0.08 ? -3 : r < 0.1 ? 0 : Math.floor(random() * 1e7),
      });
    }
    const whole = deriveBarContext([], nyse, bars);
    for (let k = 1; k < bars.length; k++) {
      const seed = bars.slice(Math.max(0, k - VOLUME_BASELINE_BARS), k).map((b, i, s) => ({ ...b, closeRun: i === s.length - 1 ? whole[k - 1].closeRun : null }));
      expect(deriveBarContext(seed, nyse, bars.slice(k))).toEqual(whole.slice(k));
    }
    // A longer seed than the baseline changes nothing either.
    const deriver = new BarContextDeriver(bars.slice(0, 150).map((b, i) => ({ ...b, closeRun: whole[i].closeRun })), nyse);
    expect(bars.slice(150).map((b) => deriver.next(b))).toEqual(whole.slice(150));
  });
});
