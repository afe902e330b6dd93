// The dev inbox's messages: the newest MESSAGES_KEPT of them, newest first, in memory, and optionally
// in a JSON state file (written shortly after each change, atomically) so `npm start` keeps them across
// restarts. Listed by envelope recipient, as a mailbox would hold them.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Messages kept in all; receiving one more drops the oldest. */
export const MESSAGES_KEPT = 1000;
/** The largest message the SMTP side accepts (advertised as SIZE; a bigger one is refused with 552). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface InboxMessage {
  id: string;
  receivedAt: string;
  /** MAIL FROM and RCPT TO as the client gave them (lower-cased recipients). */
  envelope: { from: string; to: string[] };
  /** The From, To and Subject headers as written in the message. */
  from: string;
  to: string;
  subject: string;
  /** Every header, lower-case name → unfolded value (the first one when a name repeats). */
  headers: Record<string, string>;
  text: string;
  html: string | null;
  /** Bytes received for the message. */
  size: number;
}

export class InboxStore {
  private messages: InboxMessage[] = [];
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stateFile?: string,
    private readonly keep = MESSAGES_KEPT,
  ) {
    if (stateFile && existsSync(stateFile)) {
      this.messages = (JSON.parse(readFileSync(stateFile, "utf8")) as InboxMessage[]).slice(0, keep);
    }
  }

  add(message: InboxMessage): void {
    this.messages.unshift(message);
    if (this.messages.length > this.keep) this.messages.length = this.keep;
    this.changed();
  }

  /** Newest first; only those whose envelope names `recipient` when given. */
  list(recipient?: string): InboxMessage[] {
    if (!recipient) return [...this.messages];
    const wanted = recipient.toLowerCase();
    return this.messages.filter((m) => m.envelope.to.includes(wanted));
  }

  get(id: string): InboxMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** Removes every message; returns how many there were. */
  clear(): number {
    const count = this.messages.length;
    this.messages = [];
    this.changed();
    return count;
  }

  /** Writes a pending change now (at close). */
  flush(): void {
    if (this.saveTimer) this.save();
  }

  private changed() {
    if (this.stateFile) this.saveTimer ??= setTimeout(() => this.save(), 200);
  }

  private save() {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.stateFile) return;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(this.messages));
    renameSync(`${this.stateFile}.tmp`, this.stateFile);
  }
}
