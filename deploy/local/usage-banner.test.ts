import { describe, expect, it } from "vitest";
import { cliSetupLines, usageBanner } from "./usage-banner.js";

const defaults = { user: "127.0.0.1:50051", product: "127.0.0.1:50052", order: "127.0.0.1:50053" };

describe("the CLI lines of make run's banner", () => {
  it("need no setup when the run uses the CLI's defaults", () => {
    expect(cliSetupLines(defaults, "/repo/.data", "/repo/.data")).toEqual([]);
    expect(usageBanner(defaults, "plaintext")).toContain("Or with the CLI (another terminal):");
  });

  it("export the addresses and the data folder that differ, so copied commands reach this run", () => {
    const moved = { ...defaults, order: "127.0.0.1:47053" };
    const lines = cliSetupLines(moved, "/tmp/run-data", "/repo/.data");
    expect(lines).toEqual([
      "export SHOPMESH_ORDER_ADDRESS=127.0.0.1:47053 SHOPMESH_DATA_DIR=/tmp/run-data",
    ]);
    expect(usageBanner(moved, "plaintext", lines)).toContain(
      "after telling it where this run is):\n\n  export SHOPMESH_ORDER_ADDRESS=127.0.0.1:47053",
    );
  });
});
