// Owns the SQL on exchange_calendar: reference data that prices (bar context) and quality (calendar rules) read.
import type { EntityManager } from 'typeorm';
import { CALENDAR_YEARS, NYSE, nyseCalendar, nyseHolidays } from '../calendar/nyse-calendar';

/** Fills exchange_calendar with the NYSE calendar as src/calendar computes it today (the migration has its own frozen copy). */
async function seedNyseCalendar(em: EntityManager): Promise<void> {
  const days = nyseCalendar(CALENDAR_YEARS.from, CALENDAR_YEARS.to);
  const names = new Map(nyseHolidays(CALENDAR_YEARS.from, CALENDAR_YEARS.to).map((h) => [h.day, h.name]));
  await em.query(
    `INSERT INTO exchange_calendar (exchange, day, trading, ordinal, holiday)
     SELECT $1, * FROM unnest($2::date[], $3::boolean[], $4::int[], $5::text[]) ON CONFLICT DO NOTHING`,
    [NYSE, days.map((d) => d.day), days.map((d) => d.trading), days.map((d) => d.ordinal), days.map((d) => names.get(d.day) ?? null)],
  );
}

/** The calendar is reference data a bulk TRUNCATE can empty; rules and bar context against an empty one would see no gaps. */
export async function ensureNyseCalendar(em: EntityManager): Promise<void> {
  const [{ seeded }] = await em.query(`SELECT EXISTS (SELECT 1 FROM exchange_calendar WHERE exchange = $1) AS seeded`, [NYSE]);
  if (!seeded) await seedNyseCalendar(em);
}
