// desk-live.js: the ticket page's live run (steps appear as they land, the progress, the verdict; see
// collector/web/desk/live-client.ts). Made from the source text of the functions the server also
// runs or type-checks, so the browser builds step rows exactly as the page draws them: no second copy,
// no build step. A classic script in its own scope; it starts once the page has been parsed (defer).
import { keyFigures, stepDuration, stepMark } from "../desk/key-figures.js";
import { deskLive } from "../desk/live-client.js";

export const DESK_LIVE_JS = `"use strict";
(function () {
  var keyFigures = ${keyFigures.toString()};
  var stepMark = ${stepMark.toString()};
  var stepDuration = ${stepDuration.toString()};
  var deskLive = ${deskLive.toString()};
  deskLive(document, function (url) { return new EventSource(url); }, function () { location.reload(); }, { figures: keyFigures, mark: stepMark, duration: stepDuration });
})();
`;
