/* cfp-test-agent: the workload of the local test image.
 *
 * One static binary that plays a well-behaved tenant agent (a small HTTP
 * server with a health endpoint and a heartbeat in its log) and, when told
 * to, a badly behaved one (memory hog, fork bomb, disk filler, log flood,
 * network prober, early exit, crash).  cfp's tests deploy it to check the
 * hardened defaults against real behaviour rather than against assumptions.
 * It carries its own HTTP client (`probe`, `get`) because the image holds
 * nothing else that can speak HTTP reliably.
 *
 * The interface (commands, environment, log lines) is what the tests
 * match on: `agent help` summarises it; change it only together with the
 * tests and their documentation.
 *
 * Build: cc -std=c17 -D_GNU_SOURCE -static -O2 -Wall -Wextra -Werror
 *        -Wshadow -Wformat=2 -o agent agent.c
 * (scripts/build-images.sh does this and imports the image.)
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AGENT_NAME "cfp-test-agent"
#define AGENT_VERSION "0.1.0"

#define DEFAULT_PORT 8080
#define REQUEST_MAX (8 * 1024)     /* request line and headers */
#define RESPONSE_MAX (1024 * 1024) /* what `probe` and `get` accept */
#define LOG_LINE_MAX 1024
#define LOG_TOKEN_MAX 200 /* untrusted values quoted in the log */
#define MAX_CLIENTS 16
#define CLIENT_TIMEOUT_MS 5000
#define DRAIN_TIMEOUT_MS 1000
#define PROBE_TIMEOUT_MS 2000
#define GET_TIMEOUT_MS 3000
#define CONNECT_TIMEOUT_MS 2000
#define HOST_MAX 255
#define PATH_MAX_LEN 2047
#define LIST_MAX 1024 /* AGENT_MISBEHAVE and AGENT_CONNECT_TARGETS */
#define MIB (1024LL * 1024LL)
#define HOG_STEP_MB 16
#define FILL_CHUNK MIB
#define FILL_PROGRESS_MB 64
#define FORK_PROGRESS 10000

/* Exit codes of the client commands.  */
#define EXIT_HTTP_FAIL 1 /* answered, but not with the wanted status */
#define EXIT_USAGE 2
#define EXIT_NET_FAIL 3 /* name, connect, send or receive failed */

#define log_info(...) log_msg ("info", __VA_ARGS__)
#define log_warn(...) log_msg ("warn", __VA_ARGS__)
#define log_error(...) log_msg ("error", __VA_ARGS__)

enum misbehaviour
{
  MB_HOG_MEMORY,
  MB_FORK,
  MB_FILL_DISK,
  MB_FLOOD_LOGS,
  MB_CONNECT,
  MB_EXIT,
  MB_CRASH,
  MB_COUNT
};

static const char *const misbehaviour_names[MB_COUNT] = {
  [MB_HOG_MEMORY] = "hog-memory", [MB_FORK] = "fork",
  [MB_FILL_DISK] = "fill-disk",   [MB_FLOOD_LOGS] = "flood-logs",
  [MB_CONNECT] = "connect",       [MB_EXIT] = "exit",
  [MB_CRASH] = "crash",
};

/* Everything the server mode reads from the environment, parsed and
   bounds-checked once at start-up.  Zero in hog_mb and fill_mb means
   "no limit".  */
struct config
{
  int port;
  int log_interval_s;
  unsigned misbehave; /* bit (1u << enum misbehaviour) per selected one */
  long long hog_mb;
  long long fork_max;
  long long fill_mb;
  long long flood_lines;
  const char *fill_path;
  const char *connect_targets;
  int exit_code;
  int exit_after_s;
};

/* A network failure: either an errno value or a getaddrinfo code.  */
struct net_error
{
  int errnum;
  int gai;
};

/* A URL or target split for connecting.  `authority` is what goes into
   the Host header (brackets kept for IPv6).  */
struct endpoint
{
  char host[HOST_MAX + 1];
  char port[6];
  char authority[HOST_MAX + 9];
  char path[PATH_MAX_LEN + 1];
};

/* A response read by the client: `data` holds `len` bytes (plus a NUL),
   the status line is data[0, status_len) and the body starts at body.  */
struct http_result
{
  char *data;
  size_t len;
  size_t status_len;
  size_t body;
  int status;
};

/* One accepted connection.  A slot is free when fd is -1.  After the
   response the connection is drained rather than closed, so that unread
   request bytes do not turn the close into a reset that eats the
   response on the client's side.  */
struct client
{
  int fd;
  bool draining;
  int64_t deadline_ms;
  char peer[INET6_ADDRSTRLEN];
  size_t len;
  char buf[REQUEST_MAX];
};

struct child
{
  pid_t pid; /* 0 when not running */
  const char *what;
};

struct server
{
  const struct config *cfg;
  int listen_fd;
  int signal_fd;
  int64_t next_heartbeat_ms; /* -1: heartbeat off */
  unsigned long heartbeats;
  int64_t terminal_ms; /* -1: no exit or crash scheduled */
  int exit_code;
  struct child children[MB_COUNT];
  struct client clients[MAX_CLIENTS];
};

/* A parsed request line; pointers into the client's buffer.  */
struct request
{
  const char *method;
  size_t method_len;
  const char *target;
  size_t target_len;
  size_t path_len; /* target without query or fragment */
};

struct response
{
  int status;
  const char *type;
  char body[256];
};

static void log_msg (const char *level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* ---- small helpers ---------------------------------------------------- */

static int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
ms_until (int64_t deadline_ms)
{
  int64_t left = deadline_ms - now_ms ();

  if (left < 0)
    return 0;
  return left > INT_MAX ? INT_MAX : (int)left;
}

static const char *
errno_name (int errnum)
{
  const char *name = errnum ? strerrorname_np (errnum) : "none";

  return name ? name : "EUNKNOWN";
}

/* The getaddrinfo codes have no name function; tests match on these.  */
static const char *
gai_name (int code)
{
  switch (code)
    {
    case EAI_NONAME:
      return "EAI_NONAME";
    case EAI_AGAIN:
      return "EAI_AGAIN";
    case EAI_FAIL:
      return "EAI_FAIL";
    case EAI_NODATA:
      return "EAI_NODATA";
    case EAI_SYSTEM:
      return "EAI_SYSTEM";
    default:
      return "EAI_OTHER";
    }
}

static const char *
net_error_name (const struct net_error *ne)
{
  if (ne->gai != 0 && ne->gai != EAI_SYSTEM)
    return gai_name (ne->gai);
  return errno_name (ne->errnum);
}

static const char *
net_error_text (const struct net_error *ne)
{
  if (ne->gai != 0 && ne->gai != EAI_SYSTEM)
    return gai_strerror (ne->gai);
  return strerror (ne->errnum);
}

static int
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      buf += n;
      len -= (size_t)n;
    }
  return 0;
}

