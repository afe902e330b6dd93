// Native benchmark client for the live gateway's raw WebSocket transport (/ws): one process, one
// epoll loop, thousands of plain TCP sockets that perform the WebSocket upgrade, subscribe to one
// map cell each, answer pings and split the server's frames by their headers. It does what
// client-process.ts does for `ws` subscribers, at a fraction of the CPU per message (no JavaScript
// callback per read), so the load generator takes less of the machine it shares with the gateway.
// Every delta still crosses a real socket and is timed at its read with CLOCK_MONOTONIC (the clock
// of process.hrtime in the other processes).
//
// Driven by the harness over stdin / stdout, one command per line, each reply one JSON line:
//   <id> connect <host> <port> <concurrency> <n>   then n lines, one cell each
//   <id> stats | <id> reset-window | <id> record 0|1 | <id> dump <file> | <id> close
// `dump` writes the recorded delta arrivals (u32 cell index, u32 offset, f64 ms) to <file> and
// answers with the cells in index order. LIVE_BENCH_READ_PAUSE_MS: sleep after a poll that read.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, UPGRADING, OPEN, CLOSED };

typedef struct {
  int fd;
  int state;
  int cell; /* index into cells */
  char *pend;
  int pend_len, pend_cap;
} conn_t;

static conn_t *conns;
static int conn_count, conn_cap;
static char (*cells)[16];
static int cell_count, cell_cap;

static struct {
  long sockets, closed, frames, deltas, snapshots, bytes;
  double first_delta_at, last_delta_at;
} st;

static int recording;
static uint32_t *rec_cell, *rec_offset;
static double *rec_at;
static long rec_count, rec_cap;

/* The connect command in progress. */
static struct {
  int active;
  long id;
  char host[64];
  int port;
  int concurrency;
  int *jobs; /* cell index per socket to open */
  int job_count, next_job, in_flight, opened, failed;
  long snapshots_before;
  double deadline;
  char first_error[128];
} cc;

static int ep;
static double read_pause_ms;
static unsigned char rbuf[256 * 1024];

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cell_index(const char *cell) {
  for (int i = 0; i < cell_count; i++)
    if (strcmp(cells[i], cell) == 0) return i;
  if (cell_count == cell_cap) {
    cell_cap = cell_cap ? cell_cap * 2 : 64;
    cells = realloc(cells, sizeof(*cells) * cell_cap);
  }
  size_t len = strnlen(cell, 15);
  memcpy(cells[cell_count], cell, len);
  cells[cell_count][len] = 0;
  return cell_count++;
}

/* A masked frame with a zero key (valid; the payload stays as it is). */
static void send_frame(conn_t *c, int opcode, const unsigned char *payload, size_t len) {
  unsigned char frame[256];
  if (len > sizeof(frame) - 8) return;
  size_t head = len < 126 ? 2 : 4;
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else {
    frame[1] = 0x80 | 126;
    frame[2] = len >> 8;
    frame[3] = len & 0xff;
  }
  memset(frame + head, 0, 4);
  memcpy(frame + head + 4, payload, len);
  if (write(c->fd, frame, head + 4 + len) < 0) { /* the read side notices a dead socket */
  }
}

static void close_conn(conn_t *c) {
  if (c->state == CLOSED) return;
  int was_open = c->state == OPEN;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->state = CLOSED;
  free(c->pend);
  c->pend = NULL;
  c->pend_len = c->pend_cap = 0;
  if (was_open) st.closed++;
}

static void connect_failed(conn_t *c, const char *why) {
  if (!cc.first_error[0]) snprintf(cc.first_error, sizeof(cc.first_error), "%s", why);
  close_conn(c);
  cc.failed++;
  cc.in_flight--;
}

static void start_next_connection(void) {
  int cell = cc.jobs[cc.next_job++];
  if (conn_count == conn_cap) {
    conn_cap = conn_cap ? conn_cap * 2 : 1024;
    conns = realloc(conns, sizeof(conn_t) * conn_cap);
  }
  int idx = conn_count++;
  conn_t *c = &conns[idx];
  memset(c, 0, sizeof(*c));
  c->cell = cell;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  cc.in_flight++;
  if (c->fd < 0) {
    c->state = CLOSED;
    cc.failed++;
    cc.in_flight--;
    if (!cc.first_error[0]) snprintf(cc.first_error, sizeof(cc.first_error), "socket: %s", strerror(errno));
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(cc.port)};
  inet_pton(AF_INET, cc.host, &addr.sin_addr);
  c->state = CONNECTING;
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)idx};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS) {
    connect_failed(c, strerror(errno));
  }
}

static void pump_connect(void) {
  while (cc.active && cc.next_job < cc.job_count && cc.in_flight < cc.concurrency) start_next_connection();
}

