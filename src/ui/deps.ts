// What every UI page gets: the database (read through repositories only) and the configuration.
import type { Hono } from 'hono';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';

export interface UiDeps {
  dataSource: DataSource;
  config: Config;
  /** TICKFLOW_UI_TOKEN: when set, every request must carry it (bearer header, or the cookie `?token=` sets). */
  token?: string;
  /** Host names the Host header may carry when no token is set (DNS rebinding guard). @default loopback names */
  allowedHosts?: string[];
}

export type UiApp = Hono;

/** One page (or a family of routes under one nav entry): registers its GET routes on the app. */
export interface UiPage {
  register(app: UiApp, deps: UiDeps): void;
}
