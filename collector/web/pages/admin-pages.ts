// Admin pages: API tokens, users, agents, the audit trail.
import type { PageSpec } from "../page-spec.js";

export const adminPages: PageSpec[] = [];
