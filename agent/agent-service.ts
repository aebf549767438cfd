// The long-running agent: link to the collector + run executor. `netdiag-agent run` starts it; tests
// start it in-process against a collector on port 0.
import type { Logger } from "../shared/log.js";
import { NotEnrolledError, type AgentConfig } from "./config.js";
import type { ContextDeps } from "./context.js";
import { CollectorLink } from "./link/collector-link.js";
import type { BackoffOptions } from "./link/backoff.js";
import type { Outbox } from "./link/outbox.js";
import { RunExecutor, type Authorizer, type ExecutorOptions } from "./run-executor.js";
import { isolateFault } from "./verdict/isolate-fault.js";

export interface AgentServiceOptions {
  config: AgentConfig;
  log: Logger;
  outbox: Outbox;
  authorize: Authorizer;
  judge?: ExecutorOptions["judge"];
  /** Overrides for tests (system view, spawner, clock). */
  contextOverrides?: Partial<ContextDeps>;
  backoff?: BackoffOptions;
  onState?: ConstructorParameters<typeof CollectorLink>[0]["onState"];
}

export interface AgentService {
  link: CollectorLink;
  executor: RunExecutor;
  stop(): Promise<void>;
}

export { NotEnrolledError } from "./config.js";

export function startAgentService(o: AgentServiceOptions): AgentService {
  const id = o.config.identity;
  if (!id) throw new NotEnrolledError("this agent is not enrolled: run 'netdiag-agent enroll --collector URL --code CODE' first");
  const running = new Set<Promise<void>>();
  let link: CollectorLink;
  const executor = new RunExecutor({
    deps: { config: o.config, log: o.log, ...o.contextOverrides },
    log: o.log,
    authorize: o.authorize,
    // The verdict is computed on the agent (it works offline too) and streamed last.
    judge: o.judge ?? isolateFault,
    known: (runId) => o.outbox.knows(runId),
    emit: async (ev) => {
      await o.outbox.append(ev);
      link.send(ev);
    },
  });
  link = new CollectorLink({
    collectorUrl: id.collectorUrl,
    agentId: id.agentId,
    secret: id.secret,
    insecure: id.insecure,
    outbox: o.outbox,
    log: o.log,
    ...(id.caPem ? { caPem: id.caPem } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.onState ? { onState: o.onState } : {}),
    onFrame: (f) => {
      if (f.type === "run.request") {
        const p = executor.handle(f).catch((e) => o.log.error("run handler crashed", { error: String(e) }));
        running.add(p);
        void p.finally(() => running.delete(p));
      } else if (f.type === "run.cancel") {
        executor.cancel(f.runId);
      } else if (f.type === "error") {
        o.log.warn("collector reported an error", { code: f.code, message: f.message, runId: f.runId });
      }
    },
  });
  link.start();
  return {
    link,
    executor,
    async stop() {
      executor.cancelAll();
      await Promise.allSettled([...running]);
      await link.stop();
      await o.outbox.close();
    },
  };
}
