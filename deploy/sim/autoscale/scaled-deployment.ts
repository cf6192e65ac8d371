import type { ServiceName } from "../../local/mesh.js";
import type { PodState } from "../autoscaler/index.js";
import type { Cluster, Replica } from "../cluster.js";

/** A pod of the simulated Deployment and what the HPA controller may know of it. */
export interface SimPod {
  readonly name: string;
  readonly startTime: number;
  /** Set once its health port answered SERVING and its address is in DNS. */
  readyAt?: number;
  deleting: boolean;
  replica?: Replica;
}

/**
 * One Deployment under an HPA: `spec.replicas` (what the HPA sets) and the pods the Deployment
 * controller starts or terminates to match it. Scale-in picks the newest pod first (the
 * ReplicaSet's ranking among ready pods on one node) and terminates it as the kubelet does
 * (endpoint removed, preStop, SIGTERM, drain), without waiting: terminating pods are not counted.
 */
export class ScaledDeployment {
  private readonly pods: SimPod[] = [];
  private serial = 0;
  private readonly pending = new Set<Promise<unknown>>();
  /** spec.replicas of the Deployment. */
  replicas: number;

  constructor(
    readonly service: ServiceName,
    private readonly cluster: Cluster,
    private readonly onEvent: (line: string) => void,
  ) {
    // Adopt the pods the cluster started with, as a Deployment adopts its ReplicaSet's pods.
    const now = Date.now();
    for (const replica of cluster.replicas(service)) {
      this.pods.push({
        name: this.nextName(),
        startTime: now,
        readyAt: now,
        deleting: false,
        replica,
      });
    }
    this.replicas = this.pods.length;
  }

  /** The pods as the HPA sees them: phase, readiness, deletion, CPU request. */
  podStates(cpuRequestMillicores: number): PodState[] {
    return this.pods.map((pod) => ({
      name: pod.name,
      phase: pod.replica ? "Running" : "Pending",
      deleting: pod.deleting,
      startTime: pod.startTime,
      ready:
        pod.readyAt === undefined ? undefined : { status: true, lastTransitionTime: pod.readyAt },
      cpuRequestMillicores,
    }));
  }

  /** Pods with a running process (for CPU sampling), terminating ones included. */
  running(): SimPod[] {
    return this.pods.filter((pod) => pod.replica !== undefined);
  }

  /** Ready pods that are not terminating: the ones the Service sends traffic to. */
  ready(): SimPod[] {
    return this.pods.filter((pod) => pod.readyAt !== undefined && !pod.deleting);
  }

  /** Sets spec.replicas and starts or terminates pods to match. */
  scale(replicas: number): void {
    this.replicas = replicas;
    const live = this.pods.filter((pod) => !pod.deleting);
    for (let n = live.length; n < replicas; n++) this.startPod();
    const surplus = live.length - replicas;
    if (surplus > 0) {
      // Not yet ready before ready, then the most recently started.
      const ranked = [...live].sort(
        (a, b) =>
          Number(a.readyAt !== undefined) - Number(b.readyAt !== undefined) ||
          b.startTime - a.startTime,
      );
      for (const pod of ranked.slice(0, surplus)) this.terminatePod(pod);
    }
  }

  /** Waits for every start and termination under way. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private nextName(): string {
    return `shopmesh-${this.service}-${++this.serial}`;
  }

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private startPod(): void {
    const pod: SimPod = { name: this.nextName(), startTime: Date.now(), deleting: false };
    this.pods.push(pod);
    this.track(
      this.cluster.addReplica(this.service).then(
        (replica) => {
          pod.replica = replica;
          pod.readyAt = Date.now();
          this.onEvent(
            `${pod.name} ready at ${replica.ip} after ${pod.readyAt - pod.startTime} ms`,
          );
          // Scaled in before it came up: terminate it now.
          if (pod.deleting) this.terminatePod(pod, true);
        },
        (error: unknown) => {
          this.remove(pod);
          this.onEvent(`${pod.name} failed to start: ${(error as Error).message}`);
        },
      ),
    );
  }

  private terminatePod(pod: SimPod, again = false): void {
    if (pod.deleting && !again) return;
    pod.deleting = true;
    const replica = pod.replica;
    if (!replica) return; // terminated as soon as it is ready (startPod)
    this.onEvent(`${pod.name} terminating (${replica.ip})`);
    this.track(
      this.cluster.terminate(replica).then((code) => {
        this.remove(pod);
        this.onEvent(`${pod.name} exited with code ${code}`);
      }),
    );
  }

  private remove(pod: SimPod): void {
    const index = this.pods.indexOf(pod);
    if (index >= 0) this.pods.splice(index, 1);
  }
}
