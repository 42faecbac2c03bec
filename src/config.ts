// Every setting Tickflow reads from the environment, validated in one place.
// An invalid value stops the program at start with a message naming the variable and the value.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './contracts/errors';
import { isSecretVariable, redactUrl } from './security/redact';

export const projectRoot = path.resolve(__dirname, '..', '..');

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
    .optional();
const hostPort = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'expected host:port')
  .optional();

const filePath = z.string().trim().min(1).optional();
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional();
/** A 256-bit AES key, base64 (`openssl rand -base64 32`). */
const aesKey = z.string().trim().refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, 'expected 32 bytes in base64 (openssl rand -base64 32)');
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Older payload keys, still accepted for decoding: "id=base64key,id=base64key". */
const oldKeys = z.string().trim().transform((v, ctx) => {
  const ring: Record<string, string> = {};
  for (const entry of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const id = entry.slice(0, at);
    const key = entry.slice(at + 1);
    if (at < 1 || !KEY_ID.test(id) || !aesKey.safeParse(key).success) {
      ctx.addIssue({ code: 'custom', message: `expected id=<32 bytes base64>, comma-separated (entry ${JSON.stringify(id || entry.slice(0, 8))} is not)` });
      return z.NEVER;
    }
    ring[id] = key;
  }
  return ring;
}).optional();

/** Role names Tickflow creates: plain lower-case identifiers, so they never need quoting tricks. */
const roleName = z.string().trim().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a role name: lower-case letters, digits and "_", at most 63');

/** The role custom quality rules run as unless TICKFLOW_RULES_ROLE names another. */
export const DEFAULT_RULES_ROLE = 'tickflow_rules';

