// The collector's one config schema, and beside it the one table that documents every key: where it
// may come from (the --config file, a NETDIAG_* environment variable, a flag) and what it does.
// collector/config-load.ts merges the three sources (file < env < flags) through this schema once at
// start; `--help` (config-help.ts) and the README's table are generated from CONFIG_KEYS.
import { z } from "zod";
import { DeadlinePolicyConfig } from "./tickets/deadlines.js";
import { RetentionConfig } from "./maintenance/config.js";
import { WebhooksConfig } from "./webhooks/config.js";
import { DatabaseUrl } from "./store/database-url.js";

export const LOG_LEVELS = ["info", "warn", "error", "silent"] as const;

export const CollectorConfig = z
  .strictObject({
    dataDir: z.string().min(1).default("./data"),
    /** A postgres:// URL: the store is that PostgreSQL database (collector/store/database-url.ts); absent = SQLite under dataDir. */
    database: DatabaseUrl.optional(),
    /** Bind address. Loopback by default: exposing the collector is a deliberate choice (--host 0.0.0.0). */
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Serve HTTPS/wss with this certificate and key (PEM paths). */
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    /** URL agents and engineers use to reach this collector, when it differs from the bound address. */
    publicUrl: z.string().optional(),
    logLevel: z.enum(LOG_LEVELS).default("info"),
    /** Agent connection limits. */
    maxAgents: z.number().int().min(1).default(10000),
    /**
     * Ping interval; a dead link is found within 2x this on both sides (docs/delivery.md, "Dead links":
     * 5 s finds it within 10 s and costs each idle agent ~12 pings a minute).
     */
    heartbeatMs: z.number().int().min(100).default(5000),
    /** File holding the bearer token a Prometheus scraper presents on GET /metrics (docs/running.md, "Metrics"). */
    metricsTokenFile: z.string().optional(),
    /**
     * How long a SIGTERM may take to drain (in-flight writes, acks, agents told to come back) before the
     * collector gives up and exits 1. Below docker's 10 s and systemd's 90 s before their SIGKILL.
     */
    shutdownTimeoutMs: z.number().int().min(100).max(600_000).default(8000),
    /**
     * Response and resolution time limits per severity (docs/support-process.md, "Deadlines"); a severity
     * left out keeps its default (shared/api.ts TICKET_DEADLINES_MS).
     */
    deadlines: DeadlinePolicyConfig.optional(),
    /** Pruning of old step results (collector/maintenance/). */
    retention: RetentionConfig,
    /** Outbound webhook receivers (collector/webhooks/). */
    webhooks: WebhooksConfig,
  })
  // A certificate without its key (or the reverse) would silently serve plain HTTP: refuse it.
  .refine((c) => Boolean(c.tlsCert) === Boolean(c.tlsKey), { message: "tlsCert and tlsKey go together", path: ["tlsKey"] });
export type CollectorConfig = z.infer<typeof CollectorConfig>;

/** How a flag's or environment variable's text becomes the key's value. */
export type KeyKind = "string" | "int" | "level" | "json-file" | "json";

export interface ConfigKeyDoc {
  /** Dotted path in the config (and in the --config file). */
  key: string;
  /** Flag name without the dashes; absent = not a flag. */
  flag?: string;
  /** Environment variable; absent = not settable from the environment. */
  env?: string;
  kind: KeyKind;
  /** Placeholder in --help (DIR, N, FILE...). */
  value: string;
  /** One line (or two) for --help and the README. */
  doc: string;
  /** The default as people read it (when the schema's default is not self-explanatory). */
  defaultText?: string;
}

/**
 * Every key, once. Keys without a flag or env come only from the --config file (the nested ones whose
 * shape a flag cannot express well). `deadlinesFile` is not a config key but a way to fill `deadlines`
 * from a file of its own (kept for compatibility with the first deadline work).
 */
