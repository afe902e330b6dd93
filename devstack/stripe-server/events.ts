// Events (list, retrieve) and the webhook endpoints that receive them.
import { z } from "zod";
import type { AddRoute } from "./api.ts";
import { noSuchObject } from "./errors.ts";
import { typeMatches } from "./event-types.ts";
import { listObject, listParams } from "./list.ts";
import { expandParam, metadataParam } from "./params.ts";
import { newId, unixNow, type WebhookEndpoint } from "./store.ts";

const listEvents = z
  .object({
    ...listParams,
    type: z.string().optional(),
    types: z.array(z.string()).optional(),
    delivery_success: z.string().optional(),
  })
  .strict();

const createEndpoint = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    enabled_events: z.array(z.string().min(1)).min(1),
    description: z.string().optional(),
    api_version: z.string().optional(),
    connect: z.enum(["true", "false"]).optional(),
    metadata: metadataParam,
    expand: expandParam,
  })
  .strict();

export function addEventRoutes(route: AddRoute) {
  route("GET", "/v1/events", (request) => {
    const params = request.parse(listEvents);
    const patterns = params.types ?? (params.type ? [params.type] : undefined);
    const events = request.world.events.filter(
      (e) => !patterns || patterns.some((p) => typeMatches(p, e.type)),
    );
    return listObject(events, params, "/v1/events");
  });

  route("GET", "/v1/events/:id", (request) => {
    request.parse(z.object({ expand: expandParam }).strict());
    const event = request.world.events.find((e) => e.id === request.path.id);
    if (!event) throw noSuchObject("event", request.path.id ?? "");
    return event;
  });

  route("POST", "/v1/webhook_endpoints", (request) => {
    const params = request.parse(createEndpoint);
    const endpoint: WebhookEndpoint = {
      id: newId("we"),
      object: "webhook_endpoint",
      url: params.url,
      enabled_events: params.enabled_events,
      secret: newId("whsec", 32),
      status: "enabled",
      created: unixNow(),
    };
    request.world.webhookEndpoints.set(endpoint.id, endpoint);
    request.world.counts.webhook_endpoints++;
    return endpoint;
  });

  route("GET", "/v1/webhook_endpoints", (request) => {
    const params = request.parse(z.object(listParams).strict());
    const endpoints = [...request.world.webhookEndpoints.values()].map(({ secret: _, ...rest }) => rest);
    return listObject(endpoints, params, "/v1/webhook_endpoints");
  });

  route("DELETE", "/v1/webhook_endpoints/:id", (request) => {
    const id = request.path.id ?? "";
    if (!request.world.webhookEndpoints.delete(id)) throw noSuchObject("webhook_endpoint", id);
    return { id, object: "webhook_endpoint", deleted: true };
  });
}
