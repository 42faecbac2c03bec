// The NYSE trading calendar, computed from the exchange's holiday rules (NYSE Rule 7.2 and the holiday table
// published at https://www.nyse.com/markets/hours-calendars) plus the one-off closures listed below.
// Computed rather than typed in so any year follows the same rules. Reference data for prices (bar context) and
// quality (calendar rules); migration 1732406700000 stored 1990–2035 from a frozen copy of its closures.

export interface Holiday {
  /** YYYY-MM-DD */
  day: string;
  name: string;
}

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** The n-th (1-based) given weekday of a month; n = -1 means the last one. */
function nthWeekday(y: number, m: number, dow: number, n: number): string {
  if (n > 0) {
    const first = weekday(y, m, 1);
    return iso(y, m, 1 + ((dow - first + 7) % 7) + 7 * (n - 1));
  }
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const last = weekday(y, m, lastDay);
  return iso(y, m, lastDay - ((last - dow + 7) % 7));
}

/** Saturday holidays move to Friday, Sunday ones to Monday (NYSE Rule 7.2). */
function observed(y: number, m: number, d: number): string | null {
  const dow = weekday(y, m, d);
  if (dow === 6) {
    // New Year's Day on a Saturday is not observed on the Friday before: that Friday ends the prior year's books.
    if (m === 1 && d === 1) return null;
    return iso(y, m, d - 1);
  }
  return dow === 0 ? iso(y, m, d + 1) : iso(y, m, d);
}

/** Gregorian Easter Sunday (anonymous Gregorian algorithm). */
function easter(y: number): [number, number] {
  const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  return [month, ((h + l - 7 * m + 114) % 31) + 1];
}

/** Unscheduled full-day closures (national days of mourning, weather, 9/11). */
const SPECIAL_CLOSURES: Holiday[] = [
  { day: '1994-04-27', name: 'National Day of Mourning (Nixon)' },
  { day: '2001-09-11', name: 'September 11 attacks' },
  { day: '2001-09-12', name: 'September 11 attacks' },
  { day: '2001-09-13', name: 'September 11 attacks' },
  { day: '2001-09-14', name: 'September 11 attacks' },
  { day: '2004-06-11', name: 'National Day of Mourning (Reagan)' },
  { day: '2007-01-02', name: 'National Day of Mourning (Ford)' },
  { day: '2012-10-29', name: 'Hurricane Sandy' },
  { day: '2012-10-30', name: 'Hurricane Sandy' },
  { day: '2018-12-05', name: 'National Day of Mourning (G. H. W. Bush)' },
  { day: '2025-01-09', name: 'National Day of Mourning (Carter)' },
];

/** Full-day NYSE closures on weekdays in [fromYear, toYear]. */
export function nyseHolidays(fromYear: number, toYear: number): Holiday[] {
  const out: Holiday[] = [];
  for (let y = fromYear; y <= toYear; y++) {
    const add = (day: string | null, name: string) => day && out.push({ day, name });
    add(observed(y, 1, 1), "New Year's Day");
    if (y >= 1998) add(nthWeekday(y, 1, 1, 3), 'Martin Luther King Jr. Day');
    add(nthWeekday(y, 2, 1, 3), "Washington's Birthday");
    const [em, ed] = easter(y);
    add(iso(y, em, ed - 2), 'Good Friday');
    add(nthWeekday(y, 5, 1, -1), 'Memorial Day');
    if (y >= 2022) add(observed(y, 6, 19), 'Juneteenth');
    add(observed(y, 7, 4), 'Independence Day');
    add(nthWeekday(y, 9, 1, 1), 'Labor Day');
    add(nthWeekday(y, 11, 4, 4), 'Thanksgiving Day');
    add(observed(y, 12, 25), 'Christmas Day');
  }
  // New Year's Day of toYear + 1 on a Saturday is skipped above, so no holiday spills out of the range.
  out.push(...SPECIAL_CLOSURES.filter((h) => Number(h.day.slice(0, 4)) >= fromYear && Number(h.day.slice(0, 4)) <= toYear));
  return out.sort((a, b) => a.day.localeCompare(b.day));
}

export interface CalendarDay {
  day: string;
  trading: boolean;
  /** Trading days from the start of the calendar up to and including this day. */
  ordinal: number;
}

/** Every calendar day of [fromYear, toYear] with its trading flag and running trading-day count. */
export function nyseCalendar(fromYear: number, toYear: number): CalendarDay[] {
  const closed = new Set(nyseHolidays(fromYear, toYear).map((h) => h.day));
  const days: CalendarDay[] = [];
  let ordinal = 0;
  for (let t = Date.UTC(fromYear, 0, 1); t < Date.UTC(toYear + 1, 0, 1); t += 86_400_000) {
    const d = new Date(t);
    const day = d.toISOString().slice(0, 10);
    const trading = d.getUTCDay() !== 0 && d.getUTCDay() !== 6 && !closed.has(day);
    if (trading) ordinal++;
    days.push({ day, trading, ordinal });
  }
  return days;
}

/** The exchange code rows carry in exchange_calendar. */
export const NYSE = 'XNYS';
/** Years the migration stores; the rules are good for any year. */
export const CALENDAR_YEARS = { from: 1990, to: 2035 } as const;
