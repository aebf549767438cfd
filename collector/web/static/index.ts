// The console's static files, served under /static/<name> (collector/web/web-app.ts). They are
// TypeScript modules exporting strings, so tsc puts them in dist/ with everything else: no build step,
// no files to find at run time. One entry per file; a page names the ones it needs (layout `scripts`).
import { CONSOLE_CSS } from "./console-css.js";
import { DESK_LIVE_JS } from "./desk-live.js";

export interface StaticAsset {
  /** The Content-Type header (with charset). */
  type: string;
  body: string;
}

export const CSS = "text/css; charset=utf-8";
export const JS = "text/javascript; charset=utf-8";

export const staticAssets: Record<string, StaticAsset> = {
  "console.css": { type: CSS, body: CONSOLE_CSS },
  "desk-live.js": { type: JS, body: DESK_LIVE_JS },
};
