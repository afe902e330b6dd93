// Spanish notification texts.
import type { LanguageTemplates } from "./template-data.ts";

const sign = "— Parkealo";

export const es: LanguageTemplates = {
  booking_request: (d) => ({
    subject: `Nueva solicitud de reserva para ${d.spaceTitle}`,
    text: `${d.otherName} quiere aparcar en ${d.spaceTitle}, ${d.window}.\nAprueba o rechaza la solicitud antes de que caduque; hasta entonces la plaza queda reservada.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_approved: (d) => ({
    subject: `Tu reserva en ${d.spaceTitle} está aprobada`,
    text: `${d.otherName} aprobó tu solicitud: aparcas en ${d.spaceTitle}, ${d.window}.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_confirmed: (d) => ({
    subject: `Tu reserva en ${d.spaceTitle} está confirmada`,
    text: `Tu reserva está confirmada: aparcas en ${d.spaceTitle}, ${d.window}.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_rejected: (d) => ({
    subject: `Tu solicitud para ${d.spaceTitle} fue rechazada`,
    text: `El anfitrión no pudo aceptar tu solicitud para ${d.spaceTitle}, ${d.window}. No se cobra nada.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_expired: (d) => ({
    subject: `Tu solicitud para ${d.spaceTitle} caducó`,
    text: `Tu solicitud para ${d.spaceTitle}, ${d.window}, no recibió respuesta a tiempo y caducó. No se cobra nada.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_payment_failed: (d) => ({
    subject: `El pago para ${d.spaceTitle} falló`,
    text: `No se pudo autorizar tu tarjeta para ${d.spaceTitle}, ${d.window}, así que la reserva no se hizo.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_cancelled: (d) => ({
    subject: `Reserva en ${d.spaceTitle} cancelada`,
    text: `La reserva en ${d.spaceTitle}, ${d.window}, está cancelada.${d.role === "driver" ? " El reembolso, si lo hay, sigue la política de cancelación de la plaza." : " La plaza vuelve a estar libre."}\nReserva ${d.reference}\n${sign}`,
  }),
  booking_extended: (d) => ({
    subject: `Reserva en ${d.spaceTitle} ampliada`,
    text: `${d.otherName} amplió su reserva en ${d.spaceTitle}: ahora ${d.window}.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_started: (d) => ({
    subject: `Tu aparcamiento en ${d.spaceTitle} ha empezado`,
    text: `Tu reserva en ${d.spaceTitle} ha empezado: ${d.window}.\nReserva ${d.reference}\n${sign}`,
  }),
  booking_completed: (d) => ({
    subject: `Tu aparcamiento en ${d.spaceTitle} ha terminado`,
    text: `Tu reserva en ${d.spaceTitle} (${d.window}) ha terminado. Gracias por aparcar con nosotros.\nReserva ${d.reference}\n${sign}`,
  }),
};
