// A small typed client for the REST API, written against the types generated from the OpenAPI
// document (contract/generated/api.ts, by `npm run contract`). It compiles only while the document
// still has these operations with these paths, bodies and answers, so a change to the contract that
// would break callers breaks `npm run lint` first.
import type { operations, paths } from "./generated/api.ts";

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
type BodyOf<Op extends keyof operations> = Json<NonNullable<operations[Op]["requestBody"]>>;
type AnswerOf<Op extends keyof operations, Status extends keyof operations[Op]["responses"]> = Json<
  operations[Op]["responses"][Status]
>;
type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["query"]>;

export type Session = AnswerOf<"login", 200>;
export type SearchPage = AnswerOf<"searchSpacesByBody", 200>;
export type Booking = AnswerOf<"createBooking", 201>;
export type BookingPage = AnswerOf<"listSpaceBookings", 200>;
export type ApiError = AnswerOf<"createBooking", 409>;

/** A refusal from the API: its status and the `{ error: { code, message } }` body. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
  }
}

/** Fills `{name}` placeholders of a documented path. */
function pathOf<P extends keyof paths>(template: P, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
}

export class ParkealoClient {
  private accessToken: string | undefined;

  constructor(private readonly baseUrl: string) {}

  private async send<T>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Record<string, string | number | undefined> } = {},
  ): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {};
    if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const json: unknown = text === "" ? null : JSON.parse(text);
    if (!response.ok) throw new ApiRefusal(response.status, json as ApiError);
    return json as T;
  }

  async login(body: BodyOf<"login">): Promise<Session> {
    const session = await this.send<Session>("POST", pathOf("/api/v1/auth/login"), { body });
    this.accessToken = session.accessToken;
    return session;
  }

  searchSpaces(body: BodyOf<"searchSpacesByBody">): Promise<SearchPage> {
    return this.send("POST", pathOf("/api/v1/search/spaces"), { body });
  }

  requestBooking(body: BodyOf<"createBooking">): Promise<Booking> {
    return this.send("POST", pathOf("/api/v1/bookings"), { body });
  }

  cancelBooking(id: string, body: BodyOf<"cancelBooking"> = {}): Promise<AnswerOf<"cancelBooking", 200>> {
    return this.send("PUT", pathOf("/api/v1/bookings/{id}/cancel", { id }), { body });
  }

  spaceBookings(spaceId: string, query: QueryOf<"listSpaceBookings"> = {}): Promise<BookingPage> {
    return this.send("GET", pathOf("/api/v1/spaces/{id}/bookings", { id: spaceId }), { query });
  }
}
