// `netdiag-agent enroll`: trades the one-time code read out by the engineer for this agent's own
// identity and secret, saved 0600 in the agent config (the collector keeps only the secret's hash).
import { readFile } from "node:fs/promises";
import { selfCommand } from "../self-command.js";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { Enrolled } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { loadAgentConfig, saveAgentConfig } from "../config.js";
import { isLoopbackHost } from "../link/collector-link.js";
import { AGENT_VERSION } from "../version.js";
import { defaultConfigPath, UsageError } from "./common.js";

export const ENROLL_HELP = `Usage: netdiag-agent enroll --collector URL --code CODE [--name NAME] [--ca FILE] [--insecure] [--config FILE]

Enrolls this machine with the support collector using the code the engineer gave you.
  --collector URL   the collector's address (https://...; http:// only on loopback or with --insecure)
  --code CODE       the one-time enrollment code
  --name NAME       a name for this device (default: the hostname)
  --ca FILE         PEM certificate or CA of the collector to pin (for a private CA or self-signed cert)
  --insecure        allow plain http/ws to a non-loopback collector (not encrypted!)
  --config FILE     where to save the identity (default ${defaultConfigPath()})`;

export async function enrollCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      collector: { type: "string" },
      code: { type: "string" },
      name: { type: "string" },
      ca: { type: "string" },
      insecure: { type: "boolean", default: false },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(ENROLL_HELP + "\n");
    return 0;
  }
  if (!values.collector || !values.code) throw new UsageError("enroll needs --collector URL and --code CODE");
  let url: URL;
  try {
    url = new URL(values.collector);
  } catch {
    throw new UsageError(`--collector ${values.collector} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError("--collector must be an http(s) URL");
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !values.insecure) {
    throw new UsageError("refusing plain http to a non-loopback collector: use https, or --insecure deliberately");
  }
  const caPem = values.ca ? await readFile(values.ca, "utf8") : undefined;
  const path = values.config ?? defaultConfigPath();
  const config = await loadAgentConfig(path);
  const res = await httpJson(new URL("/api/agents/enroll", url).toString(), Enrolled, {
    body: { code: values.code, name: values.name ?? hostname(), hostname: hostname(), agentVersion: AGENT_VERSION },
    ...(caPem ? { caPem } : {}),
  });
  await saveAgentConfig(path, {
    ...config,
    identity: { collectorUrl: url.origin, agentId: res.agentId, secret: res.secret, insecure: values.insecure, ...(caPem ? { caPem } : {}), ...(res.ticketId ? { ticketId: res.ticketId } : {}) },
  });
  // The next commands must find this config: name it when it is not the default place.
  const cfg = values.config !== undefined ? ` --config ${shellQuote(path)}` : "";
  process.stdout.write(
    [
      `enrolled as agent ${res.agentId}${res.ticketId ? ` for ticket ${res.ticketId}` : ""}`,
      `identity saved to ${path} (mode 0600)`,
      "next:",
      `  ${selfCommand()} authorize --ticket ${res.ticketId ?? "<ticket id from your engineer>"} --all --for 2h${cfg}    (lets your engineer diagnose, for 2 hours)`,
      `  ${selfCommand()} run${cfg}    (keep it running while your engineer works)`,
    ].join("\n") + "\n",
  );
  return 0;
}

/** A path as one shell word ('...' with any ' escaped), so a copied command works with spaces in it. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
