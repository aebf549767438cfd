// PLACEHOLDER: replaced by the real service check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const serviceCheck = defineCheck({
  id: "service",
  title: "service (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
