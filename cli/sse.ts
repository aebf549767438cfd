// Reads a Server-Sent Events stream (GET /api/runs/:id/events) and yields each event's parsed data.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

export async function* readSse(url: string, token: string, signal?: AbortSignal, caPem?: string): AsyncGenerator<{ event: string; data: string }> {
  const u = new URL(url);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(u, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
      ...(signal ? { signal } : {}),
      ...(caPem ? { ca: caPem } : {}),
    });
    req.on("response", resolve);
    req.on("error", reject);
    req.end();
  });
  if ((res.statusCode ?? 500) >= 400) {
    const body = await new Promise<string>((r) => {
      let s = "";
      res.on("data", (c) => (s += c));
      res.on("end", () => r(s));
    });
    let msg = `HTTP ${res.statusCode}`;
    try {
      msg = (JSON.parse(body) as { error: { message: string } }).error.message;
    } catch {
      /* keep the status line */
    }
    throw Object.assign(new Error(msg), { code: "HTTP_ERROR" });
  }
  res.setEncoding("utf8");
  let buf = "";
  let event = "message";
  let data: string[] = [];
  for await (const chunk of res as AsyncIterable<string>) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
      if (line === "") {
        if (data.length) yield { event, data: data.join("\n") };
        event = "message";
        data = [];
      } else if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
  }
}
