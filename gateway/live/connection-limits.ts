// Caps on live connections of one gateway process, shared by both transports: in total
// (LIVE_MAX_CONNECTIONS) and per client address (LIVE_MAX_CONNECTIONS_PER_ADDRESS). A connection
// takes a slot when it opens and gives it back when it closes.

/** Why a connection was refused: its address holds too many, or the process holds too many. */
export type ConnectionRefusal = "too_many_connections" | "server_busy";

/** The WebSocket close code of each refusal: policy violation, or try again later. */
export const refusalCloseCodes: Record<ConnectionRefusal, number> = {
  too_many_connections: 1008,
  server_busy: 1013,
};

export const refusalMessages: Record<ConnectionRefusal, string> = {
  too_many_connections: "too many live connections from this address",
  server_busy: "this gateway holds as many live connections as it may; try again later",
};

export class ConnectionLimits {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Takes a slot for a connection from `address`; the refusal when there is none. */
  admit(address: string): ConnectionRefusal | undefined {
    const held = this.perAddress.get(address) ?? 0;
    if (held >= this.maxPerAddress) return "too_many_connections";
    if (this.total >= this.maxTotal) return "server_busy";
    this.total += 1;
    this.perAddress.set(address, held + 1);
    return undefined;
  }

  /** Gives back the slot of a connection from `address` that closed. */
  release(address: string) {
    const held = this.perAddress.get(address);
    if (held === undefined) return;
    this.total -= 1;
    if (held <= 1) this.perAddress.delete(address);
    else this.perAddress.set(address, held - 1);
  }

  stats() {
    return { total: this.total, addresses: this.perAddress.size };
  }
}
