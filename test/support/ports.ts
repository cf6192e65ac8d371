import { readFileSync } from "node:fs";
import net from "node:net";

// Ports for the tests' servers come from below the kernel's ephemeral range: a port the kernel
// hands out (bind to 0) is free only until the next outgoing connection takes it as its local
// port, and with two test files at a time, each with meshes making connections, that happened
// between freePort() and a service's bind. Below the range nothing takes a port unasked; each
// vitest worker has a block of its own, so two files never pick the same one.
const [ephemeralLow] = ephemeralRange();
const blockSize = 2_000;
const worker = Number(process.env.VITEST_POOL_ID ?? 0);
const blockStart = ephemeralLow - 16_000 + worker * blockSize; // 16768… below the bench's 27000…
let next = Math.floor(Math.random() * blockSize);

/** A TCP port that was free on 127.0.0.1 a moment ago, and that no outgoing connection takes. */
export async function freePort(): Promise<number> {
  if (worker > 3) return kernelPort(); // more workers than blocks: the kernel's choice
  for (let tried = 0; tried < blockSize; tried++) {
    const port = blockStart + (next++ % blockSize);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}–${blockStart + blockSize - 1}`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high && low > 12_000) return [low, high];
  } catch {}
  return [32_768, 60_999];
}
