// Events over NATS JetStream: the broker link, streams, publishing, durable consumers, tracing.
export { BrokerLink, brokerHealthName, type OnBrokerReady } from "./broker-link.js";
export { CrashPoints } from "./crash-points.js";
export {
  type ConsumerSpec,
  type Delivery,
  declareConsumer,
  type Outcome,
  type RunningConsumer,
  startDurableConsumer,
} from "./durable-consumer.js";
export { type MessagingConfig, messagingSettings, natsServers } from "./messaging-settings.js";
export { type OutgoingEvent, publishEvent } from "./publisher.js";
export { declareStream, type StreamSpec } from "./streams.js";
export { currentTraceContext, type TraceCarrier } from "./trace-context.js";
