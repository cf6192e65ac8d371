import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

/** W3C trace context fields (traceparent, tracestate) as stored with an event or sent in headers. */
export type TraceCarrier = Record<string, string>;

const tracer = () => trace.getTracer("shopmesh-messaging");

/** The W3C trace context of the active span, to store with an event; empty outside any span. */
export function currentTraceContext(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Semantic-convention attributes of one message on one destination. */
export function messagingAttributes(
  operation: "send" | "process",
  destination: string,
  messageId: string,
  bodySize: number,
): Attributes {
  return {
    "messaging.system": "nats",
    "messaging.operation.type": operation,
    "messaging.operation.name": operation === "send" ? "publish" : "process",
    "messaging.destination.name": destination,
    "messaging.message.id": messageId,
    "messaging.message.body.size": bodySize,
  };
}

/**
 * Runs `work` in a PRODUCER span that continues the trace stored with the event (the call that
 * made the state change), and gives it the carrier to send as message headers, so the consumer
 * continues the same trace.
 */
export function inPublishSpan<T>(
  stored: TraceCarrier,
  attributes: Attributes,
  work: (headers: TraceCarrier) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, stored);
  const name = `send ${attributes["messaging.destination.name"]}`;
  return tracer().startActiveSpan(name, { kind: SpanKind.PRODUCER, attributes }, parent, (span) =>
    ended(span, () => work(currentTraceContext())),
  );
}

/**
 * Runs `work` in a CONSUMER span that is a child of the publishing span named by the message
 * headers and also links it (the semantic conventions allow both), so that Jaeger shows the
 * order, its event and its handling in one trace.
 */
export function inProcessSpan<T>(
  headers: TraceCarrier,
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const publisher = trace.getSpanContext(parent);
  const name = `process ${attributes["messaging.destination.name"]}`;
  const options = {
    kind: SpanKind.CONSUMER,
    attributes,
    ...(publisher ? { links: [{ context: publisher }] } : {}),
  };
  return tracer().startActiveSpan(name, options, parent, (span) => ended(span, work));
}

async function ended<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
