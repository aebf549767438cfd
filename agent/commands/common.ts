// Bits every agent command shares: the default config path and the usage error type.
import { homedir } from "node:os";
import { join } from "node:path";

export class UsageError extends Error {
  override name = "UsageError";
}

export function defaultConfigPath(): string {
  if (process.env.NETDIAG_AGENT_CONFIG) return process.env.NETDIAG_AGENT_CONFIG;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "netdiag", "agent.json");
}
