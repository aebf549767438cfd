// PLACEHOLDER: replaced by the real host check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const hostCheck = defineCheck({
  id: "host",
  title: "host (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