/* Parses a decimal number within [min, max]; only digits are accepted, so
   "8080 " or "-1" or "0x10" are errors rather than guesses.  */
static int
parse_number (const char *s, long long min, long long max, long long *out)
{
  char *end;
  long long v;

  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

/* ---- logging ---------------------------------------------------------- */

/* Copies untrusted bytes into a log-safe token: bytes outside a small
   URL-safe set are percent-encoded, so a request cannot forge fields or
   lines in the log.  Long input is cut at LOG_TOKEN_MAX.  */
static void
log_token (char *out, size_t size, const char *in, size_t len)
{
  static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789-._~/:@!$&'()*+,;[]";
  size_t o = 0;

  for (size_t i = 0; i < len && o + 4 < size; i++)
    {
      unsigned char c = (unsigned char)in[i];

      if (c != '\0' && strchr (safe, c) != NULL)
        out[o++] = (char)c;
      else
        o += (size_t)snprintf (out + o, size - o, "%%%02X", c);
    }
  if (o == 0 && size > 1)
    out[o++] = '-'; /* an empty value would read as a missing one */
  out[o] = '\0';
}

/* Writes "ts=... level=LEVEL " into buf; returns its length.  */
static size_t
log_prefix (char *buf, size_t size, const char *level)
{
  struct timespec now;
  struct tm tm;
  size_t n;
  int m;

  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  n = strftime (buf, size, "ts=%Y-%m-%dT%H:%M:%S", &tm);
  m = snprintf (buf + n, size - n, ".%03ldZ level=%s ", now.tv_nsec / 1000000,
                level);
  return m < 0 ? n : n + (size_t)m;
}

/* One event per line on stdout, key=value.  Each line goes out in a
   single write(2): the server and its misbehaving children share stdout,
   and a pipe keeps writes up to PIPE_BUF whole, so lines never mix.  */
static void
log_msg (const char *level, const char *fmt, ...)
{
  char line[LOG_LINE_MAX];
  size_t len = log_prefix (line, sizeof line, level);
  size_t room = sizeof line - len - 1; /* keep one byte for '\n' */
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (line + len, room, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  len += (size_t)n < room ? (size_t)n : room - 1;
  line[len++] = '\n';
  write_all (STDOUT_FILENO, line, len);
}

/* ---- configuration ---------------------------------------------------- */

/* Reads a number from the environment; unset or empty means `def`.  A bad
   value stops the agent: a typo in a test's limits must fail the test
   rather than silently run it with other limits.  */
static int
env_number (const char *name, long long def, long long min, long long max,
            long long *out)
{
  const char *s = getenv (name);
  char value[LOG_TOKEN_MAX + 1];

  if (s == NULL || *s == '\0')
    {
      *out = def;
      return 0;
    }
  if (parse_number (s, min, max, out) == 0)
    return 0;
  log_token (value, sizeof value, s, strlen (s));
  log_error ("msg=bad-env name=%s value=%s expected=%lld..%lld", name, value,
             min, max);
  return -1;
}

static int
env_int (const char *name, int def, int min, int max, int *out)
{
  long long v;

  if (env_number (name, def, min, max, &v) < 0)
    return -1;
  *out = (int)v;
  return 0;
}

static const char *
env_string (const char *name, const char *def)
{
  const char *s = getenv (name);

  return s == NULL || *s == '\0' ? def : s;
}

static int
misbehaviour_lookup (const char *name)
{
  for (int i = 0; i < MB_COUNT; i++)
    if (strcmp (name, misbehaviour_names[i]) == 0)
      return i;
  return -1;
}

/* Parses AGENT_MISBEHAVE (names separated by commas or blanks) into a bit
   set.  Unknown names are errors, for the same reason as in env_number.  */
static int
parse_misbehave (const char *list, unsigned *out)
{
  char copy[LIST_MAX];
  char value[LOG_TOKEN_MAX + 1];
  char *save = NULL;

  *out = 0;
  if (strlen (list) >= sizeof copy)
    {
      log_error ("msg=bad-env name=AGENT_MISBEHAVE reason=longer-than-%d",
                 LIST_MAX - 1);
      return -1;
    }
  strcpy (copy, list);
  for (char *tok = strtok_r (copy, ", \t\n", &save); tok != NULL;
       tok = strtok_r (NULL, ", \t\n", &save))
    {
      int mb = misbehaviour_lookup (tok);

      if (mb >= 0)
        {
          *out |= 1u << mb;
          continue;
        }
      log_token (value, sizeof value, tok, strlen (tok));
      log_error ("msg=bad-env name=AGENT_MISBEHAVE unknown=%s", value);
      return -1;
    }
  return 0;
}

static int
config_load (struct config *cfg)
{
  long long lines, port;

  memset (cfg, 0, sizeof *cfg);
  if (env_number ("AGENT_PORT", DEFAULT_PORT, 1, 65535, &port) < 0
      || env_int ("AGENT_LOG_INTERVAL", 5, 0, 86400, &cfg->log_interval_s) < 0
      || env_number ("AGENT_HOG_MB", 0, 0, 1LL << 30, &cfg->hog_mb) < 0
      || env_number ("AGENT_FORK_MAX", 100000, 0, 10000000, &cfg->fork_max) < 0
      || env_number ("AGENT_FILL_MB", 0, 0, 1LL << 30, &cfg->fill_mb) < 0
      || env_number ("AGENT_FLOOD_LINES", 100000, 0, 1000000000, &lines) < 0
      || env_int ("AGENT_EXIT_CODE", 1, 0, 255, &cfg->exit_code) < 0
      || env_int ("AGENT_EXIT_AFTER", 0, 0, 86400, &cfg->exit_after_s) < 0)
    return -1;
  cfg->port = (int)port;
  cfg->flood_lines = lines;
  cfg->fill_path = env_string ("AGENT_FILL_PATH", "/data/fill");
  cfg->connect_targets = env_string ("AGENT_CONNECT_TARGETS", "");
  return parse_misbehave (env_string ("AGENT_MISBEHAVE", ""), &cfg->misbehave);
}

/* ---- addresses and connections ---------------------------------------- */

static bool
valid_port (const char *s, size_t len)
{
  long long v = 0;

  if (len == 0 || len > 5)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      v = v * 10 + (s[i] - '0');
    }
  return v >= 1 && v <= 65535;
}

/* Splits "host", "host:port" or "[v6]:port" (s has `len` bytes) into ep's
   host, port and authority.  def_port is used when no port is given, or
   the port is required when def_port is NULL.  Returns NULL on success,
   else what was wrong.  */
static const char *
split_host_port (const char *s, size_t len, const char *def_port,
                 struct endpoint *ep)
{
  const char *host = s, *port = NULL;
  size_t host_len = len, port_len = 0;

  if (len > 0 && s[0] == '[')
    {
      const char *close = memchr (s, ']', len);

      if (close == NULL)
        return "unclosed `[` in host";
      host = s + 1;
      host_len = (size_t)(close - host);
      if (close + 1 < s + len && close[1] != ':')
        return "junk after `]`";
      if (close + 1 < s + len)
        port = close + 2;
    }
  else
    {
      const char *colon = memchr (s, ':', len);

      if (colon != NULL
          && memchr (colon + 1, ':', len - (size_t)(colon - s) - 1) != NULL)
        return "IPv6 address needs brackets";
      if (colon != NULL)
        {
          host_len = (size_t)(colon - s);
          port = colon + 1;
        }
    }
  if (port != NULL)
    port_len = len - (size_t)(port - s);
  if (host_len == 0)
    return "empty host";
  if (host_len > HOST_MAX)
    return "host longer than 255 bytes";
  if (port == NULL && def_port == NULL)
    return "missing port";
  if (port != NULL && !valid_port (port, port_len))
    return "port not in 1..65535";

  memcpy (ep->host, host, host_len);
  ep->host[host_len] = '\0';
  if (port != NULL)
    {
      memcpy (ep->port, port, port_len);
      ep->port[port_len] = '\0';
    }
  else
    strcpy (ep->port, def_port);
  snprintf (ep->authority, sizeof ep->authority, "%s%.*s%s:%s",
            host != s ? "[" : "", (int)host_len, host, host != s ? "]" : "",
            ep->port);
  return NULL;
}

/* Parses http://HOST[:PORT][/PATH] into ep.  Returns NULL or the reason. */
static const char *
parse_url (const char *url, struct endpoint *ep)
{
  static const char scheme[] = "http://";
  const char *auth, *path;
  const char *err;
  size_t path_len;
  bool slash;

  if (strncasecmp (url, scheme, sizeof scheme - 1) != 0)
    return "URL must start with http://";
  for (const char *p = url; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == 0x7f)
      return "blank or control character in URL";
  auth = url + sizeof scheme - 1;
  path = auth + strcspn (auth, "/?#");

  err = split_host_port (auth, (size_t)(path - auth), "80", ep);
  if (err != NULL)
    return err;

  /* The fragment is the client's business; "?q" alone means "/?q".  */
  path_len = strcspn (path, "#");
  slash = *path != '/';
  if (path_len + slash > PATH_MAX_LEN)
    return "path longer than 2047 bytes";
  snprintf (ep->path, sizeof ep->path, "%s%.*s", slash ? "/" : "",
            (int)path_len, path);
  return NULL;
}

/* Waits until fd is ready for `events` or the deadline passes.  Returns 0
   or -errno (-ETIMEDOUT when the deadline passed).  */
static int
wait_fd (int fd, short events, int64_t deadline_ms)
{
  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = events };
      int n = poll (&pfd, 1, ms_until (deadline_ms));

      if (n > 0)
        return 0;
      if (n == 0)
        return -ETIMEDOUT;
      if (errno != EINTR)
        return -errno;
    }
}

