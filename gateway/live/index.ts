// Public door of the live gateway: attach it to an HTTP server; the protocol for clients and tests.
export type { BookingCommands, BookingDecision } from "./booking-commands.ts";
export { attachLiveGateway, type LiveGatewayDeps } from "./live-gateway.ts";
export * from "./protocol.ts";
export { SOCKET_IO_EVENT, SOCKET_IO_NAMESPACE } from "./transports/socket-io-transport.ts";
export { WS_PATH } from "./transports/ws-transport.ts";
