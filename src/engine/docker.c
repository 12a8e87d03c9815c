/* Docker Engine API client.
 *
 * Each struct dock owns one curl easy handle.  The handle is reset before
 * every request, so no option of one request leaks into the next, while
 * its connection cache keeps the socket connection open between requests.
 * Errors that come from the engine carry its "message" verbatim; errors
 * of our own name the socket and the request. */
#include "engine/docker.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "core/log.h"
#include "core/util.h"

#define CONNECT_TIMEOUT_MS 3000L
#define DEFAULT_TIMEOUT_MS 60000L
/* The engine may take the whole stop grace period before it answers. */
#define STOP_MARGIN_MS 15000L
#define STOP_GRACE_MAX (24 * 3600)
#define REF_MAX 1024    /* bytes of a name, id or image reference */
#define BODY_QUOTED 200 /* bytes of a non-JSON error body put in a message */

struct dock
{
  CURL *curl;
  struct curl_slist *json_header;
  char *socket;
  char api[24]; /* "1.41"; empty only while negotiating */
  long timeout_ms;
  char curl_msg[CURL_ERROR_SIZE];
};

/* One request, as the error messages describe it. */
struct req
{
  const char *method;
  const char *path; /* without the version prefix */
  json_t *body;
  long timeout_ms; /* 0: the handle's limit */
  long also_ok;    /* a non-2xx status that counts as success, or 0 */
};

struct answer
{
  long status;
  struct buf body;
  bool too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once (void)
{
  /* A failure here shows up as curl_easy_init() returning NULL. */
  curl_global_init (CURL_GLOBAL_DEFAULT);
}

/* Length of the path without its query string, for messages: filters
 * make query strings long and unreadable once escaped. */
static int
path_len (const char *path)
{
  return (int)strcspn (path, "?");
}

static long
request_limit (const struct dock *d, const struct req *rq)
{
  return rq->timeout_ms ? rq->timeout_ms : d->timeout_ms;
}

/* Parses "MAJOR.MINOR" (at most 2 and 3 digits) into major * 1000 + minor,
 * or returns -1. */
static long
api_number (const char *s)
{
  const char *digits = "0123456789";
  size_t n1, n2;

  if (s == NULL)
    return -1;
  n1 = strspn (s, digits);
  if (n1 < 1 || n1 > 2 || s[n1] != '.')
    return -1;
  n2 = strspn (s + n1 + 1, digits);
  if (n2 < 1 || n2 > 3 || s[n1 + 1 + n2] != '\0')
    return -1;
  return strtol (s, NULL, 10) * 1000 + strtol (s + n1 + 1, NULL, 10);
}

static const char *
socket_from_env (void)
{
  const char *host = getenv ("DOCKER_HOST");

  if (host != NULL && strncmp (host, "unix://", 7) == 0 && host[7] != '\0')
    return host + 7;
  return DOCK_DEFAULT_SOCKET;
}

static size_t
sun_path_max (void)
{
  struct sockaddr_un sa;

  return sizeof sa.sun_path - 1;
}

/* Allocates a client without talking to the engine. */
static int
dock_new (const char *socket_path, long timeout_ms, struct dock **out,
          struct cfp_err *err)
{
  struct dock *d;

  pthread_once (&curl_once, curl_init_once);
  d = xcalloc (1, sizeof *d);
  d->socket = xstrdup (socket_path);
  d->timeout_ms = timeout_ms;
  d->curl = curl_easy_init ();
  d->json_header = curl_slist_append (NULL, "Content-Type: application/json");
  if (d->curl == NULL || d->json_header == NULL)
    {
      dock_close (d);
      return cfp_err_set (err, CFP_E_FAIL,
                          "docker engine at `%s`: cannot set up libcurl",
                          socket_path);
    }

