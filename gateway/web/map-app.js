// Browser side of the live map: subscribes to the viewport over /ws, keeps every cell's epoch and
// offset, resumes after a reconnect, draws H3 cells and markers coloured by state; a signed-in driver
// books a space's next free hour by clicking its marker (POST /api/v1/bookings), pays a booking that
// waits for payment with the test card picked in the panel (POST /api/v1/payments/process), and a
// host's approval prompts show with approve / reject buttons. A module: booking-window.js picks the window,
// street-map.js lays the street map under it all.
/* global L, h3 */
import { nextBookableWindow } from "./booking-window.js";
import { addStreetMap } from "./street-map.js";

(() => {
  const colours = { available: "#2e9d4f", held: "#e3a21a", occupied: "#d64545", closed: "#8a8f98" };
  const params = new URLSearchParams(location.search);
  const start = [Number(params.get("lat") || 40.4168), Number(params.get("lng") || -3.7038)];
  const map = L.map("map", { preferCanvas: true });
  // Before the view: the tile layer's top zoom bounds the map's.
  const streetMap = addStreetMap(map, document.getElementById("map"), document.getElementById("tile-note"));
  map.setView(start, Number(params.get("zoom") || 16));
  const cells = new Map(); // cell -> { epoch, offset, outline, markers: Map(id -> marker), spaces: Map }
  const aggregates = new Map(); // cell -> { version, shape }
  const statusEl = document.getElementById("status"); // what the last action came to
  const connectionEl = document.getElementById("connection"); // the socket's state, apart from it
  let socket;
  let token = sessionStorage.getItem("parkealo.token") || "";
  let roles = JSON.parse(sessionStorage.getItem("parkealo.roles") || "[]");
  const seenAt = new Map(); // space id -> when the page last drew a change of it (Date.now())
  let lastBooking; // { spaceId, status, body, answeredAt }: the last answer of POST /api/v1/bookings
  let lastPayment; // { bookingId, paymentMethodId, status, body, answeredAt }: of POST /payments/process
  let awaiting; // the booking (POST /bookings' answer) the pay form pays, while it waits for payment
  let retry = 0;

  const boundary = (cell) => h3.cellToBoundary(cell);

  function viewport() {
    const b = map.getBounds();
    const wrap = (lng) => ((((lng + 180) % 360) + 360) % 360) - 180;
    return { north: b.getNorth(), south: b.getSouth(), east: wrap(b.getEast()), west: wrap(b.getWest()) };
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function dropCell(cell) {
    const c = cells.get(cell);
    if (c) {
      c.outline.remove();
      for (const m of c.markers.values()) m.remove();
      cells.delete(cell);
    }
    const a = aggregates.get(cell);
    if (a) {
      a.shape.remove();
      aggregates.delete(cell);
    }
  }

  /** Text a host wrote, made safe to put in the tooltip's HTML. */
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  }

  function popupOf(space) {
    const price = `${(space.hourly / 100).toFixed(2)} ${space.currency}/h`;
    const title = space.title ? `${escapeHtml(space.title)}<br>` : "";
    const mode = space.bookingMode === "request" ? " · request to book" : "";
    const until = space.freeUntil ? `<br>free until ${new Date(space.freeUntil).toLocaleString()}` : "";
    const next = space.nextFreeAt ? `<br>free again ${new Date(space.nextFreeAt).toLocaleString()}` : "";
    return `${title}<b>${space.state}</b> · ${price}${mode}${until}${next}`;
  }

  function putSpace(c, space) {
    let marker = c.markers.get(space.id);
    if (!marker) {
      marker = L.circleMarker([space.lat, space.lng], {
        radius: 7,
        weight: 1,
        color: "#fff",
        fillOpacity: 0.95,
      });
      marker.on("click", () => bookSpace(space.id));
      marker.addTo(map);
      c.markers.set(space.id, marker);
    }
    marker.setStyle({ fillColor: colours[space.state] || "#000" });
    // A tooltip, not a popup: a click books, and a tooltip never covers another marker's click.
    if (marker.getTooltip()) marker.setTooltipContent(popupOf(space));
    else marker.bindTooltip(popupOf(space));
    c.spaces.set(space.id, space);
    seenAt.set(space.id, Date.now());
  }

  function onSnapshot(m) {
    dropCell(m.cell);
    const outline = L.polygon(boundary(m.cell), { color: "#5a6b7d", weight: 1, fill: false }).addTo(map);
    const c = { epoch: m.epoch, offset: m.offset, outline, markers: new Map(), spaces: new Map() };
    cells.set(m.cell, c);
    for (const space of m.spaces) putSpace(c, space);
  }

  function onDelta(m) {
    const c = cells.get(m.cell);
    if (!c) return;
    if (m.epoch !== c.epoch || m.offset !== c.offset + 1) {
      if (m.epoch === c.epoch && m.offset <= c.offset) return;
      send({ type: "resume", cells: { [m.cell]: { epoch: c.epoch, offset: c.offset } } });
      return;
    }
    c.offset = m.offset;
    if (m.space) putSpace(c, m.space);
    if (m.removed) {
      c.markers.get(m.removed)?.remove();
      c.markers.delete(m.removed);
      c.spaces.delete(m.removed);
    }
  }

  function onAggregate(m) {
    const known = aggregates.get(m.cell);
    if (known && known.version >= m.version) return;
    known?.shape.remove();
    const share = m.total ? m.free / m.total : 0;
    const shape = L.polygon(boundary(m.cell), {
      color: "#5a6b7d",
      weight: 1,
      fillColor: m.total ? colours.available : colours.closed,
      fillOpacity: m.total ? 0.15 + 0.5 * share : 0.05,
    }).addTo(map);
    if (m.total)
      shape.bindTooltip(`${m.free}/${m.total}`, {
        permanent: true,
        direction: "center",
        className: "agg-label",
      });
    aggregates.set(m.cell, { version: m.version, shape });
  }

  function onSubscribed(m) {
    if (m.ref !== "viewport") return;
    const wanted = new Set(m.cells);
    for (const cell of [...cells.keys(), ...aggregates.keys()]) if (!wanted.has(cell)) dropCell(cell);
  }

  const prompts = new Map();
  function renderPrompts() {
    const list = document.getElementById("prompts");
    list.innerHTML = "";
    for (const p of prompts.values()) {
      const li = document.createElement("li");
      li.dataset.bookingId = p.bookingId;
      const when = `${new Date(p.start).toLocaleString()} → ${new Date(p.end).toLocaleTimeString()}`;
      // Built from text nodes: the driver's name is whatever the driver typed.
      const name = document.createElement("b");
      name.textContent = p.driver.name;
      const price = `${(p.totalAmount / 100).toFixed(2)} ${p.currency}`;
      const deadline = new Date(p.expiresAt).toLocaleTimeString();
      li.append(name, " wants your space", document.createElement("br"), when, document.createElement("br"));
      li.append(`${price} · decide by ${deadline}`, document.createElement("br"));
      for (const action of ["approve", "reject"]) {
        const button = document.createElement("button");
        button.textContent = action;
        button.onclick = () =>
          send({ type: action, ref: `${action}:${p.bookingId}`, bookingId: p.bookingId });
        li.append(button);
      }
      list.append(li);
    }
  }

  const handlers = {
    snapshot: onSnapshot,
    delta: onDelta,
    aggregate: onAggregate,
    subscribed: onSubscribed,
    approval_request: (m) => {
      prompts.set(m.bookingId, m);
      renderPrompts();
    },
    approval_resolved: (m) => {
      prompts.delete(m.bookingId);
      renderPrompts();
    },
    ack: (m) => {
      statusEl.textContent = `booking ${m.bookingId.slice(0, 8)}… is ${m.status}`;
    },
    error: (m) => {
      statusEl.textContent = `error: ${m.code}: ${m.message}`;
    },
    // The token expired or its session ended (logout, password reset, role taken away): the map
    // goes on anonymously, and a reconnect does not offer the dead token again.
    session_ended: (m) => {
      token = "";
      roles = [];
      for (const key of ["parkealo.token", "parkealo.roles", "parkealo.email"])
        sessionStorage.removeItem(key);
      prompts.clear();
      renderPrompts();
      whoEl.textContent = `signed out (${m.reason.replaceAll("_", " ")}); sign in again`;
    },
  };

  function subscribeViewport() {
    send({ type: "subscribe", ref: "viewport", viewport: viewport(), zoom: map.getZoom() });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = token ? `?access_token=${encodeURIComponent(token)}` : "";
    socket = new WebSocket(`${scheme}://${location.host}/ws${query}`);
    socket.onopen = () => {
      retry = 0;
      connectionEl.textContent = "live";
      const known = {};
      for (const [cell, c] of cells) known[cell] = { epoch: c.epoch, offset: c.offset };
      if (Object.keys(known).length) send({ type: "resume", cells: known });
      subscribeViewport();
    };
    socket.onmessage = (event) => {
      const m = JSON.parse(event.data);
      handlers[m.type]?.(m);
    };
    socket.onclose = () => {
      connectionEl.textContent = "reconnecting…";
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 300 * retry);
    };
  }

  map.on("moveend", subscribeViewport);

  const whoEl = document.getElementById("who");
  const showWho = (email) => {
    whoEl.textContent = email ? `signed in as ${email} (${roles.join(", ")})` : "";
  };
  showWho(sessionStorage.getItem("parkealo.email"));

  async function signIn(email, password) {
    whoEl.textContent = "signing in…";
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      whoEl.textContent = body.error?.message || `sign-in failed (${response.status})`;
      return;
    }
    token = body.accessToken;
    roles = body.user.roles;
    sessionStorage.setItem("parkealo.token", token);
    sessionStorage.setItem("parkealo.roles", JSON.stringify(roles));
    sessionStorage.setItem("parkealo.email", body.user.email);
    showWho(body.user.email);
    socket.close(); // reconnects with the token: a host's prompts follow
  }

  document.getElementById("login").onsubmit = (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    void signIn(String(form.get("email")), String(form.get("password")));
  };
  const demo = document.getElementById("demo-driver");
  if (demo) demo.onclick = () => signIn(demo.dataset.email, demo.dataset.password);

  /** GET a public JSON resource; throws with the error shape's message. */
  async function getJson(path) {
    const response = await fetch(path);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error?.message || `${path} answered ${response.status}`);
    return body;
  }

  const timeOf = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  function outcomeOf(status, body) {
    if (status === 201) {
      const when = `${new Date(body.start).toLocaleDateString()} ${timeOf(body.start)}–${timeOf(body.end)}`;
      const price = `${(body.totalAmount / 100).toFixed(2)} ${body.currency}`;
      if (body.status === "pending_approval")
        return `requested ${when} (${price}): waiting for the host until ${timeOf(body.expiresAt)}`;
      if (body.status === "awaiting_payment") return `held ${when} (${price}): pay for it in the panel`;
      return `booked ${when} (${price}): ${body.status}`;
    }
    const code = body.error?.code ? ` ${body.error.code}` : "";
    return `not booked (${status}${code}): ${body.error?.message || "no answer"}`;
  }

  // A click books the space's next free hour as the signed-in driver, through the real REST API.
  async function bookSpace(spaceId) {
    if (!token || !roles.includes("driver")) {
      statusEl.textContent = "sign in as a driver to book (the demo driver button does it in one click)";
      return;
    }
    statusEl.textContent = "finding the next free hour…";
    try {
      const [listing, availability] = await Promise.all([
        getJson(`/api/v1/spaces/${spaceId}`),
        getJson(`/api/v1/spaces/${spaceId}/availability`),
      ]);
      const slot = nextBookableWindow({
        now: Date.now(),
        minNoticeMinutes: listing.minNoticeMinutes,
        minDurationMinutes: listing.minDurationMinutes,
        maxDurationMinutes: listing.maxDurationMinutes,
        free: availability.free.map((f) => ({ start: Date.parse(f.start), end: Date.parse(f.end) })),
      });
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      if (crypto.randomUUID) headers["idempotency-key"] = crypto.randomUUID();
      const response = await fetch("/api/v1/bookings", {
        method: "POST",
        headers,
        body: JSON.stringify({
          spaceId,
          start: new Date(slot.start).toISOString(),
          end: new Date(slot.end).toISOString(),
        }),
      });
      const body = await response.json().catch(() => ({}));
      lastBooking = { spaceId, status: response.status, body, answeredAt: Date.now() };
      statusEl.textContent = outcomeOf(response.status, body);
      showPayment(response.status === 201 && body.status === "awaiting_payment" ? body : undefined);
    } catch (error) {
      statusEl.textContent = `not booked: ${error.message}`;
    }
  }

  const payEl = document.getElementById("pay"); // absent unless the deployment takes test cards
  const payOutcomeEl = document.getElementById("pay-outcome");

  /** Shows the pay form for a booking that waits for payment, or hides it (undefined). */
  function showPayment(booking) {
    awaiting = booking;
    if (!booking) {
      if (payEl) payEl.hidden = true;
      return;
    }
    if (!payEl) {
      statusEl.textContent +=
        " (this page pays with test cards only: pay through POST /api/v1/payments/process)";
      return;
    }
    const price = `${(booking.totalAmount / 100).toFixed(2)} ${booking.currency}`;
    document.getElementById("pay-what").textContent =
      `${price} for ${new Date(booking.start).toLocaleString()} – ${timeOf(booking.end)}; the slot is held for you meanwhile.`;
    payOutcomeEl.textContent = "";
    document.getElementById("pay-form").hidden = false;
    document.getElementById("pay-button").disabled = false;
    payEl.hidden = false;
  }

  /** What a payment's answer means for the driver. */
  function paymentOutcomeOf(status, body) {
    if (status !== 200) {
      const code = body.error?.code ? ` ${body.error.code}` : "";
      return `not paid (${status}${code}): ${body.error?.message || "no answer"}`;
    }
    const price = `${(body.amount / 100).toFixed(2)} ${body.currency}`;
    if (body.status === "failed")
      return `card declined (${body.failureMessage || body.failureCode}): the booking is not made; click the marker to try again`;
    if (body.bookingStatus === "confirmed") return `paid ${price}: booking confirmed`;
    if (body.bookingStatus === "pending_approval")
      return `card authorized for ${price}: waiting for the host (charged only if they accept)`;
    return `payment ${body.status}, booking ${body.bookingStatus}`;
  }

  const payKeys = new Map(); // "bookingId paymentMethodId" -> its Idempotency-Key, kept for a retry

  // Pays the booking that waits with the test card picked. A retry of the same booking and card (after
  // a lost answer or a 5xx) sends the same Idempotency-Key, so the server answers it once.
  async function payBooking(paymentMethodId) {
    const booking = awaiting;
    if (!booking) return;
    const attempt = `${booking.id} ${paymentMethodId}`;
    if (!payKeys.has(attempt) && crypto.randomUUID) payKeys.set(attempt, crypto.randomUUID());
    const button = document.getElementById("pay-button");
    button.disabled = true;
    payOutcomeEl.textContent = "paying…";
    try {
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      if (payKeys.has(attempt)) headers["idempotency-key"] = payKeys.get(attempt);
      const response = await fetch("/api/v1/payments/process", {
        method: "POST",
        headers,
        body: JSON.stringify({ bookingId: booking.id, paymentMethodId }),
      });
      const body = await response.json().catch(() => ({}));
      lastPayment = {
        bookingId: booking.id,
        paymentMethodId,
        status: response.status,
        body,
        answeredAt: Date.now(),
      };
      payOutcomeEl.textContent = paymentOutcomeOf(response.status, body);
      statusEl.textContent = payOutcomeEl.textContent;
      // Settled either way (paid, or declined and released): the form goes; only a call without an
      // answer on the booking (a 5xx, a 429) may be tried again.
      if (response.status === 200 || response.status === 409) {
        awaiting = undefined;
        document.getElementById("pay-form").hidden = true;
        document.getElementById("pay-what").textContent = "";
      } else button.disabled = false;
    } catch (error) {
      payOutcomeEl.textContent = `not paid: ${error.message}; try again`;
      button.disabled = false;
    }
  }

  document.getElementById("pay-form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    void payBooking(String(new FormData(event.target).get("paymentMethodId")));
  });

  // For tests and curious people: the state the map shows.
  window.parkealoMap = {
    map,
    /** The street map: status "off" | "loading" | "shown" | "failed", tiles loaded and failed. */
    streetMap,
    spaceOf: (spaceId) => {
      for (const c of cells.values()) if (c.spaces.has(spaceId)) return c.spaces.get(spaceId);
      return undefined;
    },
    stateOf: (spaceId) => window.parkealoMap.spaceOf(spaceId)?.state,
    /** When the page last drew a change of the space (Date.now() in the page). */
    seenAt: (spaceId) => seenAt.get(spaceId),
    /** The last answer of POST /api/v1/bookings made by a click, with when it arrived. */
    lastBooking: () => lastBooking,
    /** The last answer of POST /api/v1/payments/process made by the pay form, with when it arrived. */
    lastPayment: () => lastPayment,
    colourOf: (spaceId) => {
      for (const c of cells.values())
        if (c.markers.has(spaceId)) return c.markers.get(spaceId).options.fillColor;
      return undefined;
    },
    cells,
  };
  connect();
})();
