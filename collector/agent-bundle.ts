// The one-file agent this collector hands to customers (GET /download/netdiag-agent.js) and its
// SHA-256, which every enrollment answer puts into the customer's fetch-and-verify command. Built by
// `npm run build:agent` into dist/bundle/netdiag-agent.js beside the collector's own dist/collector/.
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The name the customer saves it under (the download URL's last segment, the checksum line's file). */
export const AGENT_BUNDLE_NAME = "netdiag-agent.js";

/**
 * dist/bundle/netdiag-agent.js of the package this file belongs to. From dist/collector/ (the built
 * collector) that is ../bundle; from collector/ (tests running the sources) it is ../dist/bundle.
 */
export function defaultAgentBundlePath(): string {
  const packageOrDist = dirname(dirname(fileURLToPath(import.meta.url)));
  const dist = basename(packageOrDist) === "dist" ? packageOrDist : join(packageOrDist, "dist");
  return join(dist, "bundle", AGENT_BUNDLE_NAME);
}

export interface AgentBundle {
  bytes: Buffer;
  /** Lower-case hex, as sha256sum prints it. */
  sha256: string;
}

export type AgentBundleResult = { ok: true; bundle: AgentBundle } | { ok: false; reason: "MISSING" | "UNREADABLE"; detail: string };

/**
 * Reads the file once and keeps it in memory with its hash; a cheap stat per request notices a rebuild
 * (size, mtime or inode changed) and reads it again, so the bytes served and the hash announced always
 * belong to the same build. Bytes and stat come from one open file, never from two looks at the path.
 */
export class AgentBundleSource {
  private cached: { key: string; bundle: AgentBundle } | undefined;

  constructor(readonly path: string) {}

  async get(): Promise<AgentBundleResult> {
    try {
      const s = await stat(this.path);
      if (this.cached?.key === keyOf(s)) return { ok: true, bundle: this.cached.bundle };
      const fh = await open(this.path, "r");
      try {
        const fs = await fh.stat();
        const bytes = await fh.readFile();
        const bundle = { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
        this.cached = { key: keyOf(fs), bundle };
        return { ok: true, bundle };
      } finally {
        await fh.close();
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.cached = undefined;
      return { ok: false, reason: code === "ENOENT" ? "MISSING" : "UNREADABLE", detail: `${this.path}: ${(e as Error).message}` };
    }
  }

  /** The hash when the bundle is there; undefined otherwise (callers then show the commands without it). */
  async sha256(): Promise<string | undefined> {
    const r = await this.get();
    return r.ok ? r.bundle.sha256 : undefined;
  }
}

function keyOf(s: { size: number; mtimeMs: number; ino: number }): string {
  return `${s.size}:${s.mtimeMs}:${s.ino}`;
}

/** The collector's own bundle, next to its dist. */
export const agentBundle = new AgentBundleSource(defaultAgentBundlePath());
