// PLACEHOLDER: replaced by the real ping check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const pingCheck = defineCheck({
  id: "ping",
  title: "ping (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