export const CONFIG_KEYS: readonly ConfigKeyDoc[] = [
  { key: "dataDir", flag: "data-dir", env: "NETDIAG_DATA_DIR", kind: "string", value: "DIR", doc: "where the SQLite file lives (created 0700)" },
  { key: "database", flag: "database", env: "NETDIAG_DATABASE", kind: "string", value: "URL", doc: "postgres://user:password@host:port/db: keep the store in PostgreSQL (several collectors may share it: docs/cluster.md; docs/operations.md)", defaultText: "the SQLite file under dataDir" },
  { key: "host", flag: "host", env: "NETDIAG_HOST", kind: "string", value: "ADDR", doc: "bind address (0.0.0.0 to expose it: then use TLS)" },
  { key: "port", flag: "port", env: "NETDIAG_PORT", kind: "int", value: "N", doc: "port (0 = any free port)" },
  { key: "tlsCert", flag: "tls-cert", env: "NETDIAG_TLS_CERT", kind: "string", value: "FILE", doc: "serve HTTPS/wss with this certificate (PEM); needs tlsKey" },
  { key: "tlsKey", flag: "tls-key", env: "NETDIAG_TLS_KEY", kind: "string", value: "FILE", doc: "the certificate's private key (PEM)" },
  { key: "publicUrl", flag: "public-url", env: "NETDIAG_PUBLIC_URL", kind: "string", value: "URL", doc: "the URL agents and engineers use, if not the bound address" },
  { key: "logLevel", flag: "log-level", env: "NETDIAG_LOG_LEVEL", kind: "level", value: "L", doc: `JSON log lines on stderr at this level and above: ${LOG_LEVELS.join(" | ")}` },
  { key: "maxAgents", flag: "max-agents", env: "NETDIAG_MAX_AGENTS", kind: "int", value: "N", doc: "connected agents before new ones are refused with 503 + Retry-After" },
  { key: "heartbeatMs", flag: "heartbeat-ms", env: "NETDIAG_HEARTBEAT_MS", kind: "int", value: "N", doc: "ping agents this often; a dead link is found within 2x this on both sides" },
  { key: "metricsTokenFile", flag: "metrics-token-file", env: "NETDIAG_METRICS_TOKEN_FILE", kind: "string", value: "FILE", doc: "file with the bearer token (20+ characters) that may read GET /metrics besides admin tokens", defaultText: "none: admin tokens only" },
  { key: "shutdownTimeoutMs", flag: "shutdown-timeout-ms", env: "NETDIAG_SHUTDOWN_TIMEOUT_MS", kind: "int", value: "N", doc: "on SIGTERM, drain for at most this long, then exit 1" },
  { key: "deadlines", flag: "deadlines-file", env: "NETDIAG_DEADLINES_FILE", kind: "json-file", value: "FILE", doc: `ticket response/resolution limits per severity, e.g. {"severe":{"respondMs":900000,"resolveMs":14400000}}; the flag and env name a JSON file of just this key`, defaultText: "severe 30m/8h, important 2h/24h, general 4h/72h" },
  { key: "retention.stepResultsDays", flag: "retention-days", env: "NETDIAG_RETENTION_DAYS", kind: "int", value: "N", doc: "prune step results older than N days (verdicts and tickets stay)", defaultText: "keep all" },
  { key: "retention.sweepIntervalMs", kind: "int", value: "N", doc: "how often the retention prune runs" },
  { key: "webhooks", kind: "json", value: "{...}", doc: `outbound webhooks: {"targets":[{"name","url","secretFile","events":[...]}],"deadlineWarningMs","timeoutMs","retry"} (docs/webhooks.md)`, defaultText: "none" },
];

/** The --config file itself (not a key of it). */
export const CONFIG_FILE_FLAG = { flag: "config", env: "NETDIAG_CONFIG", value: "FILE", doc: "read settings from this JSON file first (environment and flags override it)" } as const;

/** The value at a dotted path (for defaults shown in --help and the README). */
export function valueAt(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}