  *out = d;
  return 0;
}

void
dock_close (struct dock *d)
{
  if (d == NULL)
    return;
  if (d->curl != NULL)
    curl_easy_cleanup (d->curl);
  curl_slist_free_all (d->json_header);
  free (d->socket);
  free (d);
}

const char *
dock_api_version (const struct dock *d)
{
  return d->api;
}

const char *
dock_socket (const struct dock *d)
{
  return d->socket;
}

static size_t
on_data (char *p, size_t size, size_t n, void *userdata)
{
  struct answer *ans = userdata;

  if (buf_append (&ans->body, p, size * n) < 0)
    {
      ans->too_big = true;
      return 0;
    }
  return size * n;
}

static CURLcode
set_options (struct dock *d, const struct req *rq, const char *url,
             const char *text, struct answer *ans)
{
  CURL *c = d->curl;

  curl_easy_reset (c);
  d->curl_msg[0] = '\0';
  if (curl_easy_setopt (c, CURLOPT_URL, url) != CURLE_OK
      || curl_easy_setopt (c, CURLOPT_UNIX_SOCKET_PATH, d->socket) != CURLE_OK
      || curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK
      || curl_easy_setopt (c, CURLOPT_ERRORBUFFER, d->curl_msg) != CURLE_OK)
    return CURLE_OUT_OF_MEMORY;

  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
  curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, request_limit (d, rq));
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, ans);
  if (text == NULL)
    return CURLE_OK;

  curl_easy_setopt (c, CURLOPT_HTTPHEADER, d->json_header);
  curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE, (long)strlen (text));
  return curl_easy_setopt (c, CURLOPT_POSTFIELDS, text);
}

static int
engine_down (struct dock *d, struct cfp_err *err)
{
  const char *hint = "is dockerd running?";
  const char *cause = d->curl_msg[0] ? d->curl_msg : "cannot connect";
  long os_errno = 0;

  curl_easy_getinfo (d->curl, CURLINFO_OS_ERRNO, &os_errno);
  if (os_errno != 0)
    cause = strerror ((int)os_errno);
  if (os_errno == EACCES)
    hint = "may this user open the docker socket?";
  cfp_err_set (err, CFP_E_ENGINE,
               "docker engine at `%s` does not answer: %s (%s)", d->socket,
               cause, hint);

  if (err != NULL)
    err->sys_errno = (int)os_errno;
  return -CFP_E_ENGINE;
}

static int
timed_out (struct dock *d, const struct req *rq, struct cfp_err *err)
{
  long limit = request_limit (d, rq);
  bool whole = limit % 1000 == 0;

  /* The connect limit rarely fires: a unix socket with a full backlog
   * fails at once with EAGAIN instead of blocking. */
  return cfp_err_set (err, CFP_E_ENGINE,
                      "docker engine at `%s`: request `%s %.*s` timed out "
                      "after %ld %s",
                      d->socket, rq->method, path_len (rq->path), rq->path,
                      whole ? limit / 1000 : limit, whole ? "s" : "ms");
}

static int
transport_error (struct dock *d, const struct req *rq, const struct answer *ans,
                 CURLcode cc, struct cfp_err *err)
{
  if (ans->too_big)
    return cfp_err_set (err, CFP_E_ENGINE,
                        "docker engine at `%s`: request `%s %.*s`: answer "
                        "larger than the limit of %d bytes",
                        d->socket, rq->method, path_len (rq->path), rq->path,
                        DOCK_RESPONSE_MAX);
  if (cc == CURLE_COULDNT_CONNECT)
    return engine_down (d, err);
  if (cc == CURLE_OPERATION_TIMEDOUT)
    return timed_out (d, rq, err);

  return cfp_err_set (err, CFP_E_ENGINE,
                      "docker engine at `%s`: request `%s %.*s`: %s", d->socket,
                      rq->method, path_len (rq->path), rq->path,
                      d->curl_msg[0] ? d->curl_msg : curl_easy_strerror (cc));
}

/* Exchanges one request and answer.  Returns 0 when any HTTP answer
 * arrived (ans->body is then the caller's to free), else an error. */
static int
perform (struct dock *d, const struct req *rq, struct answer *ans,
         struct cfp_err *err)
{
  cleanup_free char *url = NULL;
  cleanup_free char *text = NULL;
  CURLcode cc;
  int rc;

  ans->status = 0;
  ans->too_big = false;
  buf_init (&ans->body, DOCK_RESPONSE_MAX);
  if (rq->body != NULL && (text = json_dumps (rq->body, JSON_COMPACT)) == NULL)
    return cfp_err_set (err, CFP_E_INVALID,
                        "request `%s %.*s`: body is not valid JSON", rq->method,
                        path_len (rq->path), rq->path);

