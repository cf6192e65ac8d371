// The services run from their bundles (deploy/tools/bundle-services.mjs) as the image and the
// chart start them: a stack trace still names the TypeScript files and lines of the project's
// own code, and prints a package's frames as they are.
import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { repoRoot, serviceCommand } from "../../deploy/local/service-process.js";
import { freePort } from "../support/ports.js";

it("starts a service from its bundle, and its stack traces name the TypeScript sources", async () => {
  // A database at a closed port and no patience: the service logs why it cannot start, with
  // the error's stack, and exits.
  const child = spawn(process.execPath, serviceCommand("user", repoRoot), {
    env: {
      ...process.env,
      INSECURE_PLAINTEXT: "true",
      OTEL_SDK_DISABLED: "true",
      DATABASE_URL: `postgres://shop:secret@127.0.0.1:${await freePort()}/shop`,
      DATABASE_STARTUP_TIMEOUT_MS: "0",
      GRPC_PORT: String(await freePort()),
      HEALTH_PORT: String(await freePort()),
    },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  expect(code).toBe(1);
  const fatal = output
    .split("\n")
    .filter((line) => line.includes('"level":"fatal"'))
    .map((line) => JSON.parse(line) as { err: { stack: string } })[0];
  const frames = fatal?.err.stack.split("\n").slice(1) ?? [];
  // The project's frames: TypeScript files, with lines inside them.
  expect(frames).toContainEqual(
    expect.stringMatching(/at async runService \(.*\/services\/kit\/run-service\.ts:\d+:\d+\)$/),
  );
  expect(frames).toContainEqual(expect.stringMatching(/\/services\/user\/main\.ts:\d+:\d+\)?$/));
  // pg is no part of the bundle (its instrumentation patches it in node_modules).
  expect(frames).toContainEqual(expect.stringMatching(/\/node_modules\/pg-pool\/index\.js:/));
  expect(frames.filter((frame) => frame.includes("dist/bundle/"))).toEqual([]);
});