/** Environment variable → field. Every variable is documented in the README's Configuration table. */
const envSchema = z.object({
  /** PostgreSQL connection URL. Unset: start the embedded PostgreSQL. */
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  /** Max connections in the DataSource pool. @default 10 */
  TICKFLOW_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Folder for local state: embedded PostgreSQL data, dev-server database, exports, logs. @default <project>/.tickflow */
  TICKFLOW_STATE_DIR: z.string().min(1).default(path.join(projectRoot, '.tickflow')),
  /** Port of the embedded PostgreSQL. @default 54329 */
  TICKFLOW_PG_PORT: port.default(54329),
  /** Temporal frontend address host:port. Unset: start the Temporal dev server. */
  TEMPORAL_ADDRESS: hostPort,
  /** Temporal namespace. @default default */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Task queue the worker polls and the client starts workflows on. @default tickflow */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('tickflow'),
  /** Port of the dev server started when TEMPORAL_ADDRESS is unset. @default 7233 */
  TEMPORAL_PORT: port.default(7233),
  /** Web UI port of that dev server. @default 8233 */
  TEMPORAL_UI_PORT: port.default(8233),
  /** Codec endpoint the dev server's Web UI decodes payloads with (`tickflow codec-server`). @default none */
  TEMPORAL_UI_CODEC_ENDPOINT: optionalUrl(['http:', 'https:']),
  /** Web UI base URL printed in links. @default http://localhost:<TEMPORAL_UI_PORT> */
  TEMPORAL_UI_URL: optionalUrl(['http:', 'https:']),
  /** Path of the `temporal` CLI binary. Unset: PATH, then the tool cache, else built with `go install`. */
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** Where the built Temporal CLI is cached. @default ~/.cache/tickflow/bin */
  TICKFLOW_TOOLS_DIR: z.string().min(1).default(path.join(os.homedir(), '.cache', 'tickflow', 'bin')),
  /** Redis URL. Unset: 127.0.0.1:6379 when it answers, else the cache is off. rediss:// connects with TLS. */
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  /** CA certificate (PEM file) the Redis server's certificate must chain to; implies TLS. @default the system's CAs for rediss:// */
  REDIS_TLS_CA: filePath,
  /** Temporal over TLS with the system's CAs (implied by any TEMPORAL_TLS_* variable or TEMPORAL_API_KEY). @default false */
  TEMPORAL_TLS: flag,
  /** mTLS client certificate and key (PEM files), for a server that requires client certificates. Both or neither. */
  TEMPORAL_TLS_CERT: filePath,
  TEMPORAL_TLS_KEY: filePath,
  /** CA certificate (PEM file) the Temporal server's certificate must chain to. @default the system's CAs */
  TEMPORAL_TLS_CA: filePath,
  /** Host name the server certificate must carry (SNI), when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().trim().min(1).optional(),
  /** API key sent as a bearer token (Temporal Cloud); implies TLS. Secret. */
  TEMPORAL_API_KEY: z.string().trim().min(1).optional(),
  /** PostgreSQL TLS, libpq's names: disable, require (encrypt, no verification), verify-ca, verify-full. @default the URL's sslmode, else off */
  PGSSLMODE: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).optional(),
  /** CA certificate (PEM file) for verify-ca / verify-full. @default the system's CAs */
  PGSSLROOTCERT: filePath,
  /** Client certificate and key (PEM files) for certificate authentication. */
  PGSSLCERT: filePath,
  PGSSLKEY: filePath,
  /** Encrypts workflow and activity payloads (AES-256-GCM) when set: 32 bytes base64. Secret. @default unset: payloads are plain JSON */
  TICKFLOW_PAYLOAD_KEY: aesKey.optional(),
  /** Id of TICKFLOW_PAYLOAD_KEY, written into each payload's metadata. @default key-1 */
  TICKFLOW_PAYLOAD_KEY_ID: z.string().trim().regex(KEY_ID, 'expected 1-64 of A-Z a-z 0-9 . _ -').default('key-1'),
  /** Retired keys, for decoding histories written with them: "id=base64,id=base64". Secret. */
  TICKFLOW_PAYLOAD_OLD_KEYS: oldKeys,
  /** Seconds a cached latest-feature vector lives in Redis. @default 86400 */
  TICKFLOW_FEATURE_CACHE_TTL: z.coerce.number().int().min(1).default(86400),
  /** Folder where training-data exports are written; a workflow's export.path must resolve inside it. @default <state dir>/exports */
  TICKFLOW_EXPORT_DIR: z.string().min(1).optional(),
  /**
   * Folders a workflow may read files from (sourcePath, trade files, datasets), separated by ":" (path.delimiter).
   * @default <project>/data and <state dir>/sources
   */
  TICKFLOW_SOURCE_ROOTS: z.string().min(1).optional(),
  /** Log level of the Temporal SDK inside worker processes. @default WARN */
  TICKFLOW_WORKER_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  /** Longest wait before an activity's heartbeat reaches the server (the SDK's default: 80 % of its heartbeat timeout). */
  TICKFLOW_HEARTBEAT_THROTTLE_MS: z.coerce.number().int().min(1).optional(),
  /** Benchmarks: fraction of the documented sizes to run (1 = full, e.g. 1,000,000 bars). @default 1 */
  TICKFLOW_BENCH_SCALE: z.coerce.number().positive().max(10).default(1),
  /** Folder with the bundled daily price files. @default <project>/data/prices */
  TICKFLOW_DATA_DIR: z.string().min(1).default(path.join(projectRoot, 'data', 'prices')),
  /** Documents: the embedder (use-lite: Universal Sentence Encoder lite, offline; hashing; openai: a remote API). @default use-lite */
  TICKFLOW_EMBEDDER: z.enum(['use-lite', 'hashing', 'openai']).default('use-lite'),
  /** Dimension of the hashing embedder. @default 256 */
  TICKFLOW_HASHING_DIMENSION: z.coerce.number().int().min(2).max(65536).default(256),
  /** An OpenAI-compatible embeddings API (POST <url>/v1/embeddings), its key (a secret), model and dimension. */
  TICKFLOW_EMBEDDINGS_URL: optionalUrl(['http:', 'https:']).default('https://api.openai.com'),
  TICKFLOW_EMBEDDINGS_API_KEY: z.string().trim().min(1).optional(),
  TICKFLOW_EMBEDDINGS_MODEL: z.string().trim().min(1).default('text-embedding-3-small'),
  TICKFLOW_EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(1).max(65536).default(1536),
  TICKFLOW_EMBEDDINGS_RATE_LIMIT_PER_MIN: z.coerce.number().positive().default(300),
  /** Tokens per chunk and tokens repeated between neighbouring chunks. @default 200 / 32 */
  TICKFLOW_CHUNK_TOKENS: z.coerce.number().int().min(8).max(8192).default(200),
  TICKFLOW_CHUNK_OVERLAP: z.coerce.number().int().min(0).max(4096).default(32),
  /** Folder of the bundled documents (the demo's filings). @default <project>/data/documents */
  TICKFLOW_DOCUMENTS_DIR: z.string().min(1).default(path.join(projectRoot, 'data', 'documents')),
  /** HTTP market-data providers: API keys (secrets: environment only), base URLs, per-provider rate limits. */
  ALPHAVANTAGE_API_KEY: z.string().trim().min(1).optional(),
  POLYGON_API_KEY: z.string().trim().min(1).optional(),
  TIINGO_API_KEY: z.string().trim().min(1).optional(),
  /** SEC asks every client to identify itself: "Company Name admin@example.com". Required by the sec-edgar source. */
  SEC_EDGAR_USER_AGENT: z.string().trim().min(1).optional(),
  /** Base URLs (tests point them at a local replay server). @default the providers' real hosts */
  YAHOO_BASE_URL: optionalUrl(['http:', 'https:']).default('https://query2.finance.yahoo.com'),
  ALPHAVANTAGE_BASE_URL: optionalUrl(['http:', 'https:']).default('https://www.alphavantage.co'),
  POLYGON_BASE_URL: optionalUrl(['http:', 'https:']).default('https://api.polygon.io'),
  TIINGO_BASE_URL: optionalUrl(['http:', 'https:']).default('https://api.tiingo.com'),
  /** companyfacts host. @default https://data.sec.gov */
  SEC_EDGAR_BASE_URL: optionalUrl(['http:', 'https:']).default('https://data.sec.gov'),
  /** Host of company_tickers.json (ticker → CIK). @default https://www.sec.gov */
  SEC_EDGAR_WWW_URL: optionalUrl(['http:', 'https:']).default('https://www.sec.gov'),
  /** Milliseconds one provider request (headers and body) may take before it counts as a transient failure. @default 30000 */
  TICKFLOW_HTTP_TIMEOUT_MS: z.coerce.number().int().min(1).max(600000).default(30000),
  /** Requests per minute per provider (token bucket per worker process). Defaults follow the free tiers. */
  YAHOO_RATE_LIMIT_PER_MIN: z.coerce.number().positive().default(60),
  ALPHAVANTAGE_RATE_LIMIT_PER_MIN: z.coerce.number().positive().default(5),
  POLYGON_RATE_LIMIT_PER_MIN: z.coerce.number().positive().default(5),
  TIINGO_RATE_LIMIT_PER_MIN: z.coerce.number().positive().default(50),
  /** SEC's fair-access limit is 10 requests per second. @default 600 */
  SEC_EDGAR_RATE_LIMIT_PER_MIN: z.coerce.number().positive().default(600),
  /** Sources without a filing date (Alpha Vantage, Tiingo): publishedAt = period end + this many days. @default 45 (10-Q deadline 40) */
  TICKFLOW_FUNDAMENTALS_QUARTERLY_LAG_DAYS: z.coerce.number().int().min(0).max(366).default(45),
  /** Same for annual reports. @default 90 (latest 10-K deadline) */
  TICKFLOW_FUNDAMENTALS_ANNUAL_LAG_DAYS: z.coerce.number().int().min(0).max(366).default(90),

  /** Vector stores (document search; docs/vector-stores.md). Store used when a command names none. @default lancedb */
  TICKFLOW_VECTOR_STORE: z.enum(['lancedb', 'pgvector', 'chroma', 'weaviate', 'pinecone']).default('lancedb'),
  /** Folder of the embedded LanceDB tables. @default <state dir>/lancedb */
  TICKFLOW_LANCEDB_DIR: z.string().min(1).optional(),
  /** PostgreSQL with the pgvector extension (≥ 0.8.0), or `pglite:<folder>` for an embedded PGlite. Unset: pgvector is not configured. */
  PGVECTOR_URL: optionalUrl(['postgres:', 'postgresql:', 'pglite:']),
  /** ChromaDB server, e.g. http://127.0.0.1:8000. */
  CHROMA_URL: optionalUrl(['http:', 'https:']),
  /** Weaviate REST endpoint, e.g. http://127.0.0.1:8080, and its gRPC port on the same host. @default gRPC 50051 */
  WEAVIATE_URL: optionalUrl(['http:', 'https:']),
  WEAVIATE_GRPC_PORT: port.default(50051),
  /** Pinecone index host (data plane, from describe_index) and API key (a secret: environment only). */
  PINECONE_INDEX_URL: optionalUrl(['http:', 'https:']),
  PINECONE_API_KEY: z.string().trim().min(1).optional(),
  /** Least-privilege roles (docs/security.md). Migrations and role setup connect here; unset: DATABASE_URL. */
  TICKFLOW_MIGRATION_DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  /** The NOLOGIN role custom quality rules run as (SET LOCAL ROLE). @default tickflow_rules */
  TICKFLOW_RULES_ROLE: roleName.default(DEFAULT_RULES_ROLE),
  /** The LOGIN role `tickflow db migrate` creates and grants DML to (the role DATABASE_URL should name). Unset: not managed. */
  TICKFLOW_RUNTIME_ROLE: roleName.optional(),
  /** Its password (secret: environment only; sent as a SCRAM verifier, never logged or stored by Tickflow). */
  TICKFLOW_RUNTIME_ROLE_PASSWORD: z.string().min(1).optional(),
  /** Milliseconds one custom rule's statement may run before it is cancelled and fails. @default 30000 */
  TICKFLOW_RULE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Port `tickflow ui` listens on (--port overrides). @default 8234 */
  TICKFLOW_UI_PORT: port.default(8234),
  /** Address `tickflow ui` binds (--host overrides); anything but loopback needs TICKFLOW_UI_TOKEN. @default 127.0.0.1 */
  TICKFLOW_UI_HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** Token every `tickflow ui` request must carry (secret: environment only). Required off loopback. */
  TICKFLOW_UI_TOKEN: z.string().min(16, 'expected at least 16 characters (a long random secret)').optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  databaseUrl: string | undefined;
  dbPoolMax: number;
  stateDir: string;
  embeddedPgPort: number;
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    devServerPort: number;
    uiPort: number;
    uiUrl: string;
    /** Codec endpoint given to the dev server's Web UI. */
    uiCodecEndpoint: string | undefined;
    cliPath: string | undefined;
    toolsDir: string;
    /** TLS for every Temporal connection (client and worker); undefined: plain gRPC. Paths, read when connecting. */
    tls: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string } | undefined;
    apiKey: string | undefined;
  };
  /** TLS for every PostgreSQL connection (the pool, hence COPY too); undefined: as the URL says. */
  postgresTls: { mode: 'disable' | 'require' | 'verify-ca' | 'verify-full'; caPath?: string; certPath?: string; keyPath?: string } | undefined;
  redisUrl: string | undefined;
  /** CA file for Redis TLS (forces TLS); rediss:// alone uses the system's CAs. */
  redisTlsCaPath: string | undefined;
  /** The payload codec's key ring (base64 keys by id) and the id new payloads are encrypted with; undefined: no codec. */
  payloadKeys: { currentId: string; keys: Record<string, string> } | undefined;
  featureCacheTtlSeconds: number;
  exportDir: string;
  /** Folders workflow inputs may read from (absolute). The export dir is separate: see exportDir. */
  sourceRoots: string[];
  dataDir: string;
  documents: DocumentsConfig;
  workerLogLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Caps how long the SDK holds back an activity heartbeat (undefined: the SDK's default). */
  heartbeatThrottleMs: number | undefined;
  benchScale: number;
  providers: ProvidersConfig;
  /** Where migrations run (the DDL owner); undefined: databaseUrl. */
  migrationDatabaseUrl: string | undefined;
  /** How custom quality rules run: as this role, each statement at most timeoutMs. */
  customRules: { role: string; timeoutMs: number };
  /** The runtime role `tickflow db migrate` manages (name unset: none). The password is a secret: never log it. */
  runtimeRole: { name: string | undefined; password: string | undefined };
  vectors: VectorsConfig;
  /** `tickflow ui`. The token is a secret: never log it. */
  ui: { host: string; port: number; token: string | undefined };
}

