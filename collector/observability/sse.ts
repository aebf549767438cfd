// Server-Sent Event streams in flight: counted for /metrics, and ended on shutdown (a stream never ends
// by itself, so without this a draining server would wait for every live viewer to go away). The app
// wraps every text/event-stream response; the route handlers stay as they are: ending the wrapper
// cancels their stream, which fires their onAbort and unsubscribes them from the run bus.
export class SseTracker {
  private readonly open = new Set<() => void>();

  get count(): number {
    return this.open.size;
  }

  /** The same response, its body passed through a stream this tracker can end. */
  track(res: Response): Response {
    if (!res.body) return res;
    const reader = res.body.getReader();
    let end: () => void = () => undefined;
    const body = new ReadableStream<Uint8Array>({
      start: () => {
        end = () => {
          this.open.delete(end);
          // A pending read resolves as done, and pull() below closes the response.
          void reader.cancel("collector shutting down").catch(() => undefined);
        };
        this.open.add(end);
      },
      pull: async (ctrl) => {
        try {
          const { done, value } = await reader.read();
          if (done) {
            this.open.delete(end);
            ctrl.close();
          } else ctrl.enqueue(value);
        } catch (e) {
          this.open.delete(end);
          ctrl.error(e);
        }
      },
      cancel: (reason) => {
        // The viewer went away.
        this.open.delete(end);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  /** Ends every open stream (the viewers' EventSource or CLI reconnects to the next collector). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
