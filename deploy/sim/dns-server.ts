import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** A DNS server answering names with the addresses it is told, like cluster DNS for Services. */
export interface DnsServer {
  /** `127.0.0.1:port`, for a `dns://127.0.0.1:port/name:port` gRPC target. */
  readonly address: string;
  /** Sets the A records of `name` (none: the name stops resolving) and reloads. */
  setRecords(name: string, addresses: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Where dnsmasq is: Debian puts it in /usr/sbin, which is not on every PATH. */
export function dnsmasqPath(): string | undefined {
  for (const candidate of ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"]) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync("sh", ["-c", "command -v dnsmasq"]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts dnsmasq (Debian's dnsmasq-base) on 127.0.0.1:`port`, serving only the records given
 * through `setRecords` from a hosts file it re-reads on SIGHUP.
 */
export async function startDnsServer(port: number): Promise<DnsServer> {
  const binary = dnsmasqPath();
  if (!binary) throw new Error("dnsmasq is missing: apt-get install dnsmasq-base");
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-dns-"));
  await chmod(dir, 0o755); // dnsmasq drops root privileges before it re-reads the file
  const hostsFile = path.join(dir, "hosts");
  const records = new Map<string, readonly string[]>();
  const writeHosts = () =>
    writeFile(
      hostsFile,
      [...records].flatMap(([name, ips]) => ips.map((ip) => `${ip} ${name}\n`)).join(""),
      { mode: 0o644 },
    );
  await writeHosts();
  const server: ChildProcess = spawn(
    binary,
    [
      "--keep-in-foreground",
      "--no-resolv",
      "--no-hosts",
      `--addn-hosts=${hostsFile}`,
      `--port=${port}`,
      "--listen-address=127.0.0.1",
      "--bind-interfaces",
      "--local-ttl=0",
      "--log-facility=-",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = "";
    server.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
      if (output.includes("started")) resolve();
    });
    server.once("exit", (code) => reject(new Error(`dnsmasq exited (${code}): ${output}`)));
  });
  return {
    address: `127.0.0.1:${port}`,
    async setRecords(name, addresses) {
      records.set(name, addresses);
      await writeHosts();
      server.kill("SIGHUP");
      // dnsmasq re-reads asynchronously; give it a moment before anyone resolves again.
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
