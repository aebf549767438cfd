// Where the consent machinery keeps its files (grants, local channel, consent log) and the pieces
// every consent command needs: the state dir, the customer's language, a local consent log, and a
// client for the running agent's local channel.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { createLogger, type Logger } from "../../shared/log.js";
import { UsageError, defaultConfigPath } from "../commands/common.js";
import { loadAgentConfig, type AgentConfig } from "../config.js";
import { ConsentRequest } from "./broker.js";
import { pickLocale, type Locale } from "./i18n.js";
import { readChannelInfo } from "./local-approval-server.js";

export const CONSENT_LOG_FILE = "consent.log";

/** config.stateDir, else the directory of the config file. */
export function stateDirOf(config: AgentConfig, configPath: string): string {
  return config.stateDir ?? dirname(configPath);
}

/**
 * Every grant, refusal, approval and revocation is logged twice: on stderr like every agent log, and
 * appended (JSON lines, 0600) to consent.log in the state dir, so the customer keeps a record of what
 * was allowed even when stderr went nowhere. shared/log.ts redacts secret-looking fields.
 */
export function consentLogger(stateDir: string, o: { stderr: boolean }): Logger {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, CONSENT_LOG_FILE);
  return createLogger("consent", "info", (line) => {
    // Commands print their own human-readable result; only the long-running agent logs to stderr.
    if (o.stderr) process.stderr.write(line + "\n");
    try {
      appendFileSync(file, line + "\n", { mode: 0o600 });
    } catch {
      // The stderr copy stands; a full disk must not stop the customer from refusing.
    }
  });
}

export class ChannelDownError extends Error {
  readonly code = "AGENT_NOT_RUNNING";
}

/** Calls the running agent's local channel; throws ChannelDownError when no agent is listening. */
export async function callChannel<S extends z.ZodType>(stateDir: string, method: "GET" | "POST", path: string, schema: S): Promise<{ status: number; body: z.infer<S> }> {
  const info = await readChannelInfo(stateDir);
  if (!info) throw new ChannelDownError("no running agent (no local channel file)");
  let res: Response;
  try {
    res = await fetch(`${info.url}${path}`, { method, headers: { authorization: `Bearer ${info.secret}` }, signal: AbortSignal.timeout(CHANNEL_CALL_MS) });
  } catch {
    throw new ChannelDownError(`the agent does not answer at ${info.url}`);
  }
  return { status: res.status, body: schema.parse(await res.json()) };
}

/** A local round trip takes milliseconds; 5 s means the agent is hung, not slow. */
const CHANNEL_CALL_MS = 5000;

export const PendingList = z.object({ pending: z.array(ConsentRequest) });
export const AnswerResult = z.object({ ok: z.boolean() });
export const GrantsChanged = z.object({ cancelled: z.array(z.string()) });

export interface ConsentEnv {
  config: AgentConfig;
  stateDir: string;
  locale: Locale;
  log: Logger;
}

/** Loads what a consent command needs from its --config and --lang flags. */
export async function loadConsentEnv(flags: { config?: string | undefined; lang?: string | undefined }, logToStderr = false): Promise<ConsentEnv> {
  const configPath = flags.config ?? defaultConfigPath();
  const config = await loadAgentConfig(configPath);
  const stateDir = stateDirOf(config, configPath);
  let locale: Locale;
  try {
    locale = pickLocale({ flag: flags.lang, config: config.locale, env: process.env });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { config, stateDir, locale, log: consentLogger(stateDir, { stderr: logToStderr }) };
}

/** Tells a running agent that grants changed; resolves to the runs it cancelled, or undefined if none runs. */
export async function notifyGrantsChanged(stateDir: string): Promise<string[] | undefined> {
  try {
    return (await callChannel(stateDir, "POST", "/api/grants-changed", GrantsChanged)).body.cancelled;
  } catch (e) {
    if (e instanceof ChannelDownError) return undefined;
    throw e;
  }
}
