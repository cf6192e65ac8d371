import type * as grpc from "@grpc/grpc-js";
import {
  type Attributes,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

// The spans of gRPC calls, made by the kit (which wraps every call anyway) rather than by
// patching grpc-js with @opentelemetry/instrumentation-grpc: the same names, kinds, attributes,
// parentage and status as that instrumentation made, without its per-call closures, metadata
// scans and wrapped emitters (bench/README.md "Telemetry that costs what it must").

const tracer = trace.getTracer("shopmesh-kit-grpc");

const metadataGetter = {
  get: (carrier: grpc.Metadata, key: string) => carrier.get(key).map(String),
  keys: (carrier: grpc.Metadata) => Object.keys(carrier.getMap()),
};
const metadataSetter = {
  set: (carrier: grpc.Metadata, key: string, value: string) => carrier.set(key, value),
};

/** A served call's span. */
export interface CallSpan {
  /** Runs `work` with the span active: its SQL, downstream calls, events and logs join it. */
  run<T>(work: () => T): T;
  /** Ends the span with the call's gRPC status code. */
  end(code: number): void;
}

/** `/pkg.Service/Method` as the span's name and `rpc.*` attributes. */
function rpcNaming(path: string): { name: string; attributes: Attributes } {
  const slash = path.indexOf("/", 1);
  return {
    name: `grpc.${path.slice(1)}`,
    attributes: {
      "rpc.system": "grpc",
      "rpc.method": path.slice(slash + 1),
      "rpc.service": path.slice(1, slash),
    },
  };
}

/**
 * How each call to `path` gets its SERVER span: a child of the trace context the caller sent
 * (W3C `traceparent` in the metadata), never of whatever happens to be active here.
 */
export function serverSpans(path: string): (metadata: grpc.Metadata) => CallSpan {
  const { name, attributes } = rpcNaming(path);
  const options = { kind: SpanKind.SERVER, attributes };
  return (metadata) => {
    const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
    const span = tracer.startSpan(name, options, parent);
    // No span is made (tracing off) and no trace came in: there is nothing to make active, and
    // pg's instrumentation, finding no span, skips its own work.
    const idle = !span.isRecording() && !isSpanContextValid(span.spanContext());
    const active = idle ? undefined : trace.setSpan(parent, span);
    return {
      run: (work) => (active ? context.with(active, work) : work()),
      end: (code) => {
        if (idle) return;
        // A server span carries the status message only when the status object has one: the
        // kit answers with {code, details}, so only the code is recorded.
        span.setStatus({ code: code === 0 ? SpanStatusCode.UNSET : SpanStatusCode.ERROR });
        span.setAttribute("rpc.grpc.status_code", code);
        span.end();
      },
    };
  };
}

/** `host` and `port` of a channel target such as `dns:///product:50052`, for `server.*`. */
function serverAddressOf(target: string): Attributes {
  const parsed =
    /(?:([A-Za-z0-9+.-]+):(?:\/\/)?)?(?<name>[A-Za-z0-9+.-]+):(?<port>[0-9+.-]+)$/.exec(target);
  return {
    "server.address": parsed?.groups?.name,
    "server.port": Number.parseInt(parsed?.groups?.port ?? "", 10),
  };
}

/** A client call's span; its trace context is already in the call's metadata. */
export interface ClientSpan {
  /** Ends the span: OK, or the error the call failed with. */
  end(error: grpc.ServiceError | null): void;
}

/**
 * How each call to `path` over a channel to `target` gets its CLIENT span: a child of the active
 * span (the server call it is made for), its trace context put into the call's `metadata` so
 * that the server continues the trace.
 */
export function clientSpans(path: string, target: string): (metadata: grpc.Metadata) => ClientSpan {
  const { name, attributes } = rpcNaming(path);
  const options = {
    kind: SpanKind.CLIENT,
    attributes: { ...attributes, ...serverAddressOf(target) },
  };
  return (metadata) => {
    const span: Span = tracer.startSpan(name, options);
    propagation.inject(trace.setSpan(context.active(), span), metadata, metadataSetter);
    return {
      end: (error) => {
        if (!span.isRecording()) return;
        if (error) {
          if (error.code) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute("rpc.grpc.status_code", error.code);
          }
          span.setAttributes({
            "grpc.error_name": error.name,
            "grpc.error_message": error.message,
          });
        } else span.setAttribute("rpc.grpc.status_code", 0);
        span.end();
      },
    };
  };
}
