// How the customer runs this agent, for the commands it tells them to type next: the installed
// `netdiag-agent`, or `node netdiag-agent.js` when they downloaded the one-file agent.
import { basename } from "node:path";

/** `scriptPath` is process.argv[1]: the bundle's own file name, or the installed bin / dist/agent/main.js. */
export function selfCommand(scriptPath: string | undefined = process.argv[1]): string {
  const name = basename(scriptPath ?? "");
  return name.endsWith(".js") && name !== "main.js" ? `node ${name}` : "netdiag-agent";
}