  url = xasprintf ("http://localhost%s%s%s", d->api[0] ? "/v" : "", d->api,
                   rq->path);
  cc = set_options (d, rq, url, text, ans);
  if (cc == CURLE_OK)
    cc = curl_easy_perform (d->curl);
  if (cc != CURLE_OK)
    {
      rc = transport_error (d, rq, ans, cc, err);
      buf_free (&ans->body);
      return rc;
    }

  curl_easy_getinfo (d->curl, CURLINFO_RESPONSE_CODE, &ans->status);
  return 0;
}

static int
status_code (long status)
{
  if (status == 404)
    return CFP_E_NOTFOUND;
  if (status == 409)
    return CFP_E_CONFLICT;
  return CFP_E_ENGINE;
}

/* A non-2xx answer: the engine's own message when it sent one. */
static int
answer_error (struct dock *d, const struct req *rq, const struct answer *ans,
              struct cfp_err *err)
{
  int code = status_code (ans->status);
  const char *msg;
  json_t *j;
  int rc, n;

  j = json_loadb (ans->body.data, ans->body.len, 0, NULL);
  msg = json_string_value (json_object_get (j, "message"));
  if (msg != NULL && msg[0] != '\0')
    {
      rc = cfp_err_set (err, code, "%s", msg);
      json_decref (j);
      return rc;
    }

  json_decref (j);
  n = (int)(ans->body.len < BODY_QUOTED ? ans->body.len : BODY_QUOTED);
  while (n > 0 && strchr (" \t\r\n", ans->body.data[n - 1]) != NULL)
    n--;
  return cfp_err_set (
      err, code, "docker engine at `%s`: request `%s %.*s`: HTTP %ld%s%.*s",
      d->socket, rq->method, path_len (rq->path), rq->path, ans->status,
      n ? ": " : "", n, n ? ans->body.data : "");
}

static int
answer_json (struct dock *d, const struct req *rq, const struct answer *ans,
             json_t **resp, struct cfp_err *err)
{
  json_error_t je;
  size_t len = ans->body.len;

  *resp = NULL;
  if (len == 0 || strspn (ans->body.data, " \t\r\n") == len)
    return 0;

  *resp = json_loadb (ans->body.data, len, JSON_DECODE_ANY, &je);
  if (*resp == NULL)
    return cfp_err_set (err, CFP_E_ENGINE,
                        "docker engine at `%s`: request `%s %.*s`: answer is "
                        "not JSON: %s",
                        d->socket, rq->method, path_len (rq->path), rq->path,
                        je.text);
  return 0;
}

static bool
is_success (const struct req *rq, long status)
{
  return (status >= 200 && status <= 299)
         || (rq->also_ok != 0 && status == rq->also_ok);
}

static int
request (struct dock *d, const struct req *rq, json_t **resp, long *status,
         struct cfp_err *err)
{
  struct answer ans;
  int64_t t0 = now_ms ();
  int rc;

  if (resp != NULL)
    *resp = NULL;
  if (status != NULL)
    *status = 0;
  rc = perform (d, rq, &ans, err);
  if (rc < 0)
    return rc;
  /* The path names objects, never secret values; the body is not logged. */
  log_debug ("op=engine-request method=%s path=%s status=%ld ms=%lld",
             rq->method, rq->path, ans.status, (long long)(now_ms () - t0));

  if (status != NULL)
    *status = ans.status;
  if (!is_success (rq, ans.status))
    rc = answer_error (d, rq, &ans, err);
  else if (resp != NULL && ans.status >= 200 && ans.status <= 299)
    rc = answer_json (d, rq, &ans, resp, err);
  buf_free (&ans.body);
  return rc;
}

int
dock_request_raw (struct dock *d, const char *method, const char *path,
                  struct buf *body, struct cfp_err *err)
{
  struct req rq = { .method = method, .path = path };
  struct answer ans;
  int rc;

  rc = perform (d, &rq, &ans, err);
  if (rc < 0)
    return rc;
  if (!is_success (&rq, ans.status))
    {
      rc = answer_error (d, &rq, &ans, err);
      buf_free (&ans.body);
      return rc;
    }
  *body = ans.body;
  return 0;
}

static char *url_escape (const char *s);

