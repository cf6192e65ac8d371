import { describe } from "vitest";
import { containerMode } from "../../deploy/sim/container-mode.js";
import { clusterScenarios } from "./cluster-scenarios.js";

// The same scenarios with every replica a container of the image: the chart's environment,
// command, uid, read-only root and preStop/termination timing (`make image-test` sets SIM_IMAGE;
// `make test` skips this file: building the image takes minutes).
const image = process.env.SIM_IMAGE ?? "";
const tool = process.env.CONTAINER_TOOL || "podman";

describe.skipIf(image === "")(`replicas as containers of ${image}`, () => {
  clusterScenarios(() => containerMode(tool, image));
});
