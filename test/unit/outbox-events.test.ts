// An outbox row as a BullMQ job: one job id per outbox id that BullMQ accepts, named by the event
// type, with the retry rule (exponential backoff) and finished jobs kept long enough to refuse a
// second add after a relay's crash.
import { describe, expect, it } from "vitest";
import { outboxEventSchema, outboxJobId, outboxJobs } from "../../src/jobs/outbox-events.ts";

const row = {
  id: 42,
  aggregateType: "booking",
  aggregateId: "b1",
  eventType: "booking.confirmed",
  payload: { spaceId: "s1" },
  createdAt: 1_700_000_000_000,
};

describe("outbox jobs", () => {
  it("derives one job id per outbox id, never an integer and never with ':'", () => {
    expect(outboxJobId(42)).toBe("outbox-42");
    expect(outboxJobId(42)).toBe(outboxJobId(42));
    expect(outboxJobId(42)).not.toBe(outboxJobId(43));
    expect(outboxJobId(7)).not.toMatch(/^\d+$|:/);
  });

  it("names the job by its event type and carries the row, with backoff and retention", () => {
    const [job] = outboxJobs([row], { attempts: 4, backoffMs: 250 });
    expect(job!.name).toBe("booking.confirmed");
    expect(outboxEventSchema.parse(job!.data)).toEqual(row);
    expect(job!.opts).toMatchObject({
      jobId: "outbox-42",
      attempts: 4,
      backoff: { type: "exponential", delay: 250 },
      removeOnComplete: { age: 3600 },
    });
  });

  it("refuses job data that is not an outbox row", () => {
    expect(outboxEventSchema.safeParse({ ...row, extra: 1 }).success).toBe(false);
    expect(outboxEventSchema.safeParse({ ...row, id: 0 }).success).toBe(false);
    expect(outboxEventSchema.safeParse({ ...row, eventType: "" }).success).toBe(false);
  });
});