/* The size field of a ustar header: octal, NUL or space terminated. */
static long long
tar_size (const unsigned char *h)
{
  long long n = 0;

  for (int i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
    n = n * 8 + (h[i] - '0');
  return n;
}

int
dock_container_read_file (struct dock *d, const char *id, const char *path,
                          size_t limit, char **out, size_t *len,
                          struct cfp_err *err)
{
  cleanup_free char *eid = url_escape (id);
  cleanup_free char *epath = url_escape (path);
  cleanup_free char *url
      = xasprintf ("/containers/%s/archive?path=%s", eid, epath);
  const unsigned char *h;
  struct buf tar;
  long long size;
  int rc;

  rc = dock_request_raw (d, "GET", url, &tar, err);
  if (rc < 0)
    return rc;
  /* One entry: a 512-byte header, then the contents.  Type '0' or NUL is
   * a regular file; a link or directory is not read. */
  h = (const unsigned char *)tar.data;
  size = tar.len >= 512 ? tar_size (h) : -1;
  if (size < 0 || (h[156] != '0' && h[156] != '\0') || (size_t)size > limit
      || 512 + (size_t)size > tar.len)
    rc = cfp_err_set (err, CFP_E_INVALID,
                      "read `%s` from container: not a regular file of at "
                      "most %zu bytes",
                      path, limit);
  if (rc == 0)
    {
      *out = xstrndup (tar.data + 512, (size_t)size);
      if (len)
        *len = (size_t)size;
    }
  buf_free (&tar);
  return rc;
}

int
dock_request (struct dock *d, const char *method, const char *path,
              json_t *body, json_t **resp, long *status, struct cfp_err *err)
{
  struct req rq = { .method = method, .path = path, .body = body };

  if (method == NULL || method[0] == '\0' || path == NULL || path[0] != '/')
    return cfp_err_set (err, CFP_E_INVALID,
                        "docker engine request `%s %s`: method or path "
                        "missing (a path starts with '/')",
                        method ? method : "", path ? path : "");
  return request (d, &rq, resp, status, err);
}

/* GET /version without a prefix (the engine answers with its newest API)
 * and settles on the newest version both sides speak. */
static int
negotiate (struct dock *d, struct cfp_err *err)
{
  struct req rq = { .method = "GET", .path = "/version" };
  long engine, engine_min, chosen;
  json_t *v;
  int rc;

  rc = request (d, &rq, &v, NULL, err);
  if (rc < 0)
    return rc;
  engine = api_number (json_string_value (json_object_get (v, "ApiVersion")));
  engine_min
      = api_number (json_string_value (json_object_get (v, "MinAPIVersion")));
  json_decref (v);

  if (engine < 0)
    return cfp_err_set (err, CFP_E_ENGINE,
                        "docker engine at `%s`: `GET /version` names no "
                        "valid ApiVersion",
                        d->socket);
  if (engine < api_number (DOCK_MIN_API))
    return cfp_err_set (err, CFP_E_ENGINE,
                        "docker engine at `%s` speaks API %ld.%ld, older "
                        "than %s, the oldest cfp supports; upgrade docker",
                        d->socket, engine / 1000, engine % 1000, DOCK_MIN_API);
  if (engine_min > api_number (DOCK_MAX_API))
    return cfp_err_set (err, CFP_E_ENGINE,
                        "docker engine at `%s` needs API %ld.%ld or newer; "
                        "cfp speaks up to %s",
                        d->socket, engine_min / 1000, engine_min % 1000,
                        DOCK_MAX_API);

  chosen
      = engine < api_number (DOCK_MAX_API) ? engine : api_number (DOCK_MAX_API);
  snprintf (d->api, sizeof d->api, "%ld.%ld", chosen / 1000, chosen % 1000);
  return 0;
}

int
dock_open (struct dock **out, const char *socket_path, long timeout_ms,
           struct cfp_err *err)
{
  struct dock *d;
  int rc;

  if (socket_path == NULL)
    socket_path = socket_from_env ();
  if (socket_path[0] == '\0' || strlen (socket_path) > sun_path_max ())
    return cfp_err_set (err, CFP_E_INVALID,
                        "docker socket path `%.200s` is empty or longer "
                        "than %zu bytes",
                        socket_path, sun_path_max ());
  if (timeout_ms < 0)
    return cfp_err_set (err, CFP_E_INVALID,
                        "docker request timeout %ld ms is negative",
                        timeout_ms);

  rc = dock_new (socket_path, timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS, &d,
                 err);
  if (rc < 0)
    return rc;
  rc = negotiate (d, err);
  if (rc < 0)
    {
      dock_close (d);
      return rc;
    }

  *out = d;
  return 0;
}

int
dock_dup (const struct dock *d, struct dock **out, struct cfp_err *err)
{
  struct dock *copy;
  int rc;

  rc = dock_new (d->socket, d->timeout_ms, &copy, err);
  if (rc < 0)
    return rc;
  memcpy (copy->api, d->api, sizeof copy->api);
  *out = copy;
  return 0;
}

/* Percent-encodes everything but RFC 3986 unreserved characters, so a
 * name can never add a path segment or a query parameter. */
static char *
url_escape (const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  struct buf b;

  buf_init (&b, 0);
  for (; *s != '\0'; s++)
    {
      unsigned char c = (unsigned char)*s;
      char e[3] = { '%', hex[c >> 4], hex[c & 15] };

      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || strchr ("-._~", c) != NULL)
        buf_append (&b, s, 1);
      else
        buf_append (&b, e, sizeof e);
    }
  return buf_steal (&b);
}

