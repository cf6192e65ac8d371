// Sample Kubernetes objects for the k8s-validate tests, built fresh per call so that each failing
// case can break its own copy.

/** A Deployment the schema accepts: gRPC probes, resources, a locked-down container. */
export function deployment(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "shopmesh-order", labels: { "app.kubernetes.io/name": "order" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": "order" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "order" } },
        spec: {
          serviceAccountName: "shopmesh-order",
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: "order",
              image: "shopmesh/order:0.1.0",
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "grpc", containerPort: 50051, protocol: "TCP" }],
              env: [{ name: "GRPC_PORT", value: "50051" }],
              resources: {
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { memory: "256Mi" },
              },
              readinessProbe: { grpc: { port: 50051, service: "" }, periodSeconds: 5 },
              livenessProbe: { grpc: { port: 50051 }, failureThreshold: 3 },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}

/** A headless Service the schema accepts. */
export function service(): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "shopmesh-order-headless" },
    spec: {
      clusterIP: "None",
      selector: { "app.kubernetes.io/name": "order" },
      ports: [{ name: "grpc", port: 50051, targetPort: "grpc", protocol: "TCP" }],
    },
  };
}

/** An autoscaling/v2 HPA on CPU the schema accepts. */
export function hpa(): Record<string, unknown> {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "shopmesh-order" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shopmesh-order" },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

/** A policy/v1 PodDisruptionBudget the schema accepts. */
export function pdb(): Record<string, unknown> {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "shopmesh-order" },
    spec: {
      minAvailable: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "order" } },
    },
  };
}

/** The first container of a Deployment built by `deployment()`. */
export function firstContainer(object: Record<string, unknown>): Record<string, unknown> {
  const spec = object.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
  const container = spec.template.spec.containers[0];
  if (container === undefined) throw new Error("the sample Deployment has a container");
  return container;
}
