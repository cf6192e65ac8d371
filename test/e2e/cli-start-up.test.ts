import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports.js";
import { runCli } from "../support/processes.js";

// A CLI command loads only what it uses: the gRPC clients, a service's descriptors and the
// tracing SDK cost each invocation CPU (the whole CLI at once: ~1.3 s for --help). A resolve
// hook records every module the process loads.
let folder = "";
let nowhere = { user: "", product: "", order: "" };

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "cli-start-up-"));
  await writeFile(
    path.join(folder, "hook.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, resolved.url + "\\n");
  return resolved;
}`,
  );
  await writeFile(
    path.join(folder, "register.mjs"),
    `import { register } from "node:module";
register(${JSON.stringify(`file://${path.join(folder, "hook.mjs")}`)});`,
  );
  // A port nothing listens on: the call fails at once, after everything it needs has loaded.
  const address = `127.0.0.1:${await freePort()}`;
  nowhere = { user: address, product: address, order: address };
});
afterAll(() => rm(folder, { recursive: true, force: true }));

/** Runs the CLI; the modules it loaded, as paths below dist/ or node_modules/. */
async function loadedBy(args: string[], env: NodeJS.ProcessEnv = {}) {
  const log = path.join(folder, `${Math.random()}.log`);
  const run = await runCli(nowhere, [...args, "--plaintext"], {
    NODE_OPTIONS: `--import=${path.join(folder, "register.mjs")}`,
    LOADED_LOG: log,
    OTEL_TRACES_EXPORTER: "none",
    ...env,
  });
  // Each import is resolved, so a module two files import is listed twice.
  const urls = new Set((await readFile(log, "utf8")).split("\n"));
  return {
    run,
    modules: [...urls]
      .map((url) => /\/(?:dist|node_modules)\/(.*)$/.exec(url)?.[1])
      .filter(Boolean),
  };
}

describe("what a CLI command loads", () => {
  it("--help: only the command line", async () => {
    const { run, modules } = await loadedBy(["--help"]);
    expect(run.code).toBe(0);
    expect(modules.sort()).toEqual([
      "services/cli/command-line.js",
      "services/cli/main.js",
      "services/cli/report.js",
    ]);
  });

  it("product get: the product service's descriptors, no other service's, no tracing SDK", async () => {
    const { run, modules } = await loadedBy(["product", "get", "p-1"]);
    expect(run.stderr).toMatch(/^error: UNAVAILABLE: /m);
    expect(modules).toContain("services/gen/shopmesh/product/v1/product_service_pb.js");
    for (const unused of [
      "services/gen/shopmesh/user/v1/user_service_pb.js",
      "services/gen/shopmesh/order/v1/order_service_pb.js",
      "services/gen/shopmesh/admin/v1/admin_service_pb.js",
      "@opentelemetry/",
      "@grpc/grpc-js/",
      "pg/",
      "jose/",
      "@nats-io/",
    ]) {
      expect(modules.filter((module) => module?.startsWith(unused))).toEqual([]);
    }
  });

  it("with tracing on: the tracing SDK too", async () => {
    const { run, modules } = await loadedBy(["product", "get", "p-1"], {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    });
    expect(run.stderr).toMatch(/^trace_id: [0-9a-f]{32}$/m);
    expect(modules.some((module) => module?.startsWith("@opentelemetry/sdk-trace-node/"))).toBe(
      true,
    );
  });
});
