// The web console's page table: every page with its declared access, like the API's RouteSpec table.
// test/web/pages-roles.test.ts walks every entry with every role.
import type { PageSpec } from "../page-spec.js";
import { adminPages } from "./admin-pages.js";
import { authPages } from "./auth-pages.js";
import { deskPages } from "./desk-pages.js";
import { devicePages } from "./device-pages.js";

export const webPages: readonly PageSpec[] = [...authPages, ...adminPages, ...devicePages, ...deskPages];
