// Routes: filled in by the operability work (see the file's owner in the issue).
import type { RouteSpec } from "./route-spec.js";

export const webhooksRoutes: RouteSpec[] = [];