/** Where each vector store lives; see src/vectors/index.ts. The API key is a secret: never log it. */
export interface VectorsConfig {
  defaultStore: 'lancedb' | 'pgvector' | 'chroma' | 'weaviate' | 'pinecone';
  lancedbDir: string;
  pgvectorUrl: string | undefined;
  chromaUrl: string | undefined;
  weaviateUrl: string | undefined;
  weaviateGrpcPort: number;
  pineconeUrl: string | undefined;
  pineconeApiKey: string | undefined;
}

/** Document ingest and embeddings. The API key is a secret: never log it or store it. */
export interface DocumentsConfig {
  embedder: 'use-lite' | 'hashing' | 'openai';
  hashingDimension: number;
  remote: { baseUrl: string; apiKey: string | undefined; model: string; dimension: number; requestsPerMinute: number };
  chunkTokens: number;
  chunkOverlap: number;
  bundledDir: string;
}

export interface HttpProviderConfig {
  baseUrl: string;
  requestsPerMinute: number;
}

/** HTTP market-data sources. Keys are secrets: never log them or put them in dataset references. */
export interface ProvidersConfig {
  timeoutMs: number;
  yahoo: HttpProviderConfig;
  alphavantage: HttpProviderConfig & { apiKey: string | undefined };
  polygon: HttpProviderConfig & { apiKey: string | undefined };
  tiingo: HttpProviderConfig & { apiKey: string | undefined };
  secEdgar: HttpProviderConfig & { userAgent: string | undefined; wwwUrl: string };
  /** Publication lag assumed where a source gives no filing date. */
  fundamentalsLagDays: { quarterly: number; annual: number };
}

