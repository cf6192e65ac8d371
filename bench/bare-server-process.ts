import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { repoRoot } from "../deploy/local/service-process.js";

/** Starts the bare grpc-js server (the floor) as its own process; resolves once it listens. */
export async function startBareServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, "dist/bench/bare-server.js")], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return child;
}
