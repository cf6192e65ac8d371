import net from "node:net";

/**
 * The longest an exit waits for buffered spans to reach a collector that accepted the
 * connection. Without a bound the OTLP exporter retries for ~9 s before giving up.
 */
export const telemetryFlushBoundMs = 1_000;

// A collector on the same host or in the same cluster connects in well under this.
const connectTimeoutMs = 300;

/** How an exit's flush ended. */
export type FlushOutcome = "flushed" | "unreachable" | "timed out" | "failed";

/**
 * The OTLP traces endpoint the SDK exports to, from the standard variables: the signal's own
 * endpoint first, then the common one, then the protocol's default port on localhost.
 */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv = process.env): URL {
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || "http/protobuf";
  const fallback = protocol === "grpc" ? "http://localhost:4317" : "http://localhost:4318";
  const raw = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || fallback;
  try {
    return new URL(raw);
  } catch {
    return new URL(fallback);
  }
}

/** Resolves true when a TCP connection to `endpoint` opens within `timeoutMs`. */
export function collectorReachable(endpoint: URL, timeoutMs = connectTimeoutMs): Promise<boolean> {
  const port = Number(endpoint.port) || (endpoint.protocol === "https:" ? 443 : 80);
  // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
  const host = endpoint.hostname.replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/**
 * Runs `flush` (export what is buffered, stop the SDK) only when the collector accepts a
 * connection, and waits for it at most `boundMs`: an unreachable collector costs the buffered
 * spans, never more than a connect attempt of the exit.
 */
export async function boundedFlush(
  flush: () => Promise<void>,
  options: { endpoint?: URL; boundMs?: number } = {},
): Promise<FlushOutcome> {
  if (!(await collectorReachable(options.endpoint ?? otlpTracesEndpoint()))) return "unreachable";
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<FlushOutcome>((resolve) => {
    timer = setTimeout(() => resolve("timed out"), options.boundMs ?? telemetryFlushBoundMs);
  });
  const flushed = flush().then(
    (): FlushOutcome => "flushed",
    (): FlushOutcome => "failed",
  );
  try {
    return await Promise.race([flushed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
