import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { percentile } from "./unary-load.js";

/** What {@link runH2load} sends, to where, and how hard. */
export interface H2loadOptions {
  /** Full URL of the method, e.g. `http://127.0.0.1:50052/shopmesh.product.v1.ProductService/GetProduct`. */
  url: string;
  /**
   * The request's protobuf bytes, without gRPC framing ({@link grpcFrame} adds it); with
   * `connectJson`, the request's JSON as is.
   */
  message: Uint8Array;
  /**
   * Send the Connect protocol's unary JSON POST over HTTP/1.1 (`--h1`) instead of gRPC over
   * HTTP/2: what curl and browsers send. Its errors are HTTP 4xx/5xx, so h2load counts them.
   */
  connectJson?: boolean;
  /** More request headers, e.g. `authorization: Bearer …`. */
  headers?: readonly string[];
  /** Connections (`-c`). */
  clients: number;
  /** Concurrent streams per connection (`-m`). */
  streams: number;
  /** Measured duration (`-D`). */
  durationSeconds: number;
  /** Load before measuring starts (`--warm-up-time`); not counted in the result. */
  warmUpSeconds?: number;
  /**
   * Total requests per second, split over the clients as `--rps=ceil(rate / clients)`, so the
   * offered rate is rounded up to a multiple of `clients`. Absent: as fast as the streams allow.
   */
  rate?: number;
  /**
   * Runs to try when connections were made but no request finished within the duration (a
   * loaded machine's first calls can outlast a smoke run's 0.3 s): each retry doubles the
   * duration. 1 (the default) never retries. A server that refused the connections is never
   * retried.
   */
  attempts?: number;
}

/**
 * h2load's counts and the latencies of its log. h2load judges by HTTP status only, and gRPC
 * sends its errors as HTTP 200 with a `grpc-status` trailer: `succeeded` counts 2xx responses,
 * not successful calls. Callers must compare with the server's own count of OK calls.
 */
export interface H2loadResult {
  /** Requests h2load counted during the measured duration ("total"). */
  requests: number;
  /** Responses with a 2xx status. */
  succeeded: number;
  /** Streams that failed (reset, connection lost, timed out) or answered 4xx/5xx. */
  failed: number;
  /** Measured duration: h2load's "finished in" less the warm-up, which it includes. */
  seconds: number;
  /** h2load's own "req/s", completed requests over the measured duration. */
  rps: number;
  /** Median latency of completed streams, from the request log. */
  p50Ms: number;
  p99Ms: number;
}

/** Where h2load is: Debian's /usr/bin/h2load (nghttp2-client), else the first on PATH. */
export function h2loadPath(): string | undefined {
  const dirs = ["/usr/bin", ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = path.join(dir, "h2load");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next one.
    }
  }
  return undefined;
}

/**
 * A gRPC length-prefixed message: flag byte 0 (not compressed), the length as 4 bytes big
 * endian, then the bytes. h2load posts the body as is, so the framing must be in the file.
 */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.byteLength);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

/**
 * Runs h2load against one gRPC unary method with the same request every time and returns its
 * counts and latency percentiles. Throws when h2load is missing or exits non-zero, with its
 * output. `succeeded` means HTTP 2xx, not gRPC OK: see {@link H2loadResult}.
 */
export async function runH2load(options: H2loadOptions): Promise<H2loadResult> {
  for (let attempt = 1, durationSeconds = options.durationSeconds; ; attempt++) {
    try {
      return await runH2loadOnce({ ...options, durationSeconds });
    } catch (error) {
      if (!(error instanceof NothingAnswered) || attempt >= (options.attempts ?? 1)) throw error;
      durationSeconds *= 2;
    }
  }
}

/** h2load started requests on its connections but none finished within the measured duration. */
class NothingAnswered extends Error {}