static int
check_ref (const char *ref, struct cfp_err *err)
{
  if (ref != NULL && ref[0] != '\0' && strlen (ref) <= REF_MAX)
    return 0;
  return cfp_err_set (err, CFP_E_INVALID,
                      "docker object name `%.80s` is empty or longer than "
                      "%d bytes",
                      ref ? ref : "", REF_MAX);
}

/* *out = "/<kind>/<escaped ref><suffix>". */
static int
ref_path (const char *kind, const char *ref, const char *suffix, char **out,
          struct cfp_err *err)
{
  cleanup_free char *esc = NULL;
  int rc;

  rc = check_ref (ref, err);
  if (rc < 0)
    return rc;
  esc = url_escape (ref);
  *out = xasprintf ("/%s/%s%s", kind, esc, suffix);
  return 0;
}

/* Sends `method` to "/<kind>/<ref><suffix>"; `also_ok` as in struct req. */
static int
ref_request (struct dock *d, const char *method, const char *kind,
             const char *ref, const char *suffix, long also_ok, json_t **resp,
             struct cfp_err *err)
{
  cleanup_free char *path = NULL;
  struct req rq = { .method = method, .also_ok = also_ok };
  int rc;

  rc = ref_path (kind, ref, suffix, &path, err);
  if (rc < 0)
    return rc;
  rq.path = path;
  return request (d, &rq, resp, NULL, err);
}

static int
inspect (struct dock *d, const char *kind, const char *ref, const char *suffix,
         json_t **out, struct cfp_err *err)
{
  int rc;

  rc = ref_request (d, "GET", kind, ref, suffix, 0, out, err);
  if (rc < 0)
    return rc;
  if (!json_is_object (*out))
    {
      json_decref (steal_pointer (out));
      return cfp_err_set (err, CFP_E_ENGINE,
                          "docker engine at `%s`: inspect %s `%.80s`: answer "
                          "is not a JSON object",
                          d->socket, kind, ref);
    }
  return 0;
}

int
dock_image_inspect (struct dock *d, const char *ref, json_t **out,
                    struct cfp_err *err)
{
  return inspect (d, "images", ref, "/json", out, err);
}

int
dock_network_inspect (struct dock *d, const char *name, json_t **out,
                      struct cfp_err *err)
{
  return inspect (d, "networks", name, "", out, err);
}

int
dock_volume_inspect (struct dock *d, const char *name, json_t **out,
                     struct cfp_err *err)
{
  return inspect (d, "volumes", name, "", out, err);
}

int
dock_container_inspect (struct dock *d, const char *id, json_t **out,
                        struct cfp_err *err)
{
  return inspect (d, "containers", id, "/json", out, err);
}

/* POSTs `body` (consumed, may be NULL on a failed json_pack) to `path`. */
static int
create (struct dock *d, const char *path, json_t *body, json_t **resp,
        struct cfp_err *err)
{
  struct req rq = { .method = "POST", .path = path, .body = body };
  int rc;

  if (body == NULL)
    return cfp_err_set (err, CFP_E_INVALID,
                        "request `POST %.*s`: names and labels must be "
                        "UTF-8 strings",
                        path_len (path), path);
  rc = request (d, &rq, resp, NULL, err);
  json_decref (body);
  return rc;
}

/* Copies the "Id" of a create answer into *id (when id != NULL). */
static int
take_id (struct dock *d, const char *what, json_t *resp, char **id,
         struct cfp_err *err)
{
  const char *s = json_string_value (json_object_get (resp, "Id"));

