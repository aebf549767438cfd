// PLACEHOLDER: replaced by the real dns check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const dnsCheck = defineCheck({
  id: "dns",
  title: "dns (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
