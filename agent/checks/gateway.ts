// PLACEHOLDER: replaced by the real gateway check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const gatewayCheck = defineCheck({
  id: "gateway",
  title: "gateway (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
