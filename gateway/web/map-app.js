// Browser side of the live map: subscribes to the viewport over /ws, keeps every cell's epoch and
// offset, resumes after a reconnect, draws H3 cells and markers coloured by state, and shows a
// host's approval prompts with approve / reject buttons.
/* global L, h3 */
(() => {
  const colours = { available: "#2e9d4f", held: "#e3a21a", occupied: "#d64545", closed: "#8a8f98" };
  const params = new URLSearchParams(location.search);
  const start = [Number(params.get("lat") || 40.4168), Number(params.get("lng") || -3.7038)];
  const map = L.map("map", { preferCanvas: true }).setView(start, Number(params.get("zoom") || 16));
  const cells = new Map(); // cell -> { epoch, offset, outline, markers: Map(id -> marker), spaces: Map }
  const aggregates = new Map(); // cell -> { version, shape }
  const statusEl = document.getElementById("status");
  let socket;
  let token = sessionStorage.getItem("parkealo.token") || "";
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

  function popupOf(space) {
    const price = `${(space.hourly / 100).toFixed(2)} ${space.currency}/h`;
    const until = space.freeUntil ? `<br>free until ${new Date(space.freeUntil).toLocaleString()}` : "";
    const next = space.nextFreeAt ? `<br>free again ${new Date(space.nextFreeAt).toLocaleString()}` : "";
    return `<b>${space.state}</b> · ${price}${until}${next}`;
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
      marker.addTo(map);
      c.markers.set(space.id, marker);
    }
    marker.setStyle({ fillColor: colours[space.state] || "#000" });
    marker.bindPopup(popupOf(space));
    c.spaces.set(space.id, space);
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
      li.innerHTML = `<b>${p.driver.name}</b> wants your space<br>${when}<br>${(p.totalAmount / 100).toFixed(2)} ${p.currency} · decide by ${new Date(p.expiresAt).toLocaleTimeString()}<br>`;
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
      statusEl.textContent = "live";
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
      statusEl.textContent = "reconnecting…";
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 300 * retry);
    };
  }

  map.on("moveend", subscribeViewport);

  document.getElementById("login").onsubmit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    });
    const body = await response.json();
    if (!response.ok) {
      document.getElementById("who").textContent = body.error?.message || "login failed";
      return;
    }
    token = body.accessToken;
    sessionStorage.setItem("parkealo.token", token);
    document.getElementById("who").textContent = `logged in as ${body.user?.email ?? "host"}`;
    socket.close();
  };

  // For tests and curious people: the state the map shows.
  window.parkealoMap = {
    map,
    spaceOf: (spaceId) => {
      for (const c of cells.values()) if (c.spaces.has(spaceId)) return c.spaces.get(spaceId);
      return undefined;
    },
    stateOf: (spaceId) => window.parkealoMap.spaceOf(spaceId)?.state,
    colourOf: (spaceId) => {
      for (const c of cells.values())
        if (c.markers.has(spaceId)) return c.markers.get(spaceId).options.fillColor;
      return undefined;
    },
    cells,
  };
  connect();
})();
