// What the customer sees in the terminal where `netdiag-agent run` runs: one plain line per change of
// the connection, in their language, instead of JSON log lines (those go to a log file then). Without a
// terminal (a service) nothing is printed here and the JSON log stays on stderr.
import { CloseCode } from "../../shared/protocol.js";
import { t, type Locale } from "../consent/i18n.js";

type LinkState = "connecting" | "open" | "closed";

/** Close codes after which the link does not come back by itself (agent/link/collector-link.ts). */
const FOR_GOOD = new Set<number>([CloseCode.revoked, CloseCode.protocolError]);

export function linkStatusPrinter(o: { locale: Locale; collectorUrl: string; write: (line: string) => void }): (s: LinkState, info?: { code?: number }) => void {
  let shown: "connecting" | "open" | "lost" | "refused" | undefined;
  return (s, info) => {
    // Reconnect attempts repeat "connecting"/"closed" every few seconds: say each thing once.
    if (s === "connecting" && shown === undefined) {
      shown = "connecting";
      o.write(t(o.locale, "link.connecting", { url: o.collectorUrl }));
    } else if (s === "open" && shown !== "open") {
      shown = "open";
      o.write(t(o.locale, "link.connected"));
    } else if (s === "closed" && info?.code !== undefined && FOR_GOOD.has(info.code) && shown !== "refused") {
      shown = "refused";
      o.write(t(o.locale, "link.refused", { code: info.code }));
    } else if (s === "closed" && shown === "open") {
      shown = "lost";
      o.write(t(o.locale, "link.lost"));
    }
  };
}
