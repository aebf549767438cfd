// What the running collector exposes about itself: metrics, readiness, the live SSE streams, and the
// hash of the metrics scrape token (never the token). server.ts builds one per collector.
import { readFileSync } from "node:fs";
import { hashSecret } from "../../shared/secrets.js";
import type { Store } from "../store/types.js";
import { CollectorMetrics } from "./metrics.js";
import { Readiness } from "./readiness.js";
import { SseTracker } from "./sse.js";

export interface Observability {
  metrics: CollectorMetrics;
  readiness: Readiness;
  sse: SseTracker;
  /** SHA-256 of the token a Prometheus scraper may present on GET /metrics (besides admin tokens). */
  metricsTokenHash?: string;
}

/** Shorter tokens are guessable; a scraper's credentials_file holds a long random one (openssl rand -hex 32). */
export const MIN_METRICS_TOKEN_LENGTH = 20;

export class MetricsTokenError extends Error {}

/** Reads the scrape token file (whitespace around it ignored) and keeps only its hash. */
export function readMetricsToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new MetricsTokenError(`cannot read metricsTokenFile ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const token = text.trim();
  if (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token)) {
    throw new MetricsTokenError(`metricsTokenFile ${path} must hold one token of at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces`);
  }
  return hashSecret(token);
}

export function createObservability(store: Pick<Store, "probeWrite" | "countRunsByState">, o: { metricsTokenHash?: string; defaultMetrics?: boolean } = {}): Observability {
  const metrics = new CollectorMetrics({ ...(o.defaultMetrics !== undefined ? { defaultMetrics: o.defaultMetrics } : {}) });
  const sse = new SseTracker();
  metrics.sources.sseSubscribers = () => sse.count;
  metrics.sources.runsByState = () => store.countRunsByState() as Promise<Record<string, number>>;
  return { metrics, readiness: new Readiness(store), sse, ...(o.metricsTokenHash ? { metricsTokenHash: o.metricsTokenHash } : {}) };
}