async function runH2loadOnce(options: H2loadOptions): Promise<H2loadResult> {
  if (options.rate !== undefined && !(options.rate > 0)) {
    // h2load takes --rps=0 as "no limit", which a rate of 0 should not silently become.
    throw new Error(`runH2load: rate must be > 0 when given, not ${options.rate}`);
  }
  const binary = h2loadPath();
  if (binary === undefined) {
    throw new Error(
      "h2load not found (looked in /usr/bin and PATH): install nghttp2-client, e.g. `make tools`",
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-h2load-"));
  try {
    const body = path.join(dir, "request.bin");
    const log = path.join(dir, "requests.log");
    await writeFile(body, options.connectJson ? options.message : grpcFrame(options.message));
    const protocolArgs = options.connectJson
      ? ["--h1", "--header=content-type: application/json"]
      : [
          "--header=content-type: application/grpc",
          // The gRPC spec requires it of clients (trailers carry grpc-status); strict servers
          // refuse calls without it.
          "--header=te: trailers",
        ];
    const args = [
      `--clients=${options.clients}`,
      `--max-concurrent-streams=${options.streams}`,
      `--duration=${durationArgument(options.durationSeconds)}`,
      // -d switches the method to POST and sets content-length.
      `--data=${body}`,
      ...protocolArgs,
      ...(options.headers ?? []).map((header) => `--header=${header}`),
      `--log-file=${log}`,
    ];
    const warmUpSeconds = Math.max(0, options.warmUpSeconds ?? 0);
    if (warmUpSeconds > 0) args.push(`--warm-up-time=${durationArgument(warmUpSeconds)}`);
    if (options.rate !== undefined) {
      args.push(`--rps=${Math.ceil(options.rate / options.clients)}`);
    }
    args.push(options.url);
    const output = await run(binary, args);
    const summary = parseSummary(output, warmUpSeconds);
    if (summary.requests === 0) {
      // h2load exits 0 even when it could not connect at all, and prints no error then.
      const connected = summary.started > 0 && summary.errored === 0;
      const problem = connected ? NothingAnswered : Error;
      throw new problem(
        `h2load made no requests; is a server listening at ${options.url}?\n${output}`,
      );
    }
    const latenciesMs = parseLogLatencies(await readFile(log, "utf8"));
    const { started: _started, errored: _errored, ...counts } = summary;
    return {
      ...counts,
      p50Ms: percentile(latenciesMs, 50),
      p99Ms: percentile(latenciesMs, 99),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** h2load takes integers with a unit; milliseconds keep fractions of a second. */
function durationArgument(seconds: number): string {
  return `${Math.max(1, Math.round(seconds * 1000))}ms`;
}

/** Runs h2load to the end; stdout and stderr together, since errors may be on either. */
function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const output = Buffer.concat(chunks).toString("utf8");
      if (code === 0) {
        resolve(output);
      } else {
        const how = signal === null ? `exited with ${code}` : `was killed by ${signal}`;
        reject(new Error(`h2load ${how}: ${binary} ${args.join(" ")}\n${output}`));
      }
    });
  });
}

/**
 * The counts of h2load's summary:
 *   finished in 2.00s, 9876.50 req/s, 1.23MB/s
 *   requests: 19753 total, 19773 started, 19753 done, 19753 succeeded, 0 failed, 0 errored, 0 timeout
 * "finished in" is in s, ms or us depending on its size and includes the warm-up, while req/s
 * and the counts cover the main duration only.
 */
function parseSummary(
  output: string,
  warmUpSeconds: number,
): Omit<H2loadResult, "p50Ms" | "p99Ms"> & { started: number; errored: number } {
  const finished = /finished in ([\d.]+)(us|ms|s), ([\d.]+) req\/s/.exec(output);
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
      output,
    );
  if (finished === null || requests === null) {
    throw new Error(`unexpected h2load output (no summary):\n${output}`);
  }
  const scale = { us: 1e-6, ms: 1e-3, s: 1 }[finished[2] as "us" | "ms" | "s"];
  return {
    requests: Number(requests[1]),
    succeeded: Number(requests[4]),
    failed: Number(requests[5]),
    started: Number(requests[2]),
    errored: Number(requests[6]),
    seconds: Math.max(0, Number(finished[1]) * scale - warmUpSeconds),
    rps: Number(finished[3]),
  };
}

/**
 * Latencies in ms of the completed streams in h2load's `--log-file`: one line per request,
 * tab-separated start (µs since the epoch), HTTP status (-1 for a failed stream, left out here
 * since it has no response time) and µs until the end of the response. Sorted ascending. h2load
 * logs the main duration only, and appends to an existing file: each run needs a fresh one.
 */
function parseLogLatencies(log: string): number[] {
  const latencies: number[] = [];
  for (const line of log.split("\n")) {
    const [, status, micros] = line.split("\t");
    if (status === undefined || micros === undefined || Number(status) < 0) continue;
    latencies.push(Number(micros) / 1000);
  }
  return latencies.sort((a, b) => a - b);
}