static void finish_connect_if_done(void) {
  if (!cc.active || cc.next_job < cc.job_count || cc.in_flight > 0) return;
  long expected = cc.snapshots_before + cc.opened;
  if (st.snapshots < expected && now_ms() < cc.deadline) return;
  printf("%ld {\"opened\":%d,\"failed\":%d,\"snapshots\":%ld%s%s%s}\n", cc.id, cc.opened, cc.failed,
         st.snapshots - cc.snapshots_before, cc.first_error[0] ? ",\"firstError\":\"" : "", cc.first_error,
         cc.first_error[0] ? "\"" : "");
  fflush(stdout);
  free(cc.jobs);
  cc.jobs = NULL;
  cc.active = 0;
}

static void on_writable(conn_t *c, int idx) {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) return connect_failed(c, strerror(err));
  char req[512];
  int n = snprintf(req, sizeof(req),
                   "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   cc.host, cc.port);
  if (write(c->fd, req, n) != n) return connect_failed(c, "upgrade request not written");
  c->state = UPGRADING;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)idx};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void record_delta(int cell, uint32_t offset, double at) {
  if (rec_count == rec_cap) {
    rec_cap = rec_cap ? rec_cap * 2 : 1 << 16;
    rec_cell = realloc(rec_cell, sizeof(uint32_t) * rec_cap);
    rec_offset = realloc(rec_offset, sizeof(uint32_t) * rec_cap);
    rec_at = realloc(rec_at, sizeof(double) * rec_cap);
  }
  rec_cell[rec_count] = cell;
  rec_offset[rec_count] = offset;
  rec_at[rec_count] = at;
  rec_count++;
}

static const char DELTA[] = "{\"type\":\"delta\",\"cell\":\"";
static const char SNAPSHOT[] = "{\"type\":\"snapshot\"";

static void on_text(conn_t *c, const unsigned char *p, size_t len) {
  st.frames++;
  st.bytes += len;
  if (len > sizeof(DELTA) - 1 && memcmp(p, DELTA, sizeof(DELTA) - 1) == 0) {
    double at = now_ms();
    st.deltas++;
    if (st.first_delta_at == 0) st.first_delta_at = at;
    st.last_delta_at = at;
    if (!recording) return;
    /* {"type":"delta","cell":"<15>","epoch":"…","offset":N: the first `t":` past the cell. */
    for (size_t i = sizeof(DELTA) - 1 + 15; i + 3 < len; i++) {
      if (p[i] == 't' && p[i + 1] == '"' && p[i + 2] == ':') {
        uint32_t n = 0;
        for (size_t j = i + 3; j < len && p[j] >= '0' && p[j] <= '9'; j++) n = n * 10 + (p[j] - '0');
        record_delta(c->cell, n, at);
        return;
      }
    }
  } else if (len > sizeof(SNAPSHOT) - 1 && memcmp(p, SNAPSHOT, sizeof(SNAPSHOT) - 1) == 0) {
    st.snapshots++;
  }
}

/* Parses frames in data[0, len); keeps an incomplete tail in c->pend. */
static void on_data(conn_t *c, const unsigned char *data, size_t len) {
  size_t at = 0;
  if (c->state == UPGRADING) {
    const unsigned char *end = memmem(data, len, "\r\n\r\n", 4);
    if (!end) goto keep;
    if (len < 12 || memcmp(data, "HTTP/1.1 101", 12) != 0) {
      connect_failed(c, "upgrade refused");
      return;
    }
    c->state = OPEN;
    cc.in_flight--;
    cc.opened++;
    st.sockets++;
    char sub[64];
    int n = snprintf(sub, sizeof(sub), "{\"type\":\"subscribe\",\"cells\":[\"%s\"]}", cells[c->cell]);
    send_frame(c, 0x1, (const unsigned char *)sub, n);
    at = (end - data) + 4;
  }
  while (len - at >= 2) {
    int opcode = data[at] & 0x0f;
    uint64_t plen = data[at + 1] & 0x7f;
    size_t head = 2;
    if (plen == 126) {
      if (len - at < 4) break;
      plen = ((uint64_t)data[at + 2] << 8) | data[at + 3];
      head = 4;
    } else if (plen == 127) {
      if (len - at < 10) break;
      plen = 0;
      for (int i = 0; i < 8; i++) plen = (plen << 8) | data[at + 2 + i];
      head = 10;
    }
    if (len - at < head + plen) break;
    const unsigned char *payload = data + at + head;
    at += head + plen;
    if (opcode == 0x1) on_text(c, payload, plen);
    else if (opcode == 0x9) send_frame(c, 0xa, payload, plen);
    else if (opcode == 0x8) {
      close_conn(c);
      return;
    }
  }
keep:
  if (at < len) {
    size_t rest = len - at;
    if ((size_t)c->pend_cap < rest) {
      c->pend_cap = rest < 4096 ? 4096 : rest;
      c->pend = realloc(c->pend, c->pend_cap);
    }
    memmove(c->pend, data + at, rest);
  }
  c->pend_len = len - at;
}

static void on_readable(conn_t *c) {
  ssize_t n = read(c->fd, rbuf, sizeof(rbuf));
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (c->state == UPGRADING) return connect_failed(c, n == 0 ? "closed" : strerror(errno));
    return close_conn(c);
  }
  if (c->pend_len == 0) return on_data(c, rbuf, n);
  /* Rare: a frame split across reads. Join it with what came before. */
  size_t total = c->pend_len + n;
  unsigned char *joined = malloc(total);
  memcpy(joined, c->pend, c->pend_len);
  memcpy(joined + c->pend_len, rbuf, n);
  c->pend_len = 0;
  on_data(c, joined, total);
  free(joined);
}

