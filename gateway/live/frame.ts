// A server message encoded once. Every watcher gets the same frame; each transport derives its
// wire form (a Buffer for `ws`, a socket.io packet string) once per frame and reuses it.
export class Frame {
  private readonly forms = new Map<string, unknown>();
  constructor(readonly text: string) {}

  /** The wire form `key` of this frame, built by `build` on first use. */
  as<T>(key: string, build: (text: string) => T): T {
    let form = this.forms.get(key) as T | undefined;
    if (form === undefined) {
      form = build(this.text);
      this.forms.set(key, form);
    }
    return form;
  }
}

/** What the hub and sessions need of a connection; each transport implements it. */
export interface LiveConnection {
  readonly id: string;
  readonly transport: "ws" | "socket.io";
  /** Queues a frame; a connection whose send buffer passed its bound is cut off instead. */
  send(frame: Frame): void;
  close(code: number, reason: string): void;
}
