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

/** Integers as they are (the tests compare them with the database), others to 6 significant digits; '–' for none. */
export const fmtNumber = (v: number | string | null | undefined): string => {
  if (v === null || v === undefined || v === '') return '–';
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return String(v);
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
};

/** An amount to the cent for reading; the exact stored decimal stays in `data-value` (and the tooltip). */
export const money = (v: string | number | null | undefined): Html => {
  if (v === null || v === undefined || v === '' || !Number.isFinite(Number(v))) return html`–`;
  const shown = Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return html`<span class="amount" data-value="${String(v)}" title="${String(v)}">${shown}</span>`;
};

/** A fraction as a percentage with two decimals. */
export const pct = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(2)} %`);

/** The calendar day (UTC) of a date or an ISO timestamp. */
export const day = (d: Date | string): string => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

export const statusBadge = (status: string): Html => html`<span class="status status-${status}">${status}</span>`;

/** A JSON value for people, escaped like any other text. */
export const jsonBlock = (v: unknown): Html => html`<pre class="json">${JSON.stringify(v, null, 2)}</pre>`;