  if (s == NULL)
    return cfp_err_set (err, CFP_E_ENGINE,
                        "docker engine at `%s`: %s: answer has no Id",
                        d->socket, what);
  if (id != NULL)
    *id = xstrdup (s);
  return 0;
}

/* A new reference to `labels`, or to an empty object when NULL. */
static json_t *
labels_ref (json_t *labels)
{
  return labels != NULL ? json_incref (labels) : json_object ();
}

int
dock_network_create (struct dock *d, const char *name, json_t *labels,
                     bool internal, char **id, struct cfp_err *err)
{
  json_t *body, *resp = NULL;
  int rc;

  rc = check_ref (name, err);
  if (rc < 0)
    return rc;
  body = json_pack ("{s:s, s:s, s:b, s:b, s:o, s:b, s:b}", "Name", name,
                    "Driver", "bridge", "CheckDuplicate", 1, "Internal",
                    internal, "Labels", labels_ref (labels), "Attachable", 0,
                    "EnableIPv6", 0);

  rc = create (d, "/networks/create", body, &resp, err);
  if (rc == 0)
    rc = take_id (d, "create network", resp, id, err);
  json_decref (resp);
  return rc;
}

/* The engine answers 201 with the existing volume when the name is taken,
 * keeping that volume's labels: a name clash would go unnoticed and one
 * stack could mount another's data.  Labels that differ are a conflict. */
static int
check_volume_labels (const char *name, json_t *want, json_t *resp,
                     struct cfp_err *err)
{
  json_t *have = json_object_get (resp, "Labels");
  json_t *none = json_object ();
  bool same;

  same = json_equal (want ? want : none, json_is_object (have) ? have : none);
  json_decref (none);
  if (same)
    return 0;
  return cfp_err_set (err, CFP_E_CONFLICT,
                      "volume `%s` exists already with other labels", name);
}

int
dock_volume_create (struct dock *d, const char *name, json_t *labels,
                    struct cfp_err *err)
{
  json_t *body, *resp = NULL;
  int rc;

  rc = check_ref (name, err);
  if (rc < 0)
    return rc;
  body = json_pack ("{s:s, s:s, s:o}", "Name", name, "Driver", "local",
                    "Labels", labels_ref (labels));

  rc = create (d, "/volumes/create", body, &resp, err);
  if (rc == 0)
    rc = check_volume_labels (name, labels, resp, err);
  json_decref (resp);
  return rc;
}

int
dock_container_create (struct dock *d, const char *name, json_t *spec,
                       char **id, struct cfp_err *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *esc = NULL;
  json_t *resp = NULL;
  int rc;

  if (spec == NULL)
    return cfp_err_set (err, CFP_E_INVALID,
                        "create container `%.80s`: no specification",
                        name ? name : "");
  if (name != NULL && (rc = check_ref (name, err)) < 0)
    return rc;
  esc = name ? url_escape (name) : NULL;
  path = xasprintf ("/containers/create%s%s", esc ? "?name=" : "",
                    esc ? esc : "");

  rc = create (d, path, json_incref (spec), &resp, err);
  if (rc == 0)
    rc = take_id (d, "create container", resp, id, err);
  json_decref (resp);
  return rc;
}

int
dock_container_start (struct dock *d, const char *id, struct cfp_err *err)
{
  /* 304: running already, which is what the caller asked for. */
  return ref_request (d, "POST", "containers", id, "/start", 304, NULL, err);
}

/* POST /containers/<id>/<verb>?t=<grace>, waiting out the grace period. */
static int
stop_like (struct dock *d, const char *verb, const char *id, int timeout_s,
           struct cfp_err *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *suffix = NULL;
  struct req rq = { .method = "POST", .also_ok = 304 };
  int rc;

  if (timeout_s < 0 || timeout_s > STOP_GRACE_MAX)
    return cfp_err_set (err, CFP_E_INVALID,
                        "%s container `%.80s`: grace period %d s is not "
                        "within 0..%d s",
                        verb, id ? id : "", timeout_s, STOP_GRACE_MAX);
  suffix = xasprintf ("/%s?t=%d", verb, timeout_s);
  rc = ref_path ("containers", id, suffix, &path, err);
  if (rc < 0)
    return rc;

  rq.path = path;
  rq.timeout_ms = timeout_s * 1000L + STOP_MARGIN_MS;
  if (rq.timeout_ms < d->timeout_ms)
    rq.timeout_ms = d->timeout_ms;
  return request (d, &rq, NULL, NULL, err);
}

