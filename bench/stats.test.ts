import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetProductRequestSchema } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { bareProductServer } from "./bare-server.js";
import { grpcFrame, runH2load } from "./h2load.js";
import { cpuMicros, parseStat, peakRssBytes, rssBytes } from "./process-stats.js";
import { percentile, runUnaryLoad } from "./unary-load.js";

describe("grpcFrame", () => {
  it("prefixes the uncompressed flag and the big-endian length", () => {
    expect([...grpcFrame(Uint8Array.of(1, 2, 3))]).toEqual([0, 0, 0, 0, 3, 1, 2, 3]);
    expect([...grpcFrame(new Uint8Array())]).toEqual([0, 0, 0, 0, 0]);
    // 300 = 0x012c: the length's bytes must come most significant first.
    expect([...grpcFrame(new Uint8Array(300)).subarray(0, 5)]).toEqual([0, 0, 0, 1, 0x2c]);
  });
});

describe("process stats", () => {
  it("finds utime and stime after the last ')' of the command name", () => {
    const line =
      "4242 (node (x) y) S 1 4242 4242 0 -1 4194560 1500 0 3 0 250 75 0 0 20 0 11 0 9000 " +
      "1000000 5000 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 0 0 0 0 0 0\n";
    expect(parseStat(line)).toEqual({ utimeTicks: 250, stimeTicks: 75 });
  });

  it("rejects text that is no stat line", () => {
    expect(() => parseStat("nonsense")).toThrow(/stat/);
  });

  it("reads this process's CPU time and memory", () => {
    expect(cpuMicros(process.pid)).toBeGreaterThan(0);
    const peak = peakRssBytes(process.pid);
    expect(peak).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeLessThanOrEqual(peakRssBytes(process.pid));
  });
});

describe("percentile", () => {
  it("is the nearest rank", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it("is NaN without samples", () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe("runUnaryLoad", () => {
  const oneMs = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

  it("starts call i at its slot start + i / rate, one per slot before the end", async () => {
    const startedAt: number[] = [];
    const call = () => {
      startedAt.push(performance.now());
      return oneMs();
    };
    const before = performance.now();
    // 40 callers take their slots ~200 ms ahead, so a busy machine cannot make one miss the end.
    const result = await runUnaryLoad(call, { concurrency: 40, durationSeconds: 1, rate: 200 });
    // Slots every 5 ms from 0 to 995 ms: exactly 200, none early.
    expect(result.requests).toBe(200);
    expect(startedAt).toHaveLength(200);
    const sorted = startedAt.toSorted((a, b) => a - b);
    const early = sorted.filter((at, i) => at < before + i * 5).length;
    expect(early).toBe(0);
    expect(result.failed).toBe(0);
    expect(result.firstError).toBeUndefined();
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });

  it("counts rejected calls and keeps the first error", async () => {
    let calls = 0;
    const everyOtherFails = async (): Promise<void> => {
      await oneMs();
      calls += 1;
      if (calls % 2 === 0) throw new Error(`call ${calls} failed`);
    };
    const result = await runUnaryLoad(everyOtherFails, {
      concurrency: 4,
      durationSeconds: 0.5,
      rate: 200,
    });
    expect(result.requests).toBe(calls);
    expect(result.failed).toBe(Math.floor(calls / 2));
    expect(result.firstError).toBe("call 2 failed");
  });
});

describe("runH2load against the bare server", () => {
  const server = bareProductServer();
  let url = "";
  const message = toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: "x" }));

  beforeAll(async () => {
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    url = `http://127.0.0.1:${port}/shopmesh.product.v1.ProductService/GetProduct`;
  });
  afterAll(() => server.forceShutdown());
  const load = () => ({ url, message, clients: 2, streams: 10, durationSeconds: 2 });

  it("saturates", async () => {
    const result = await runH2load(load());
    expect(result.requests).toBeGreaterThan(100);
    expect(result.succeeded).toBe(result.requests);
    expect(result.failed).toBe(0);
    expect(result.seconds).toBeGreaterThanOrEqual(1.9);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });

  it("holds a fixed rate", async () => {
    const result = await runH2load({ ...load(), rate: 200 });
    // h2load sends --rps=100 per client and catches up after a late tick: only the ticks at the
    // window's edges can miss (measured here: 395-402 requests in 2 s, 5 runs).
    expect(result.rps).toBeGreaterThanOrEqual(190);
    expect(result.rps).toBeLessThanOrEqual(210);
    expect(result.p50Ms).toBeGreaterThan(0);
  });

  it("says so when nothing listens", async () => {
    await expect(
      runH2load({
        url: "http://127.0.0.1:1/shopmesh.product.v1.ProductService/GetProduct",
        message,
        clients: 1,
        streams: 1,
        durationSeconds: 0.5,
      }),
    ).rejects.toThrow(/no requests/);
  });
});
