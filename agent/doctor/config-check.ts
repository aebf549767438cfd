// doctor: the agent config is there, readable, valid against the one schema (agent/config.ts), and
// not readable by others (it holds the agent secret and device credentials).
import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { AgentConfig } from "../config.js";
import { finding, type DoctorFinding } from "./types.js";

export interface ConfigCheck {
  finding: DoctorFinding;
  /** The config the other checks use: the file's, or the defaults when there is none; undefined when unusable. */
  config?: AgentConfig;
}

export async function checkConfig(path: string): Promise<ConfigCheck> {
  let text: string;
  let mode: number;
  try {
    mode = (await stat(path)).mode;
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "ERROR";
    if (code === "ENOENT") return { finding: finding("config", "warn", "CONFIG_MISSING", { path }), config: AgentConfig.parse({}) };
    return { finding: finding("config", "fail", "CONFIG_UNREADABLE", { path, error: code }) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { finding: finding("config", "fail", "CONFIG_INVALID", { path, problem: (e as Error).message }) };
  }
  const parsed = AgentConfig.safeParse(json);
  if (!parsed.success) return { finding: finding("config", "fail", "CONFIG_INVALID", { path, problem: z.prettifyError(parsed.error).replace(/\s*\n\s*/g, "; ") }) };
  // Group or others may read it: the secret is exposed to every account on the machine.
  if ((mode & 0o077) !== 0) return { finding: finding("config", "fail", "CONFIG_TOO_OPEN", { path, mode: (mode & 0o777).toString(8).padStart(4, "0") }), config: parsed.data };
  return { finding: finding("config", "ok", "CONFIG_OK", { path }), config: parsed.data };
}
