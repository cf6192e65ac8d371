import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** What a running `make run` records in its data folder: its pid and its services' pids. */
interface RunRecord {
  readonly runner: number;
  readonly services: Readonly<Record<string, number>>;
}

/**
 * The data folder's `run.json`: tells a second `make run` that the first is still alive (instead
 * of colliding with it on ports and data), and which services a killed runner left behind.
 */
export class RunFile {
  readonly #file: string;
  readonly #services: Record<string, number> = {};

  constructor(dataDir: string) {
    this.#file = path.join(dataDir, "run.json");
  }

  /**
   * Claims the data folder for this process. Throws one line when a previous run is alive;
   * stops the services a killed previous run left running, telling `log` which.
   */
  async claim(log: (line: string) => void): Promise<void> {
    const previous = this.#read();
    if (previous && previous.runner !== process.pid && isProcess(previous.runner, "run.js")) {
      throw new Error(
        `a previous make run is still running (pid ${previous.runner}) with data in ${path.dirname(this.#file)}: ` +
          `stop it first (Ctrl-C in its terminal, or kill ${previous.runner})`,
      );
    }
    const leftovers = Object.entries(previous?.services ?? {}).filter(([name, pid]) =>
      isProcess(pid, `bundle/${name}/main.js`),
    );
    for (const [name, pid] of leftovers) {
      log(`stopping the ${name} service (pid ${pid}) that a killed previous run left running`);
      process.kill(pid, "SIGTERM");
    }
    // They drain first (SHUTDOWN_GRACE_MS, 10 s by default) and hold their ports until they exit.
    const giveUpAt = Date.now() + 15_000;
    while (leftovers.some(([name, pid]) => isProcess(pid, `bundle/${name}/main.js`))) {
      if (Date.now() > giveUpAt) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.#write();
  }

  /** Records the pid of a service that (re)started. */
  service(name: string, pid: number | undefined): void {
    if (pid === undefined) return;
    this.#services[name] = pid;
    this.#write();
  }

  /** Removes the record: the run is over. */
  release(): void {
    const current = this.#read();
    if (current?.runner === process.pid) rmSync(this.#file, { force: true });
  }

  #read(): RunRecord | undefined {
    if (!existsSync(this.#file)) return undefined;
    try {
      return JSON.parse(readFileSync(this.#file, "utf8")) as RunRecord;
    } catch {
      return undefined; // half-written by a run killed at that moment: nothing to go by
    }
  }

  #write(): void {
    const record: RunRecord = { runner: process.pid, services: this.#services };
    writeFileSync(this.#file, `${JSON.stringify(record)}\n`);
  }
}

/** True when `pid` runs and its command line contains `marker` (pids are reused after a reboot). */
function isProcess(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return false;
  }
}
