import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ports.js";

/** A real nats-server (Debian's package) with JetStream, on a free loopback port. */
export interface TestNats {
  /** nats://127.0.0.1:PORT */
  readonly url: string;
  /** Kills the server with SIGKILL (a crash: nothing flushed beyond what the OS has). */
  kill(): Promise<void>;
  /** Starts it again on the same port and JetStream storage. */
  restart(): Promise<void>;
  /** Stops it and deletes its storage. */
  close(): Promise<void>;
}

/** The binary: NATS_SERVER_BIN, else Debian's /usr/sbin/nats-server. */
export const natsServerBin = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

/** A configuration to run instead of the defaults (the chart's rendered nats.conf). */
export interface TestNatsConfig {
  /** The file's text; its `/data/` paths (JetStream storage, pid file) go to a temporary folder. */
  readonly conf: string;
  /** Environment the file refers to ($POD_NAME, the users' passwords). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Starts nats-server with JetStream storage in a fresh temporary folder: with its defaults, or
 * with `config` (its ports replaced by free loopback ones).
 */
export async function startTestNats(config?: TestNatsConfig): Promise<TestNats> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-nats-"));
  const port = await freePort();
  const args = ["-a", "127.0.0.1", "-p", String(port)];
  if (config) {
    const file = path.join(dir, "nats.conf");
    await writeFile(file, config.conf.replaceAll("/data/", `${dir}/`));
    args.push("-c", file, "-m", String(await freePort()));
  } else args.push("-js", "-sd", dir);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(natsServerBin, args, {
      stdio: "ignore",
      env: { ...process.env, ...config?.env },
    });
    await untilListening(port);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    kill,
    restart: start,
    close: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function untilListening(port: number): Promise<void> {
  const giveUpAt = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > giveUpAt) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
