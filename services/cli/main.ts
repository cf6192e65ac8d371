#!/usr/bin/env node
// Only the command line is read up front: each command loads what it uses when it runs (the
// mesh's clients and descriptors, the tracing SDK, the broker's client), so that `--help` or
// one call costs no more start-up than it needs.
import { CommandLine, usage } from "./command-line.js";
import { report } from "./report.js";

// Whatever escapes (a bug of ours) still ends as one line and a non-zero exit.
const fail = (error: unknown) => void report(error).then((code) => process.exit(code));
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

async function main(): Promise<number> {
  let line: CommandLine;
  try {
    line = new CommandLine(process.argv.slice(2));
  } catch (error) {
    return report(error);
  }
  if (line.options.help) {
    console.log(usage);
    return 0;
  }
  if (line.word(0) === "login") {
    const { devLogin } = await import("./login.js");
    // Only the token on stdout, so that TOKEN=$(shopmesh login …) works.
    console.log(await devLogin(line.required("email"), line.options.admin));
    // The edge's port is make run's EDGE_PORT (8080 unless set), which the CLI cannot know.
    const at = line.options.edge || process.env.SHOPMESH_EDGE_ADDRESS;
    console.error(
      `token stored; call through the edge with --edge ${at || "localhost:8080 (make run's default; it prints the edge's address)"}`,
    );
    return 0;
  }
  if (line.word(0) === "events") {
    try {
      return await (await import("./events-tail.js")).runEventsTail(line);
    } catch (error) {
      return report(error);
    }
  }
  return (await import("./mesh-command.js")).runMeshCommand(line);
}

// Exit at once: open HTTP/2 sessions and exporter timers must not keep a finished command alive.
process.exit(await main());
