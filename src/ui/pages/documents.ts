// The Documents page (placeholder until it is written).
import type { UiApp, UiDeps } from '../deps';
import { html } from '../html';
import { sendPage } from '../respond';

export function register(app: UiApp, _deps: UiDeps): void {
  app.get('/documents', (c) => sendPage(c, 'Documents', 'documents', html`<p class="empty">not yet</p>`));
}
