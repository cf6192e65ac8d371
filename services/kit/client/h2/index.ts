// The lean unary channel on Node's HTTP/2 client (the edge's forwarding path).
export { type ParsedTarget, parseTarget } from "./grpc-target.js";
export { H2Channel, type H2ChannelOptions } from "./h2-channel.js";
