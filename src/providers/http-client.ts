// The one HTTP path every market-data provider uses: rate limit, timeout, and the mapping of failures onto
// TransientProviderError (Temporal retries the activity) or ProviderError (retrying cannot help).
// No retries here: a retry loop inside an activity would hide outages from Temporal's history and retry policy.
import type { z } from 'zod';
import { ProviderError, TransientProviderError } from '../contracts/errors';
import { redactText, redactUrl } from '../security/redact';

export interface HttpClientOptions {
  /** Provider name used in every error message, e.g. "polygon". */
  provider: string;
  baseUrl: string;
  timeoutMs: number;
  requestsPerMinute: number;
  /** Sent with every request (User-Agent, Authorization); never echoed in messages. */
  headers?: Record<string, string>;
  /** Query parameters with secrets (apikey); added to the URL sent, never to `describe()` or messages. */
  secretQuery?: Record<string, string>;
}

export interface HttpRequest {
  /** Path under the base URL ("/v2/aggs/..."), or an absolute URL whose path and query are re-based onto it. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Named in errors. */
  symbol?: string;
  /** A JSON body: the request is then a POST (embedding APIs). */
  body?: unknown;
}

/** A token bucket per provider and host, shared by every client in the process (providers are built per activity). */
class TokenBucket {
  private tokens: number;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly perMinute: number, private readonly capacity: number) {
    this.tokens = capacity;
  }

  /** Resolves when a request may start; callers are served in arrival order. */
  take(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = Date.now();
        this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute)));
      }
    });
    this.queue = turn;
    return turn;
  }
}

const buckets = new Map<string, TokenBucket>();

function bucketFor(o: HttpClientOptions): TokenBucket {
  const key = `${o.provider}|${o.baseUrl}|${o.requestsPerMinute}`;
  let b = buckets.get(key);
  if (!b) {
    // A burst of one second's worth of requests: low limits (5/min) get strict spacing.
    b = new TokenBucket(o.requestsPerMinute, Math.max(1, Math.floor(o.requestsPerMinute / 60)));
    buckets.set(key, b);
  }
  return b;
}

/** Retry-After is either delta-seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** "results[3].o is not a number" from a zod issue list. */
function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      const where = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
      return where ? `${where}: ${i.message}` : i.message;
    })
    .join('; ');
}

export class HttpClient {
  private readonly bucket: TokenBucket;

  constructor(private readonly options: HttpClientOptions) {
    this.bucket = bucketFor(options);
  }

  get provider(): string {
    return this.options.provider;
  }

  /** The URL without secrets: for DataLineage dataset references and messages. */
  describe(req: HttpRequest): string {
    // A pagination link may carry a credential the vendor echoed back (`next_url=…&apiKey=…`).
    return redactUrl(this.url(req, false).toString());
  }

  /** GETs JSON and parses it with `schema`; a shape mismatch names the field. */
  async json<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.infer<S>> {
    return this.parse(req, await this.text(req), schema);
  }

  /** Parses a body already fetched (e.g. a CSV endpoint that answered with a JSON error). */
  parse<S extends z.ZodType>(req: HttpRequest, body: string, schema: S): z.infer<S> {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      throw this.fail(req, `${this.pathOf(req)}: response is not JSON (starts with ${JSON.stringify(this.redact(body).slice(0, 40))})`);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw this.fail(req, describeIssues(parsed.error.issues));
    return parsed.data;
  }

  /** GETs a body as text (CSV endpoints), classifying every failure. */
  async text(req: HttpRequest): Promise<string> {
    await this.bucket.take();
    const where = this.redact(this.pathOf(req));
    let res: Response;
    try {
      res = await fetch(this.url(req, true), {
        ...(req.body === undefined ? {} : { method: 'POST', body: JSON.stringify(req.body) }),
        headers: { accept: 'application/json, text/csv;q=0.9, */*;q=0.8', ...(req.body === undefined ? {} : { 'content-type': 'application/json' }), ...this.options.headers },
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'follow',
      });
    } catch (e) {
      throw this.networkError(req, where, e);
    }
    if (res.status === 429) {
      await res.body?.cancel();
      const wait = retryAfterMs(res.headers.get('retry-after'));
      throw new TransientProviderError(this.provider, req.symbol, `${where}: HTTP 429 rate limited${wait !== undefined ? ` (retry after ${wait} ms)` : ''}`, wait);
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new TransientProviderError(this.provider, req.symbol, `${where}: HTTP ${res.status} ${res.statusText}`.trim());
    }
    if (res.status >= 400) {
      // Masked before it is cut: a key straddling the cut would otherwise leave its first half.
      const detail = this.redact(await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
      throw this.fail(req, `${where}: HTTP ${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`);
    }
    try {
      return await res.text();
    } catch (e) {
      throw this.networkError(req, where, e);
    }
  }

  /** A non-retryable error for this provider and symbol, with secrets removed. */
  fail(req: HttpRequest, message: string): ProviderError {
    return new ProviderError(this.provider, req.symbol, this.redact(message));
  }

  private networkError(req: HttpRequest, where: string, e: unknown): TransientProviderError {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const reason =
      err.name === 'TimeoutError' || err.name === 'AbortError'
        ? `timed out after ${this.options.timeoutMs} ms`
        : `connection failed (${err.cause?.code ?? err.cause?.message ?? err.message})`;
    return new TransientProviderError(this.provider, req.symbol, this.redact(`${where}: ${reason}`));
  }

  private pathOf(req: HttpRequest): string {
    const u = this.url(req, false);
    return `${req.body === undefined ? 'GET' : 'POST'} ${u.pathname}`;
  }

  private url(req: HttpRequest, withSecrets: boolean): URL {
    const base = new URL(this.options.baseUrl);
    const given = /^https?:\/\//.test(req.path) ? new URL(req.path) : undefined;
    // Absolute URLs (pagination links) are re-based: secrets only ever go to the configured host.
    const u = new URL(base.pathname.replace(/\/$/, '') + (given ? given.pathname : req.path), base);
    if (given) given.searchParams.forEach((v, k) => u.searchParams.set(k, v));
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    for (const k of Object.keys(this.options.secretQuery ?? {})) u.searchParams.delete(k);
    if (withSecrets) for (const [k, v] of Object.entries(this.options.secretQuery ?? {})) u.searchParams.set(k, v);
    return u;
  }

  /** The message without this client's keys (in any encoding), URL passwords or credential query parameters. */
  private redact(message: string): string {
    const fromHeaders = Object.values(this.options.headers ?? {}).filter((v) => /^(token|bearer)\s/i.test(v)).map((v) => v.replace(/^(token|bearer)\s+/i, ''));
    return redactText(message, [...Object.values(this.options.secretQuery ?? {}), ...fromHeaders]);
  }
}

