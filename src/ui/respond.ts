// Turning Html into responses: a page, or an error page with its status.
import type { Context } from 'hono';
import { html, layout, type Html, type PageName } from './html';

/** Sends a whole page (layout included). */
export const sendPage = (c: Context, title: string, active: PageName, body: Html): Response => c.html(layout({ title, active, body }).value);

export function errorPage(c: Context, status: 400 | 401 | 404 | 500, title: string, message: string): Response {
  return c.html(layout({ title, body: html`<p class="error" id="error-message">${message}</p><p><a href="/runs">Back to runs</a></p>` }).value, status);
}
