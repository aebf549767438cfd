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

/** A small mark for the browser tab (without one, every browser asks for /favicon.ico and gets a 404). */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#16325c"/><path d="M3 11h2l2-6 2 8 2-4h2" fill="none" stroke="#5fb37a" stroke-width="1.6"/></svg>`;

export const staticAssets: Record<string, StaticAsset> = {
  "console.css": { type: CSS, body: CONSOLE_CSS },
  "desk-live.js": { type: JS, body: DESK_LIVE_JS },
  "favicon.svg": { type: "image/svg+xml", body: FAVICON },
};
