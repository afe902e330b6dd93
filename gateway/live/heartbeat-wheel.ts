// Spreads a periodic per-connection duty (ping, and drop peers that did not answer the last one)
// evenly over its period: connections are dealt round-robin into slots and one slot is visited per
// tick, so 10,000 sockets cost 1/slots of the work every period/slots instead of one burst of 10,000
// pings (and 10,000 pongs back) that would stall every delta queued behind it.

export class HeartbeatWheel<T> {
  private readonly slots: Set<T>[];
  private readonly slotOf = new Map<T, number>();
  private next = 0;
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Each item is visited once every `periodMs`, spread over `slotCount` ticks. */
  constructor(
    private readonly periodMs: number,
    private readonly visit: (item: T) => void,
    slotCount = 50,
  ) {
    this.slots = Array.from({ length: Math.max(1, slotCount) }, () => new Set<T>());
  }

  add(item: T) {
    const slot = this.next;
    this.next = (this.next + 1) % this.slots.length;
    this.slots[slot]!.add(item);
    this.slotOf.set(item, slot);
  }

  delete(item: T) {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return;
    this.slots[slot]!.delete(item);
    this.slotOf.delete(item);
  }

  /** Visits the next slot's items; start() calls it every periodMs / slots. */
  tick() {
    const slot = this.slots[this.cursor]!;
    this.cursor = (this.cursor + 1) % this.slots.length;
    for (const item of [...slot]) this.visit(item);
  }

  start() {
    this.timer ??= setInterval(() => this.tick(), Math.max(1, Math.floor(this.periodMs / this.slots.length)));
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
