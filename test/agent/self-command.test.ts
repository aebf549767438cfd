// The "next:" commands name the agent the way the customer started it.
import { expect, test } from "vitest";
import { selfCommand } from "../../agent/self-command.js";

test.each([
  ["/home/wang/Downloads/netdiag-agent.js", "node netdiag-agent.js"],
  ["/tmp/x/agent-1.2.js", "node agent-1.2.js"],
  ["/usr/lib/node_modules/netdiag/dist/agent/main.js", "netdiag-agent"],
  ["/usr/local/bin/netdiag-agent", "netdiag-agent"],
  [undefined, "netdiag-agent"],
])("%s -> %s", (path, want) => expect(selfCommand(path ?? "")).toBe(want));
