// The Restate peer of the booking benchmark: startRestatePeer brings up restate-server and the
// SpaceBookings service and answers with the ingress URL, the booking path, the pids and stop().

export { SPACE_BOOKINGS, type SpaceBooking } from "./space-bookings.ts";
export {
  BOOKING_PATH_TEMPLATE,
  type RestatePeer,
  type RestatePeerOptions,
  startRestatePeer,
} from "./start-restate-peer.ts";