/** Reads and validates the environment. Throws ConfigError naming every bad variable and its value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": that is how most shells and compose files clear a variable.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      // A bad value is echoed so it can be fixed, except secrets: a key is never printed, a URL without its password.
      const value = cleaned[name] === undefined || !isSecretVariable(name) ? cleaned[name] : '***';
      return `${name}=${JSON.stringify(typeof value === 'string' ? redactUrl(value) : value)}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  }
  const e = parsed.data;
  const pairs: [string, string][] = [['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'], ['PGSSLCERT', 'PGSSLKEY']];
  const unpaired = pairs.filter(([a, b]) => !e[a as keyof Env] !== !e[b as keyof Env]).map(([a, b]) => `${a} and ${b}: give both or neither`);
  if (unpaired.length) throw new ConfigError(`Invalid configuration:\n  ${unpaired.join('\n  ')}`, unpaired);
  const stateDir = path.resolve(e.TICKFLOW_STATE_DIR);
  return {
    databaseUrl: e.DATABASE_URL,
    dbPoolMax: e.TICKFLOW_DB_POOL_MAX,
    stateDir,
    embeddedPgPort: e.TICKFLOW_PG_PORT,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devServerPort: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`,
      uiCodecEndpoint: e.TEMPORAL_UI_CODEC_ENDPOINT,
      cliPath: e.TEMPORAL_CLI_PATH,
      toolsDir: path.resolve(e.TICKFLOW_TOOLS_DIR),
      tls: e.TEMPORAL_TLS || e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_KEY || e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_SERVER_NAME || e.TEMPORAL_API_KEY
        ? { certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY, caPath: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
      apiKey: e.TEMPORAL_API_KEY,
    },
    postgresTls: e.PGSSLMODE ? { mode: e.PGSSLMODE, caPath: e.PGSSLROOTCERT, certPath: e.PGSSLCERT, keyPath: e.PGSSLKEY } : undefined,
    redisUrl: e.REDIS_URL,
    redisTlsCaPath: e.REDIS_TLS_CA,
    payloadKeys: e.TICKFLOW_PAYLOAD_KEY
      ? { currentId: e.TICKFLOW_PAYLOAD_KEY_ID, keys: { ...e.TICKFLOW_PAYLOAD_OLD_KEYS, [e.TICKFLOW_PAYLOAD_KEY_ID]: e.TICKFLOW_PAYLOAD_KEY } }
      : undefined,
    featureCacheTtlSeconds: e.TICKFLOW_FEATURE_CACHE_TTL,
    exportDir: path.resolve(e.TICKFLOW_EXPORT_DIR ?? path.join(stateDir, 'exports')),
    sourceRoots: e.TICKFLOW_SOURCE_ROOTS
      ? e.TICKFLOW_SOURCE_ROOTS.split(path.delimiter).filter(Boolean).map((r) => path.resolve(r))
      : [path.join(projectRoot, 'data'), path.join(stateDir, 'sources')],
    dataDir: path.resolve(e.TICKFLOW_DATA_DIR),
    documents: {
      embedder: e.TICKFLOW_EMBEDDER,
      hashingDimension: e.TICKFLOW_HASHING_DIMENSION,
      remote: {
        baseUrl: e.TICKFLOW_EMBEDDINGS_URL, apiKey: e.TICKFLOW_EMBEDDINGS_API_KEY, model: e.TICKFLOW_EMBEDDINGS_MODEL,
        dimension: e.TICKFLOW_EMBEDDINGS_DIMENSIONS, requestsPerMinute: e.TICKFLOW_EMBEDDINGS_RATE_LIMIT_PER_MIN,
      },
      chunkTokens: e.TICKFLOW_CHUNK_TOKENS,
      chunkOverlap: e.TICKFLOW_CHUNK_OVERLAP,
      bundledDir: path.resolve(e.TICKFLOW_DOCUMENTS_DIR),
    },
    workerLogLevel: e.TICKFLOW_WORKER_LOG_LEVEL,
    heartbeatThrottleMs: e.TICKFLOW_HEARTBEAT_THROTTLE_MS,
    benchScale: e.TICKFLOW_BENCH_SCALE,
    providers: {
      timeoutMs: e.TICKFLOW_HTTP_TIMEOUT_MS,
      yahoo: { baseUrl: e.YAHOO_BASE_URL, requestsPerMinute: e.YAHOO_RATE_LIMIT_PER_MIN },
      alphavantage: { baseUrl: e.ALPHAVANTAGE_BASE_URL, requestsPerMinute: e.ALPHAVANTAGE_RATE_LIMIT_PER_MIN, apiKey: e.ALPHAVANTAGE_API_KEY },
      polygon: { baseUrl: e.POLYGON_BASE_URL, requestsPerMinute: e.POLYGON_RATE_LIMIT_PER_MIN, apiKey: e.POLYGON_API_KEY },
      tiingo: { baseUrl: e.TIINGO_BASE_URL, requestsPerMinute: e.TIINGO_RATE_LIMIT_PER_MIN, apiKey: e.TIINGO_API_KEY },
      secEdgar: {
        baseUrl: e.SEC_EDGAR_BASE_URL, wwwUrl: e.SEC_EDGAR_WWW_URL, requestsPerMinute: e.SEC_EDGAR_RATE_LIMIT_PER_MIN, userAgent: e.SEC_EDGAR_USER_AGENT,
      },
      fundamentalsLagDays: { quarterly: e.TICKFLOW_FUNDAMENTALS_QUARTERLY_LAG_DAYS, annual: e.TICKFLOW_FUNDAMENTALS_ANNUAL_LAG_DAYS },
    },
    vectors: {
      defaultStore: e.TICKFLOW_VECTOR_STORE,
      lancedbDir: path.resolve(e.TICKFLOW_LANCEDB_DIR ?? path.join(stateDir, 'lancedb')),
      pgvectorUrl: e.PGVECTOR_URL,
      chromaUrl: e.CHROMA_URL,
      weaviateUrl: e.WEAVIATE_URL,
      weaviateGrpcPort: e.WEAVIATE_GRPC_PORT,
      pineconeUrl: e.PINECONE_INDEX_URL,
      pineconeApiKey: e.PINECONE_API_KEY,
    },
    migrationDatabaseUrl: e.TICKFLOW_MIGRATION_DATABASE_URL,
    customRules: { role: e.TICKFLOW_RULES_ROLE, timeoutMs: e.TICKFLOW_RULE_TIMEOUT_MS },
    runtimeRole: { name: e.TICKFLOW_RUNTIME_ROLE, password: e.TICKFLOW_RUNTIME_ROLE_PASSWORD },
    ui: { host: e.TICKFLOW_UI_HOST, port: e.TICKFLOW_UI_PORT, token: e.TICKFLOW_UI_TOKEN },
  };
}
