import { clusterScenarios } from "./cluster-scenarios.js";

// Replicas are processes from dist/ (cluster-containers.test.ts runs the same scenarios with
// containers of the image).
clusterScenarios();