int
dock_container_stop (struct dock *d, const char *id, int timeout_s,
                     struct cfp_err *err)
{
  return stop_like (d, "stop", id, timeout_s, err);
}

int
dock_container_restart (struct dock *d, const char *id, int timeout_s,
                        struct cfp_err *err)
{
  return stop_like (d, "restart", id, timeout_s, err);
}

int
dock_container_remove (struct dock *d, const char *id, struct cfp_err *err)
{
  return ref_request (d, "DELETE", "containers", id, "?force=1&v=1", 404, NULL,
                      err);
}

int
dock_network_remove (struct dock *d, const char *name, struct cfp_err *err)
{
  return ref_request (d, "DELETE", "networks", name, "", 404, NULL, err);
}

int
dock_volume_remove (struct dock *d, const char *name, struct cfp_err *err)
{
  return ref_request (d, "DELETE", "volumes", name, "", 404, NULL, err);
}

/* *out = base + "filters={"label":[...]}" (escaped), or base alone when
 * there are no labels.  A label that is not UTF-8 is an error, never
 * dropped: a dropped filter would widen the match. */
static int
list_path (const char *base, const char *const *labels, char **out,
           struct cfp_err *err)
{
  cleanup_free char *text = NULL;
  cleanup_free char *esc = NULL;
  json_t *filters, *arr;

  if (labels == NULL || labels[0] == NULL)
    {
      *out = xstrdup (base);
      return 0;
    }
  arr = json_array ();
  filters = json_pack ("{s:o}", "label", arr);
  for (size_t i = 0; labels[i] != NULL; i++)
    if (json_array_append_new (arr, json_string (labels[i])) < 0)
      {
        json_decref (filters);
        return cfp_err_set (err, CFP_E_INVALID,
                            "list `%s`: label filter `%.80s` is not UTF-8",
                            base, labels[i]);
      }

  text = json_dumps (filters, JSON_COMPACT);
  json_decref (filters);
  esc = url_escape (text);
  *out
      = xasprintf ("%s%cfilters=%s", base, strchr (base, '?') ? '&' : '?', esc);
  return 0;
}

static int
list (struct dock *d, const char *base, const char *const *labels, json_t **out,
      struct cfp_err *err)
{
  cleanup_free char *path = NULL;
  struct req rq = { .method = "GET" };
  int rc;

  *out = NULL;
  rc = list_path (base, labels, &path, err);
  if (rc < 0)
    return rc;
  rq.path = path;
  return request (d, &rq, out, NULL, err);
}

/* Checks that `*out` is an array, replacing a JSON null by []. */
static int
want_array (struct dock *d, const char *what, json_t **out, struct cfp_err *err)
{
  if (*out == NULL || json_is_null (*out))
    {
      json_decref (*out);
      *out = json_array ();
    }
  if (json_is_array (*out))
    return 0;

  json_decref (steal_pointer (out));
  return cfp_err_set (err, CFP_E_ENGINE,
                      "docker engine at `%s`: list %s: answer is not a JSON "
                      "array",
                      d->socket, what);
}

int
dock_container_list (struct dock *d, const char *const *labels, json_t **out,
                     struct cfp_err *err)
{
  int rc;

  rc = list (d, "/containers/json?all=1", labels, out, err);
  return rc < 0 ? rc : want_array (d, "containers", out, err);
}

int
dock_network_list (struct dock *d, const char *const *labels, json_t **out,
                   struct cfp_err *err)
{
  int rc;

  rc = list (d, "/networks", labels, out, err);
  return rc < 0 ? rc : want_array (d, "networks", out, err);
}

int
dock_volume_list (struct dock *d, const char *const *labels, json_t **out,
                  struct cfp_err *err)
{
  json_t *resp;
  int rc;

  rc = list (d, "/volumes", labels, &resp, err);
  if (rc < 0)
    return rc;
  /* The engine wraps the array: {"Volumes": [...], "Warnings": ...}. */
  *out = json_incref (json_object_get (resp, "Volumes"));
  json_decref (resp);
  return want_array (d, "volumes", out, err);
}
