// PLACEHOLDER: replaced by the real routeros check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const routerosCheck = defineCheck({
  id: "routeros",
  title: "routeros (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
