// Formatting shared by the pages: times in UTC, durations, numbers, and the JSON shown for free-form columns.
import { html, type Html } from './html';

/** 2026-12-02 13:01:28Z, or '–' for none. */
export const fmtTime = (d: Date | string | null | undefined): string => (d ? `${new Date(d).toISOString().slice(0, 19).replace('T', ' ')}Z` : '–');

export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Integers as they are (the tests compare them with the database), others to 6 significant digits. */
export const fmtNumber = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));

export const statusBadge = (status: string): Html => html`<span class="status status-${status}">${status}</span>`;

/** A JSON value for people, escaped like any other text. */
export const jsonBlock = (v: unknown): Html => html`<pre class="json">${JSON.stringify(v, null, 2)}</pre>`;