static void reply_stats(long id) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double user = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3;
  double sys = ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
  printf("%ld {\"sockets\":%ld,\"closed\":%ld,\"frames\":%ld,\"deltas\":%ld,\"snapshots\":%ld,\"prompts\":0,"
         "\"bytes\":%ld,\"firstDeltaAt\":%.4f,\"lastDeltaAt\":%.4f,\"cpuMs\":%.3f,\"systemMs\":%.3f}\n",
         id, st.sockets, st.closed, st.frames, st.deltas, st.snapshots, st.bytes, st.first_delta_at,
         st.last_delta_at, user + sys, sys);
  fflush(stdout);
}

static void dump(long id, const char *path) {
  FILE *f = fopen(path, "wb");
  if (f) {
    for (long i = 0; i < rec_count; i++) {
      fwrite(&rec_cell[i], 4, 1, f);
      fwrite(&rec_offset[i], 4, 1, f);
      fwrite(&rec_at[i], 8, 1, f);
    }
    fclose(f);
  }
  printf("%ld {\"written\":%ld,\"ok\":%s,\"cells\":[", id, rec_count, f ? "true" : "false");
  for (int i = 0; i < cell_count; i++) printf("%s\"%s\"", i ? "," : "", cells[i]);
  printf("]}\n");
  fflush(stdout);
  rec_count = 0;
}

static char line[256];
static size_t line_len;
static int cells_to_read;

static void on_line(char *text) {
  if (cells_to_read > 0) {
    cc.jobs[cc.job_count++] = cell_index(text);
    if (--cells_to_read == 0) pump_connect();
    return;
  }
  long id = strtol(text, &text, 10);
  while (*text == ' ') text++;
  if (strncmp(text, "connect ", 8) == 0) {
    int n = 0;
    memset(&cc, 0, sizeof(cc));
    sscanf(text + 8, "%63s %d %d %d", cc.host, &cc.port, &cc.concurrency, &n);
    cc.active = 1;
    cc.id = id;
    cc.jobs = malloc(sizeof(int) * (n > 0 ? n : 1));
    cc.snapshots_before = st.snapshots;
    cc.deadline = now_ms() + 300000;
    cells_to_read = n;
    if (n == 0) finish_connect_if_done();
  } else if (strcmp(text, "stats") == 0) {
    reply_stats(id);
  } else if (strcmp(text, "reset-window") == 0) {
    st.first_delta_at = st.last_delta_at = 0;
    printf("%ld {}\n", id);
    fflush(stdout);
  } else if (strncmp(text, "record ", 7) == 0) {
    recording = text[7] == '1';
    printf("%ld {\"recording\":%s}\n", id, recording ? "true" : "false");
    fflush(stdout);
  } else if (strncmp(text, "dump ", 5) == 0) {
    dump(id, text + 5);
  } else if (strcmp(text, "close") == 0) {
    long closed = 0;
    for (int i = 0; i < conn_count; i++)
      if (conns[i].state != CLOSED) {
        close_conn(&conns[i]);
        closed++;
      }
    printf("%ld {\"closed\":%ld}\n", id, closed);
    fflush(stdout);
    exit(0);
  } else {
    printf("%ld {\"error\":\"unknown command\"}\n", id);
    fflush(stdout);
  }
}

static void on_stdin(void) {
  char buf[65536];
  ssize_t n = read(0, buf, sizeof(buf));
  if (n <= 0) exit(0); /* the harness went away */
  for (ssize_t i = 0; i < n; i++) {
    if (buf[i] == '\n') {
      line[line_len] = 0;
      on_line(line);
      line_len = 0;
    } else if (line_len < sizeof(line) - 1) {
      line[line_len++] = buf[i];
    }
  }
}

#define STDIN_TAG 0xffffffffu

int main(void) {
  const char *pause = getenv("LIVE_BENCH_READ_PAUSE_MS");
  read_pause_ms = pause ? atof(pause) : 0;
  ep = epoll_create1(0);
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  struct epoll_event events[1024];
  for (;;) {
    int n = epoll_wait(ep, events, 1024, cc.active ? 50 : 1000);
    int read_any = 0;
    for (int i = 0; i < n; i++) {
      uint32_t tag = events[i].data.u32;
      if (tag == STDIN_TAG) {
        on_stdin();
        continue;
      }
      conn_t *c = &conns[tag];
      if (c->state == CLOSED) continue;
      if (c->state == CONNECTING) {
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(c, tag);
        continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(c);
        read_any = 1;
      }
    }
    if (cc.active) {
      pump_connect();
      finish_connect_if_done();
    }
    if (read_any && read_pause_ms > 0) {
      struct timespec ts = {0, (long)(read_pause_ms * 1e6)};
      nanosleep(&ts, NULL);
    }
  }
}