/* Connects a non-blocking TCP socket to one address before the deadline.
   Returns the descriptor, or -errno.  */
static int
connect_addr (const struct addrinfo *ai, int64_t deadline_ms)
{
  int fd, rc, soerr = 0;
  socklen_t len = sizeof soerr;

  fd = socket (ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
    return fd;
  if (errno != EINPROGRESS)
    {
      rc = -errno;
      close (fd);
      return rc;
    }

  rc = wait_fd (fd, POLLOUT, deadline_ms);
  if (rc == 0 && getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
    rc = -errno;
  if (rc == 0 && soerr != 0)
    rc = -soerr;
  if (rc < 0)
    {
      close (fd);
      return rc;
    }
  return fd;
}

/* Resolves ep's host and connects to the first address that answers
   before the deadline.  Returns the descriptor, or -1 with *ne set to the
   last failure.  */
static int
dial (const struct endpoint *ep, int64_t deadline_ms, struct net_error *ne)
{
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
  struct addrinfo *res;
  int fd = -1;

  *ne = (struct net_error){ 0 };
  ne->gai = getaddrinfo (ep->host, ep->port, &hints, &res);
  if (ne->gai != 0)
    {
      ne->errnum = ne->gai == EAI_SYSTEM ? errno : 0;
      return -1;
    }
  for (const struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
    {
      fd = connect_addr (ai, deadline_ms);
      if (fd < 0)
        ne->errnum = -fd;
      if (fd < 0 && now_ms () >= deadline_ms)
        break;
    }
  freeaddrinfo (res);
  return fd < 0 ? -1 : fd;
}

/* ---- HTTP client ------------------------------------------------------ */

static int
send_all (int fd, const char *buf, size_t len, int64_t deadline_ms)
{
  while (len > 0)
    {
      ssize_t n = send (fd, buf, len, MSG_NOSIGNAL);
      int rc;

      if (n > 0)
        {
          buf += n;
          len -= (size_t)n;
          continue;
        }
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return -errno;
      rc = wait_fd (fd, POLLOUT, deadline_ms);
      if (rc < 0)
        return rc;
    }
  return 0;
}

/* Reads until the peer closes, into a buffer of at most RESPONSE_MAX.  */
static int
recv_all (int fd, struct http_result *res, int64_t deadline_ms)
{
  res->data = malloc (RESPONSE_MAX + 1);
  if (res->data == NULL)
    return -ENOMEM;
  res->len = 0;
  for (;;)
    {
      ssize_t n = recv (fd, res->data + res->len, RESPONSE_MAX - res->len, 0);
      int rc;

      if (n == 0)
        break;
      if (n > 0)
        res->len += (size_t)n;
      if (res->len == RESPONSE_MAX)
        return -EMSGSIZE;
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return -errno;
      if (n > 0)
        continue;
      rc = wait_fd (fd, POLLIN, deadline_ms);
      if (rc < 0)
        return rc;
    }
  res->data[res->len] = '\0';
  return 0;
}

static size_t
header_end (const char *buf, size_t len)
{
  const char *crlf = memmem (buf, len, "\r\n\r\n", 4);
  const char *lf = memmem (buf, len, "\n\n", 2);

  if (crlf != NULL && (lf == NULL || crlf < lf))
    return (size_t)(crlf - buf) + 4;
  if (lf != NULL)
    return (size_t)(lf - buf) + 2;
  return 0;
}

/* Checks the status line "HTTP/1.x NNN ..." and finds the body.  */
static int
parse_response (struct http_result *res)
{
  const char *d = res->data;
  const char *nl = memchr (d, '\n', res->len);

  if (res->len < 12 || strncmp (d, "HTTP/1.", 7) != 0 || d[8] != ' ')
    return -1;
  for (int i = 9; i < 12; i++)
    if (d[i] < '0' || d[i] > '9')
      return -1;
  if (nl == NULL || (d[12] != ' ' && d[12] != '\r' && d[12] != '\n'))
    return -1;
  res->status = (d[9] - '0') * 100 + (d[10] - '0') * 10 + (d[11] - '0');
  res->status_len = (size_t)(nl - d);
  if (res->status_len > 0 && d[res->status_len - 1] == '\r')
    res->status_len--;
  res->body = header_end (d, res->len);
  return res->body == 0 ? -1 : 0;
}

/* GETs ep->path from ep over HTTP/1.0 (so the server neither chunks nor
   keeps the connection) within timeout_ms.  Returns 0 with res filled, or
   -1 with *ne set; -2 when the answer is not HTTP.  */
static int
http_get (const struct endpoint *ep, int timeout_ms, struct http_result *res,
          struct net_error *ne)
{
  int64_t deadline = now_ms () + timeout_ms;
  char req[PATH_MAX_LEN + HOST_MAX + 128];
  int fd, rc, n;

  *res = (struct http_result){ 0 };
  fd = dial (ep, deadline, ne);
  if (fd < 0)
    return -1;

  n = snprintf (req, sizeof req,
                "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: " AGENT_NAME
                "/" AGENT_VERSION "\r\nAccept: */*\r\n\r\n",
                ep->path, ep->authority);
  rc = send_all (fd, req, (size_t)n, deadline);
  if (rc == 0)
    rc = recv_all (fd, res, deadline);
  close (fd);
  if (rc < 0)
    {
      ne->errnum = -rc;
      return -1;
    }
  return parse_response (res) < 0 ? -2 : 0;
}

/* ---- client commands -------------------------------------------------- */

static int
cmd_probe (int argc, char **argv)
{
  struct endpoint ep = { .host = "127.0.0.1", .path = "/healthz" };
  struct http_result res;
  struct net_error ne;
  long long port;
  const char *arg = argc > 2 ? argv[2] : env_string ("AGENT_PORT", "8080");
  int rc;

  /* A healthcheck knows only 0 and 1, so usage errors fail as 1 too.  */
  if (argc > 3)
    {
      fprintf (stderr, "usage: agent probe [PORT]\n");
      return EXIT_HTTP_FAIL;
    }
  if (parse_number (arg, 1, 65535, &port) < 0)
    {
      fprintf (stderr, "agent probe: port `%s` not in 1..65535\n", arg);
      return EXIT_HTTP_FAIL;
    }
  snprintf (ep.port, sizeof ep.port, "%lld", port);
  snprintf (ep.authority, sizeof ep.authority, "127.0.0.1:%lld", port);

  rc = http_get (&ep, PROBE_TIMEOUT_MS, &res, &ne);
  if (rc == -1)
    fprintf (stderr, "agent probe: %s: %s\n", ep.authority,
             net_error_text (&ne));
  else if (rc == -2)
    fprintf (stderr, "agent probe: %s: not an HTTP response\n", ep.authority);
  else
    printf ("healthz status=%d\n", res.status);
  free (res.data);
  return rc == 0 && res.status == 200 ? 0 : EXIT_HTTP_FAIL;
}

static int
cmd_get (int argc, char **argv)
{
  struct endpoint ep;
  struct http_result res;
  struct net_error ne;
  const char *err;
  int rc;

  if (argc != 3)
    {
      fprintf (stderr, "usage: agent get http://HOST[:PORT][/PATH]\n");
      return EXIT_USAGE;
    }
  err = parse_url (argv[2], &ep);
  if (err != NULL)
    {
      fprintf (stderr, "agent get: `%s`: %s\n", argv[2], err);
      return EXIT_USAGE;
    }

  rc = http_get (&ep, GET_TIMEOUT_MS, &res, &ne);
  if (rc == -1)
    fprintf (stderr, "agent get: %s: %s (%s)\n", ep.authority,
             net_error_text (&ne), net_error_name (&ne));
  if (rc == -2)
    fprintf (stderr, "agent get: %s: not an HTTP response\n", ep.authority);
  if (rc == 0)
    {
      printf ("%.*s\n", (int)res.status_len, res.data);
      fwrite (res.data + res.body, 1, res.len - res.body, stdout);
    }
  free (res.data);
  if (rc == -1)
    return EXIT_NET_FAIL;
  return rc == 0 && res.status / 100 == 2 ? 0 : EXIT_HTTP_FAIL;
}

/* ---- misbehaviours (each runs in a child of the server) --------------- */

/* Holds whatever the child has taken (memory, processes) until the agent
   goes away.  */
static __attribute__ ((noreturn)) void
hold_forever (void)
{
  for (;;)
    pause ();
}

/* Ties a child's life to its parent's: the server is the container's
   main process, but when run outside a PID namespace nothing else would
   reap a fork bomb left behind.  */
static void
die_with_parent (pid_t parent)
{
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (0);
}

static __attribute__ ((noreturn)) void
run_hog_memory (const struct config *cfg)
{
  long long total = 0;

  log_info ("msg=hog-memory-start step_mb=%d limit_mb=%lld", HOG_STEP_MB,
            cfg->hog_mb);
  while (cfg->hog_mb == 0 || total < cfg->hog_mb)
    {
      long long step = HOG_STEP_MB;
      void *p;

      if (cfg->hog_mb != 0 && cfg->hog_mb - total < step)
        step = cfg->hog_mb - total;
      p = mmap (NULL, (size_t)(step * MIB), PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        {
          log_warn ("msg=hog-memory-failed allocated_mb=%lld errno=%s", total,
                    errno_name (errno));
          break;
        }
      /* Touch every page: untouched memory is never charged to the
         cgroup, and the point is to meet the limit.  */
      memset (p, 0xa5, (size_t)(step * MIB));
      total += step;
      log_info ("msg=hog-memory allocated_mb=%lld", total);
    }
  log_info ("msg=hog-memory-done allocated_mb=%lld", total);
  hold_forever ();
}

static __attribute__ ((noreturn)) void
run_fork (const struct config *cfg)
{
  pid_t self = getpid ();
  long long forks = 0;
  int first_errno = 0;

  log_info ("msg=fork-start max=%lld", cfg->fork_max);
  while (forks < cfg->fork_max)
    {
      pid_t pid = fork ();

      if (pid == 0)
        {
          die_with_parent (self);
          hold_forever ();
        }
      if (pid < 0)
        {
          first_errno = errno;
          break;
        }
      if (++forks % FORK_PROGRESS == 0)
        log_info ("msg=fork forks=%lld", forks);
    }
  log_info ("msg=fork-done forks=%lld errno=%s", forks,
            errno_name (first_errno));
  hold_forever ();
}

/* Writes `len` bytes of chunk, stopping at the first error.  */
static int
fill_write (int fd, const char *chunk, size_t len, long long *written)
{
  while (len > 0)
    {
      ssize_t n = write (fd, chunk, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return errno;
      *written += n;
      len -= (size_t)n;
    }
  return 0;
}

static __attribute__ ((noreturn)) void
run_fill_disk (const struct config *cfg)
{
  char path[LOG_TOKEN_MAX + 1];
  long long limit = cfg->fill_mb * MIB, written = 0;
  char *chunk = malloc (FILL_CHUNK);
  int fd, err = 0;

  log_token (path, sizeof path, cfg->fill_path, strlen (cfg->fill_path));
  fd = open (cfg->fill_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || chunk == NULL)
    {
      log_info ("msg=fill-disk-done path=%s bytes=0 errno=%s", path,
                errno_name (errno));
      _exit (1);
    }
  log_info ("msg=fill-disk-start path=%s limit_mb=%lld", path, cfg->fill_mb);
  memset (chunk, 'x', FILL_CHUNK);

  while (err == 0 && (limit == 0 || written < limit))
    {
      long long len = FILL_CHUNK;

      if (limit != 0 && limit - written < len)
        len = limit - written;
      err = fill_write (fd, chunk, (size_t)len, &written);
      if (err == 0 && written % (FILL_PROGRESS_MB * MIB) == 0)
        log_info ("msg=fill-disk bytes=%lld", written);
    }
  /* Quota and space errors can surface only when data reaches the disk. */
  if (err == 0 && fsync (fd) < 0)
    err = errno;
  if (close (fd) < 0 && err == 0)
    err = errno;
  log_info ("msg=fill-disk-done path=%s bytes=%lld errno=%s", path, written,
            errno_name (err));
  _exit (err == 0 ? 0 : 1);
}

static __attribute__ ((noreturn)) void
run_flood_logs (const struct config *cfg)
{
  for (long long i = 1; i <= cfg->flood_lines; i++)
    log_info ("msg=flood n=%lld", i);
  log_info ("msg=flood-logs-done lines=%lld", cfg->flood_lines);
  _exit (0);
}

/* Tries one "host:port" target; returns "ok" or the name of the error. */
static const char *
connect_target (const char *target)
{
  struct endpoint ep;
  struct net_error ne;
  int fd;

  if (split_host_port (target, strlen (target), NULL, &ep) != NULL)
    return "bad-target";
  fd = dial (&ep, now_ms () + CONNECT_TIMEOUT_MS, &ne);
  if (fd < 0)
    return net_error_name (&ne);
  close (fd);
  return "ok";
}

static __attribute__ ((noreturn)) void
run_connect (const struct config *cfg)
{
  char copy[LIST_MAX], name[LOG_TOKEN_MAX + 1];
  char *save = NULL;
  int ok = 0, failed = 0;

  if (strlen (cfg->connect_targets) >= sizeof copy)
    {
      log_error ("msg=bad-env name=AGENT_CONNECT_TARGETS "
                 "reason=longer-than-%d",
                 LIST_MAX - 1);
      _exit (1);
    }
  strcpy (copy, cfg->connect_targets);
  for (char *t = strtok_r (copy, ", \t\n", &save); t != NULL;
       t = strtok_r (NULL, ", \t\n", &save))
    {
      const char *result = connect_target (t);

      log_token (name, sizeof name, t, strlen (t));
      log_info ("msg=connect target=%s result=%s", name, result);
      if (strcmp (result, "ok") == 0)
        ok++;
      else
        failed++;
    }
  log_info ("msg=connect-done ok=%d failed=%d", ok, failed);
  _exit (0);
}

typedef void (*runner_fn) (const struct config *);

/* exit and crash act on the server itself, so they have no runner.  */
static const runner_fn runners[MB_COUNT] = {
  [MB_HOG_MEMORY] = run_hog_memory, [MB_FORK] = run_fork,
  [MB_FILL_DISK] = run_fill_disk,   [MB_FLOOD_LOGS] = run_flood_logs,
  [MB_CONNECT] = run_connect,
};

/* ---- HTTP server ------------------------------------------------------ */

static const char *
status_text (int status)
{
  switch (status)
    {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
    }
}

static bool
is_token (const char *s, size_t len)
{
  if (len == 0 || len > 16)
    return false;
  for (size_t i = 0; i < len; i++)
    if (s[i] < 'A' || s[i] > 'Z')
      return false;
  return true;
}

/* Parses "METHOD SP TARGET SP HTTP/1.x" from the first line of buf.
   Returns 0, or the HTTP status that rejects the request.  */
static int
parse_request_line (const char *buf, size_t len, struct request *req)
{
  const char *nl = memchr (buf, '\n', len);
  size_t line_len = nl ? (size_t)(nl - buf) : 0;
  const char *sp1, *sp2, *version;

  if (line_len > 0 && buf[line_len - 1] == '\r')
    line_len--;
  for (size_t i = 0; i < line_len; i++)
    if ((unsigned char)buf[i] < ' ' || buf[i] == 0x7f)
      return 400;
  sp1 = memchr (buf, ' ', line_len);
  sp2 = sp1 ? memchr (sp1 + 1, ' ', line_len - (size_t)(sp1 + 1 - buf)) : NULL;
  if (sp1 == NULL || sp2 == NULL)
    return 400;
  version = sp2 + 1;

  req->method = buf;
  req->method_len = (size_t)(sp1 - buf);
  req->target = sp1 + 1;
  req->target_len = (size_t)(sp2 - req->target);
  if (!is_token (req->method, req->method_len) || req->target_len == 0
      || req->target[0] != '/'
      || memchr (version, ' ', line_len - (size_t)(version - buf)))
    return 400;
  if (line_len - (size_t)(version - buf) != 8
      || strncmp (version, "HTTP/1.", 7) != 0)
    return 505;
  req->path_len = 0;
  while (req->path_len < req->target_len && req->target[req->path_len] != '?'
         && req->target[req->path_len] != '#')
    req->path_len++;
  return 0;
}

static bool
path_is (const struct request *req, const char *path)
{
  return req->path_len == strlen (path)
         && memcmp (req->target, path, req->path_len) == 0;
}

static bool
method_is (const struct request *req, const char *method)
{
  return req->method_len == strlen (method)
         && memcmp (req->method, method, req->method_len) == 0;
}

static void
route (const struct request *req, struct response *resp)
{
  resp->type = "text/plain";
  resp->status = 200;
  if (!method_is (req, "GET") && !method_is (req, "HEAD"))
    resp->status = 405;
  else if (path_is (req, "/healthz"))
    strcpy (resp->body, "ok\n");
  else if (path_is (req, "/") || path_is (req, "/whoami"))
    {
      resp->type = "application/json";
      snprintf (resp->body, sizeof resp->body,
                "{\"agent\":\"" AGENT_NAME "\",\"uid\":%u,\"gid\":%u}\n",
                (unsigned)getuid (), (unsigned)getgid ());
    }
  else
    resp->status = 404;
  if (resp->status != 200)
    snprintf (resp->body, sizeof resp->body, "%s\n",
              status_text (resp->status));
}

static void
client_close (struct client *c)
{
  close (c->fd);
  c->fd = -1;
}

/* Sends the whole response at once and switches to draining.  Responses
   are a few hundred bytes and fit the socket buffer of a new connection;
   if one does not, the client gets a short answer, which is fine here. */
static void
client_respond (struct client *c, const struct response *resp, bool head)
{
  char out[512];
  size_t body_len = strlen (resp->body);
  int n;

  n = snprintf (out, sizeof out,
                "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: "
                "%zu\r\nConnection: close\r\n%s\r\n%s",
                resp->status, status_text (resp->status), resp->type, body_len,
                resp->status == 405 ? "Allow: GET, HEAD\r\n" : "",
                head ? "" : resp->body);
  if (n > 0)
    send (c->fd, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1,
          MSG_NOSIGNAL);
  shutdown (c->fd, SHUT_WR);
  c->draining = true;
  c->len = 0;
  c->deadline_ms = now_ms () + DRAIN_TIMEOUT_MS;
}

static void
log_request (const struct client *c, const struct request *req, int status)
{
  char method[32], path[LOG_TOKEN_MAX + 1];

  /* The query string stays out of the log: it is where tokens hide.  */
  if (req == NULL)
    {
      log_info ("msg=request peer=%s method=- path=- status=%d", c->peer,
                status);
      return;
    }
  log_token (method, sizeof method, req->method, req->method_len);
  log_token (path, sizeof path, req->target, req->path_len);
  log_info ("msg=request peer=%s method=%s path=%s status=%d", c->peer, method,
            path, status);
}

static void
client_fail (struct client *c, int status)
{
  struct response resp = { .status = status, .type = "text/plain" };

  snprintf (resp.body, sizeof resp.body, "%s\n", status_text (status));
  log_request (c, NULL, status);
  client_respond (c, &resp, false);
}

static void
client_handle (struct client *c, size_t head_len)
{
  struct request req;
  struct response resp;
  int status = parse_request_line (c->buf, head_len, &req);

  if (status != 0)
    {
      client_fail (c, status);
      return;
    }
  route (&req, &resp);
  log_request (c, &req, resp.status);
  client_respond (c, &resp, method_is (&req, "HEAD"));
}

/* Throws away what the client still sends after the response.  */
static void
client_drain (struct client *c)
{
  ssize_t n = recv (c->fd, c->buf, sizeof c->buf, 0);

  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    client_close (c);
}

static void
client_read (struct client *c)
{
  ssize_t n;
  size_t head;

  if (c->draining)
    {
      client_drain (c);
      return;
    }
  n = recv (c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      client_close (c); /* gone before a whole request: nothing to say */
      return;
    }
  c->len += (size_t)n;

  head = header_end (c->buf, c->len);
  if (head > 0)
    client_handle (c, head);
  else if (c->len == sizeof c->buf)
    client_fail (c, 431);
}

/* Returns a free client slot, closing the oldest connection when all are
   taken, so that idle or slow connections cannot lock out the health
   check.  */
static struct client *
client_slot (struct server *srv)
{
  struct client *oldest = &srv->clients[0];

  for (int i = 0; i < MAX_CLIENTS; i++)
    {
      struct client *c = &srv->clients[i];

      if (c->fd < 0)
        return c;
      if (c->deadline_ms < oldest->deadline_ms)
        oldest = c;
    }
  log_warn ("msg=evict peer=%s reason=max-clients-%d", oldest->peer,
            MAX_CLIENTS);
  client_close (oldest);
  return oldest;
}

static void
format_peer (const struct sockaddr_storage *ss, char *out, size_t size)
{
  const void *addr
      = ss->ss_family == AF_INET6
            ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
            : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

  if (inet_ntop (ss->ss_family, addr, out, (socklen_t)size) == NULL)
    snprintf (out, size, "-");
}

static void
server_accept (struct server *srv)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  struct client *c;
  int fd;

  fd = accept4 (srv->listen_fd, (struct sockaddr *)&ss, &len,
                SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0)
    {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        log_warn ("msg=accept-failed errno=%s", errno_name (errno));
      return;
    }
  c = client_slot (srv);
  c->fd = fd;
  c->draining = false;
  c->len = 0;
  c->deadline_ms = now_ms () + CLIENT_TIMEOUT_MS;
  format_peer (&ss, c->peer, sizeof c->peer);
}

static int
listen_on (int port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET,
                            .sin_port = htons ((uint16_t)port),
                            .sin_addr.s_addr = htonl (INADDR_ANY) };
  int one = 1;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen (fd, 64) < 0)
    {
      int err = errno;

      close (fd);
      return -err;
    }
  return fd;
}

/* SIGTERM, SIGINT and SIGCHLD arrive through a descriptor polled with the
   sockets: no handler, no global flag, and no race between a check and
   poll().  Blocking them also keeps them queued when the agent is a PID
   namespace's init, where the kernel drops default-action signals.  */
static int
signals_open (void)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGCHLD);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return -errno;
  return signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
log_child_end (const struct child *ch, int status)
{
  if (WIFSIGNALED (status))
    log_warn ("msg=misbehave-end what=%s signal=SIG%s", ch->what,
              sigabbrev_np (WTERMSIG (status)));
  else
    log_info ("msg=misbehave-end what=%s exit=%d", ch->what,
              WEXITSTATUS (status));
}

/* Reaps every finished child.  As a container's init the agent also
   inherits orphans (a fork bomb's children), which are reaped silently. */
static void
server_reap (struct server *srv)
{
  pid_t pid;
  int status;

  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    {
      for (int i = 0; i < MB_COUNT; i++)
        {
          if (srv->children[i].pid != pid)
            continue;
          log_child_end (&srv->children[i], status);
          srv->children[i].pid = 0;
        }
    }
}

/* Returns true when the agent should stop.  */
static bool
server_signals (struct server *srv)
{
  struct signalfd_siginfo si;

  while (read (srv->signal_fd, &si, sizeof si) == (ssize_t)sizeof si)
    {
      if (si.ssi_signo == SIGCHLD)
        {
          server_reap (srv);
          continue;
        }
      log_info ("msg=shutdown signal=SIG%s", sigabbrev_np ((int)si.ssi_signo));
      srv->exit_code = 0;
      return true;
    }
  return false;
}

static void
server_start_children (struct server *srv)
{
  pid_t self = getpid ();

  for (int i = 0; i < MB_COUNT; i++)
    {
      pid_t pid;

      if (!(srv->cfg->misbehave & (1u << i)) || runners[i] == NULL)
        continue;
      pid = fork ();
      if (pid < 0)
        {
          log_error ("msg=misbehave-failed what=%s errno=%s",
                     misbehaviour_names[i], errno_name (errno));
          continue;
        }
      if (pid == 0)
        {
          close (srv->listen_fd);
          close (srv->signal_fd);
          die_with_parent (self);
          runners[i](srv->cfg);
          _exit (0);
        }
      srv->children[i] = (struct child){ pid, misbehaviour_names[i] };
    }
}

static void
server_stop_children (struct server *srv)
{
  for (int i = 0; i < MB_COUNT; i++)
    if (srv->children[i].pid > 0)
      kill (srv->children[i].pid, SIGKILL);
}

/* Milliseconds until the next timer, or -1 when there is none.  */
static int
server_timeout (const struct server *srv)
{
  int64_t next = -1;

  if (srv->next_heartbeat_ms >= 0)
    next = srv->next_heartbeat_ms;
  if (srv->terminal_ms >= 0 && (next < 0 || srv->terminal_ms < next))
    next = srv->terminal_ms;
  for (int i = 0; i < MAX_CLIENTS; i++)
    {
      const struct client *c = &srv->clients[i];

      if (c->fd >= 0 && (next < 0 || c->deadline_ms < next))
        next = c->deadline_ms;
    }
  return next < 0 ? -1 : ms_until (next);
}

static void
server_expire_clients (struct server *srv, int64_t now)
{
  for (int i = 0; i < MAX_CLIENTS; i++)
    {
      struct client *c = &srv->clients[i];

      if (c->fd < 0 || c->deadline_ms > now)
        continue;
      if (c->draining || c->len == 0)
        client_close (c); /* done, or never said anything */
      else
        client_fail (c, 408);
    }
}

/* Runs the heartbeat and the scheduled exit or crash.  Returns true when
   the agent should stop.  */
static bool
server_timers (struct server *srv)
{
  int64_t now = now_ms ();

  server_expire_clients (srv, now);
  if (srv->next_heartbeat_ms >= 0 && now >= srv->next_heartbeat_ms)
    {
      log_info ("msg=heartbeat n=%lu", ++srv->heartbeats);
      srv->next_heartbeat_ms += srv->cfg->log_interval_s * 1000LL;
      if (srv->next_heartbeat_ms <= now) /* fell behind: do not burst */
        srv->next_heartbeat_ms = now + srv->cfg->log_interval_s * 1000LL;
    }
  if (srv->terminal_ms < 0 || now < srv->terminal_ms)
    return false;
  if (srv->cfg->misbehave & (1u << MB_CRASH))
    {
      /* As a PID namespace's init the kernel drops the SIGABRT that
         abort() sends itself, and glibc then faults on purpose: expect
         exit 139 (SIGSEGV) as PID 1 and 134 (SIGABRT) under --init.  */
      log_info ("msg=crash");
      abort ();
    }
  log_info ("msg=exit code=%d", srv->cfg->exit_code);
  srv->exit_code = srv->cfg->exit_code;
  return true;
}

/* Fills pfd with the signal descriptor, the listener and the clients;
   slot[i] maps pfd[i + 2] back to a client.  Returns the count.  */
static nfds_t
server_pollset (const struct server *srv, struct pollfd *pfd, int *slot)
{
  nfds_t n = 2;

  pfd[0] = (struct pollfd){ .fd = srv->signal_fd, .events = POLLIN };
  pfd[1] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
  for (int i = 0; i < MAX_CLIENTS; i++)
    {
      if (srv->clients[i].fd < 0)
        continue;
      slot[n - 2] = i;
      pfd[n++] = (struct pollfd){ .fd = srv->clients[i].fd, .events = POLLIN };
    }
  return n;
}

static int
server_loop (struct server *srv)
{
  struct pollfd pfd[2 + MAX_CLIENTS];
  int slot[MAX_CLIENTS];

  for (;;)
    {
      nfds_t n = server_pollset (srv, pfd, slot);

      if (poll (pfd, n, server_timeout (srv)) < 0 && errno != EINTR)
        {
          log_error ("msg=poll-failed errno=%s", errno_name (errno));
          return 1;
        }
      if (pfd[0].revents != 0 && server_signals (srv))
        return srv->exit_code;
      if (pfd[1].revents != 0)
        server_accept (srv);
      for (nfds_t i = 2; i < n; i++)
        if (pfd[i].revents != 0 && srv->clients[slot[i - 2]].fd == pfd[i].fd)
          client_read (&srv->clients[slot[i - 2]]);
      if (server_timers (srv))
        return srv->exit_code;
    }
}

static void
server_init (struct server *srv, const struct config *cfg)
{
  int64_t start = now_ms ();

  memset (srv, 0, sizeof *srv);
  srv->cfg = cfg;
  srv->listen_fd = -1;
  srv->signal_fd = -1;
  for (int i = 0; i < MAX_CLIENTS; i++)
    srv->clients[i].fd = -1;
  srv->next_heartbeat_ms = -1;
  if (cfg->log_interval_s > 0)
    srv->next_heartbeat_ms = start + cfg->log_interval_s * 1000LL;
  srv->terminal_ms = -1;
  if (cfg->misbehave & (1u << MB_EXIT | 1u << MB_CRASH))
    srv->terminal_ms = start + cfg->exit_after_s * 1000LL;
}

static int
cmd_serve (void)
{
  struct config cfg;
  struct server *srv;
  int rc;

  if (config_load (&cfg) < 0)
    return EXIT_USAGE;
  srv = malloc (sizeof *srv); /* the client buffers are too big for a stack */
  if (srv == NULL)
    return 1;
  server_init (srv, &cfg);

  srv->signal_fd = signals_open ();
  srv->listen_fd = listen_on (cfg.port);
  if (srv->signal_fd < 0 || srv->listen_fd < 0)
    {
      log_error (
          "msg=start-failed port=%d errno=%s", cfg.port,
          errno_name (srv->signal_fd < 0 ? -srv->signal_fd : -srv->listen_fd));
      return 1;
    }
  log_info ("msg=start agent=" AGENT_NAME " version=" AGENT_VERSION
            " port=%d uid=%u gid=%u pid=%d",
            cfg.port, (unsigned)getuid (), (unsigned)getgid (), (int)getpid ());
  server_start_children (srv);

  rc = server_loop (srv);
  server_stop_children (srv);
  free (srv);
  return rc;
}

/* ---- main ------------------------------------------------------------- */

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: agent                 serve HTTP on $AGENT_PORT\n"
           "       agent probe [PORT]    GET /healthz on 127.0.0.1; 0 on 200\n"
           "       agent get URL         GET http://HOST[:PORT][/PATH]\n"
           "       agent version\n"
           "environment: AGENT_PORT (8080), AGENT_LOG_INTERVAL (5 s, 0 off),\n"
           "  AGENT_MISBEHAVE=hog-memory,fork,fill-disk,flood-logs,connect,\n"
           "  exit,crash with AGENT_HOG_MB (0: no limit), AGENT_FORK_MAX "
           "(100000),\n"
           "  AGENT_FILL_PATH (/data/fill), AGENT_FILL_MB (0: no limit),\n"
           "  AGENT_FLOOD_LINES (100000), AGENT_CONNECT_TARGETS "
           "(host:port,...),\n"
           "  AGENT_EXIT_CODE (1), AGENT_EXIT_AFTER (0 s)\n");
}

int
main (int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "serve";

  /* Write errors are handled where they happen; a closed stdout or a
     reset peer must not kill the agent.  */
  signal (SIGPIPE, SIG_IGN);

  if (strcmp (cmd, "serve") == 0 && argc <= 2)
    return cmd_serve ();
  if (strcmp (cmd, "probe") == 0)
    return cmd_probe (argc, argv);
  if (strcmp (cmd, "get") == 0)
    return cmd_get (argc, argv);
  if (strcmp (cmd, "version") == 0 && argc == 2)
    {
      puts (AGENT_NAME " " AGENT_VERSION);
      return 0;
    }
  if (strcmp (cmd, "help") == 0 || strcmp (cmd, "--help") == 0)
    {
      usage (stdout);
      return 0;
    }
  usage (stderr);
  return EXIT_USAGE;
}
