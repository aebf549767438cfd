// The collector's one config schema: built from flags and environment once in main.ts, then passed down.
import { z } from "zod";
import { DeadlinePolicyConfig } from "./tickets/deadlines.js";
import { RetentionConfig } from "./maintenance/config.js";
import { WebhooksConfig } from "./webhooks/config.js";

export const CollectorConfig = z
  .object({
  dataDir: z.string().default("./data"),
  /** Bind address. Loopback by default: exposing the collector is a deliberate choice (--host 0.0.0.0). */
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Serve HTTPS/wss with this certificate and key (PEM paths). */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** URL agents and engineers use to reach this collector, when it differs from the bound address. */
  publicUrl: z.string().optional(),
  logLevel: z.enum(["info", "warn", "error", "silent"]).default("info"),
  /** Agent connection limits. */
  maxAgents: z.number().int().min(1).default(10000),
  /**
   * Ping interval; a dead link is found within 2x this on both sides (docs/delivery.md, "Dead links":
   * 5 s finds it within 10 s and costs each idle agent ~12 pings a minute).
   */
  heartbeatMs: z.number().int().min(100).default(5000),
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
