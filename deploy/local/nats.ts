import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/** The local event broker `make run` starts: Debian's nats-server with JetStream. */
export interface LocalNats {
  readonly url: string;
  /** Stops it (SIGTERM: JetStream flushes its storage) and waits for the exit. */
  stop(): Promise<void>;
}

/** The binary: NATS_SERVER_BIN, else Debian's /usr/sbin/nats-server (make tools installs it). */
export const natsServerBinary = process.env.NATS_SERVER_BIN || "/usr/sbin/nats-server";

/**
 * Starts nats-server on host:port with JetStream storage in `dir` (the data folder's `nats/`,
 * kept across runs like the database), after stopping one a killed previous run left behind.
 */
export async function startLocalNats(options: {
  dir: string;
  host: string;
  port: number;
  onOutput: (line: string) => void;
}): Promise<LocalNats> {
  if (!existsSync(natsServerBinary)) {
    throw new Error(
      `${natsServerBinary} not found: install Debian's nats-server (make tools does, as root)`,
    );
  }
  mkdirSync(options.dir, { recursive: true });
  const pidFile = path.join(options.dir, "nats-server.pid");
  await stopLeftoverNats(options.dir);
  const args = ["-js", "-sd", options.dir, "-a", options.host, "-p", String(options.port)];
  const child: ChildProcess = spawn(natsServerBinary, [...args, "-P", pidFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) if (line.trim()) options.onOutput(line);
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await untilListening(options.host, options.port, exited);
  return {
    url: `nats://${options.host}:${options.port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Stops the nats-server a killed previous run left running on the data in `dir` (its pid file
 * says which), and waits until it is gone: it holds its port and its JetStream storage.
 */
export async function stopLeftoverNats(dir: string): Promise<void> {
  const pidFile = path.join(dir, "nats-server.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  const running = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("nats-server");
    } catch {
      return false; // gone already
    }
  };
  if (!running()) return;
  process.kill(pid, "SIGTERM");
  const giveUpAt = Date.now() + 10_000;
  while (running() && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function untilListening(host: string, port: number, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    if (gone) throw new Error(`nats-server exited at start (is ${host}:${port} free? NATS_PORT)`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > giveUpAt) throw new Error(`nats-server did not listen on ${host}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
