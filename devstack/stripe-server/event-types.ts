// Which event types a pattern selects (webhook endpoints' enabled_events, the events list's filter).

/** `payment_intent.*` matches every payment_intent event, `*` every event. */
export function typeMatches(pattern: string, type: string): boolean {
  return (
    pattern === type || pattern === "*" || (pattern.endsWith(".*") && type.startsWith(pattern.slice(0, -1)))
  );
}
