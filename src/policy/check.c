/* pol_check(): every rejection of the rule catalogue, over the JSON tree
 * compose_load() builds.
 *
 * The tree is hostile input that has only been bounded (size, nodes,
 * depth), not validated: any key may hold any JSON type.  So every value
 * is looked at through helpers that say "not what I expected" instead of
 * assuming a type, and a value of the wrong type under a key a rule looks
 * at is a finding of that rule ("`privileged` must be a boolean"): a value
 * that cannot be shown harmless is refused.  Keys are checked separately
 * against the Compose Specification's tables (keys.c, CFP-HC-53).
 *
 * Findings quote the key and the offending value so that the tenant sees
 * what to change, shortened and flattened to one line.  Values of
 * environment variables, label values and hook environments are never
 * quoted: they are where tenants put secrets.
 *
 * Work is linear in the document: each value is looked at by a bounded
 * number of rules, JSON pointers are built for findings only (and capped
 * at POINTER_MAX), and a document with more than MAX_FINDINGS findings is
 * refused as a whole. */
#include "policy/policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "policy/keys.h"

#define MAX_FINDINGS 1000
#define QUOTE_MAX 64 /* bytes of one user value in a message */
#define NOFILE_MAX 8192
#define SHM_MAX (64LL * 1024 * 1024)
#define CPU_SHARES_MAX 1024 /* the kernel's default weight */
#define ID_MAX 2147483647LL /* largest uid or gid accepted */
#define NANO INT64_C (1000000000)
#define MAX_DEPTH COMPOSE_MAX_DEPTH
#define PATH_DEPTH 5     /* keys in the longest dig() path, plus one */
#define POINTER_MAX 4096 /* bytes of a finding's JSON pointer */
#define SERVICE_MAX 255  /* bytes of a finding's service name */

/* A finding and its place in the order the checks made it, so that the
 * sort by position is stable. */
struct hit
{
  struct pol_finding f;
  size_t seq;
};

/* Where a value is: its key or index and the place of its parent, up to
 * the root (NULL).  Built on the stack as the checks descend and rendered
 * as a JSON pointer only for a finding, so that the walk costs nothing
 * per node however long the keys above it are. */
struct loc
{
  const struct loc *up;
  const char *key; /* NULL for a list item */
  size_t index;
};

#define LOC_KEY(up_, key_) ((struct loc){ .up = (up_), .key = (key_) })
#define LOC_IDX(up_, i_) ((struct loc){ .up = (up_), .index = (i_) })

/* A short, one-line rendering of a user value, for messages. */
struct qbuf
{
  char s[QUOTE_MAX + 8];
};

/* One resource summed over the stack's explicit per-service limits. */
struct amount
{
  const char *rule;
  const char *what; /* "memory" */
  int (*parse) (json_t *v, int64_t *out);
  struct qbuf (*show) (int64_t n);
  int64_t plan; /* the plan's limit for the whole stack */
  int64_t sum;  /* of the explicit limits within the plan */
  bool crossed; /* the sum passed the plan and was reported */
};

struct chk
{
  const struct cmp_doc *doc;
  const struct pol_config *cfg;
  struct hit *hits;
  size_t n, cap;
  bool over;       /* MAX_FINDINGS reached */
  const char *svc; /* service being checked, NULL at top level */
  json_t *volumes; /* top-level `volumes` when it is a map */
  struct amount mem, cpu, pids;
};

static void check_labels (struct chk *c, json_t *v, const struct loc *at);
static void check_image_ref (struct chk *c, const char *what, json_t *v,
                             const struct loc *at);

/* --- rendering --------------------------------------------------------- */

/* Copies at most QUOTE_MAX bytes, cut at a character boundary; control
 * characters and backticks (which would end the quote) become '?'. */
static struct qbuf
quote (const char *s)
{
  struct qbuf q;
  size_t i = 0, n = strlen (s);

  if (n > QUOTE_MAX)
    {
      n = QUOTE_MAX;
      while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    }
  for (; i < n; i++)
    {
      unsigned char ch = (unsigned char)s[i];
      q.s[i] = ch < 0x20 || ch == 0x7f || ch == '`' ? '?' : (char)ch;
    }
  strcpy (q.s + i, s[i] != '\0' ? "..." : "");
  return q;
}

/* A scalar as YAML would show it; maps and lists by their kind. */
static struct qbuf
quote_value (json_t *v)
{
  struct qbuf q;

  switch (json_typeof (v))
    {
    case JSON_STRING:
      return quote (json_string_value (v));
    case JSON_INTEGER:
      snprintf (q.s, sizeof q.s, "%" JSON_INTEGER_FORMAT,
                json_integer_value (v));
      return q;
    case JSON_REAL:
      snprintf (q.s, sizeof q.s, "%.10g", json_real_value (v));
      return q;
    case JSON_TRUE:
      return quote ("true");
    case JSON_FALSE:
      return quote ("false");
    case JSON_NULL:
      return quote ("null");
    case JSON_OBJECT:
      return quote ("{...}");
    case JSON_ARRAY:
      return quote ("[...]");
    }
  return quote ("?");
}

static const char *
type_name (json_t *v)
{
  switch (json_typeof (v))
    {
    case JSON_OBJECT:
      return "a map";
    case JSON_ARRAY:
      return "a list";
    case JSON_STRING:
      return "a string";
    case JSON_INTEGER:
      return "an integer";
    case JSON_REAL:
      return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
      return "a boolean";
    case JSON_NULL:
      return "null";
    }
  return "a value";
}

/* Byte counts as Compose writes them: "1g", "512m", "1536k" or bytes. */
static struct qbuf
show_bytes (int64_t n)
{
  static const char units[] = "kmgt";
  struct qbuf q;
  int u = -1;

  while (n != 0 && n % 1024 == 0 && u < 3)
    {
      n /= 1024;
      u++;
    }
  if (u < 0)
    snprintf (q.s, sizeof q.s, "%" PRId64, n);
  else
    snprintf (q.s, sizeof q.s, "%" PRId64 "%c", n, units[u]);
  return q;
}

static struct qbuf
show_cpus (int64_t nano)
{
  struct qbuf q;
  int len = snprintf (q.s, sizeof q.s, "%" PRId64 ".%09" PRId64, nano / NANO,
                      nano % NANO);

  while (len > 0 && q.s[len - 1] == '0')
    q.s[--len] = '\0';
  if (len > 0 && q.s[len - 1] == '.')
    q.s[--len] = '\0';
  return q;
}

static struct qbuf
show_count (int64_t n)
{
  struct qbuf q;

  snprintf (q.s, sizeof q.s, "%" PRId64, n);
  return q;
}

/* --- findings ---------------------------------------------------------- */

/* Appends "/token", escaped as RFC 6901 says, or nothing when it would
 * take the pointer past POINTER_MAX. */
static int
pointer_append (struct buf *b, const char *token, size_t index)
{
  char num[24];
  size_t need = 1;

  if (token == NULL)
    {
      snprintf (num, sizeof num, "%zu", index);
      token = num;
    }
  for (const char *p = token; *p; p++)
    need += *p == '~' || *p == '/' ? 2 : 1;
  if (b->len + need > POINTER_MAX)
    return -1;
  buf_puts (b, "/");
  for (const char *p = token; *p; p++)
    buf_puts (b, *p == '~' ? "~0" : *p == '/' ? "~1" : (char[]){ *p, 0 });
  return 0;
}

/* The JSON pointer of `at`.  A pointer that would be longer than
 * POINTER_MAX stops at the deepest ancestor that fits: it still names
 * where the finding is, and the message quotes the key. */
static char *
loc_pointer (const struct loc *at)
{
  const struct loc *chain[MAX_DEPTH + 2 * PATH_DEPTH];
  size_t n = 0;
  struct buf b;

  for (; at != NULL && n < sizeof chain / sizeof chain[0]; at = at->up)
    chain[n++] = at;
  buf_init (&b, 0);
  while (n > 0
         && pointer_append (&b, chain[n - 1]->key, chain[n - 1]->index) == 0)
    n--;
  return buf_steal (&b);
}

/* The place of path[0], path[1], ... below `at`, built in `buf` (at least
 * PATH_DEPTH entries). */
static const struct loc *
loc_path (struct loc *buf, const struct loc *at, const char *const *path)
{
  for (size_t i = 0; path[i] != NULL && i < PATH_DEPTH; i++)
    {
      buf[i] = LOC_KEY (at, path[i]);
      at = &buf[i];
    }
  return at;
}

static void __attribute__ ((format (printf, 4, 5)))
add (struct chk *c, const char *rule_id, const struct loc *at, const char *fmt,
     ...)
{
  const struct pol_rule *rule = pol_rule_find (rule_id);
  struct pol_finding *f;
  va_list ap;

  if (rule == NULL)
    abort (); /* a check names a rule the catalogue lacks */
  if (c->n == MAX_FINDINGS)
    {
      c->over = true;
      return;
    }
  if (c->n == c->cap)
    {
      c->cap = c->cap ? 2 * c->cap : 16;
      c->hits = xrealloc (c->hits, c->cap * sizeof *c->hits);
    }
  c->hits[c->n].seq = c->n;
  f = &c->hits[c->n++].f;
  f->rule = rule;
  f->pointer = loc_pointer (at);
  f->pos = compose_doc_pos (c->doc, f->pointer);
  f->service = c->svc ? xstrndup (c->svc, strnlen (c->svc, SERVICE_MAX)) : NULL;
  va_start (ap, fmt);
  if (vasprintf (&f->message, fmt, ap) < 0)
    abort ();
  va_end (ap);
  for (char *p = f->message; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
}

/* --- reading values ---------------------------------------------------- */

/* The string, or NULL when v is not a string or hides a NUL byte (which
 * would make this check and the engine read different values). */
static const char *
str_of (json_t *v)
{
  const char *s = json_string_value (v);

  return s && strlen (s) == json_string_length (v) ? s : NULL;
}

enum tri
{
  T_FALSE,
  T_TRUE,
  T_BAD,
};

/* Compose's booleans: JSON booleans, and the strings compose-go accepts
 * after interpolation (y, yes, true, on / n, no, false, off, any case). */
static enum tri
bool_of (json_t *v)
{
  static const char *const yes[] = { "y", "yes", "true", "on" };
  static const char *const no[] = { "n", "no", "false", "off" };
  const char *s = str_of (v);

  if (json_is_boolean (v))
    return json_is_true (v) ? T_TRUE : T_FALSE;
  for (size_t i = 0; s && i < 4; i++)
    {
      if (strcasecmp (s, yes[i]) == 0)
        return T_TRUE;
      if (strcasecmp (s, no[i]) == 0)
        return T_FALSE;
    }
  return T_BAD;
}

/* An integer, or a string of one ("-1", "8192"). */
static int
int_of (json_t *v, int64_t *out)
{
  const char *s = str_of (v);
  char *end;
  long long n;

  if (json_is_integer (v))
    {
      *out = json_integer_value (v);
      return 0;
    }
  if (s == NULL || !str_is_digits (s + (*s == '-')))
    return -1;
  errno = 0;
  n = strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = n;
  return 0;
}

static int64_t
sat_add (int64_t a, int64_t b)
{
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Sizes as docker's units.RAMInBytes reads them: "1.5g", "512 MiB", "64k",
 * "100" (bytes); binary multiples.  Values past int64 saturate. */
static int
parse_bytes (const char *s, int64_t *out)
{
  static const char units[] = "kmgtp";
  const char *p = s, *u;
  int64_t n = 0, mult = 1;
  double frac = 0, scale = 0.1;

  if (!isdigit ((unsigned char)*p))
    return -1;
  for (; isdigit ((unsigned char)*p); p++)
    n = n > (INT64_MAX - 9) / 10 ? INT64_MAX : n * 10 + (*p - '0');
  if (*p == '.' && isdigit ((unsigned char)p[1]))
    for (p++; isdigit ((unsigned char)*p); p++, scale /= 10)
      frac += (*p - '0') * scale;
  if (*p == ' ')
    p++;
  if (*p != '\0' && (u = strchr (units, tolower ((unsigned char)*p))))
    {
      for (const char *k = units; k <= u; k++)
        mult *= 1024;
      p++;
    }
  p += *p == 'i' || *p == 'I';
  p += *p == 'b' || *p == 'B';
  if (*p != '\0')
    return -1;
  *out = n > INT64_MAX / mult ? INT64_MAX
                              : sat_add (n * mult, (int64_t)(frac * mult));
  return 0;
}

/* Bytes: an integer, a number, a size string, or "-1". */
static int
bytes_of (json_t *v, int64_t *out)
{
  const char *s = str_of (v);
  double d = json_real_value (v);

  if (json_is_real (v))
    {
      if (!isfinite (d) || d <= -9.2e18)
        return -1;
      *out = d >= 9.2e18 ? INT64_MAX : (int64_t)d;
      return 0;
    }
  if (s != NULL && *s != '-')
    return parse_bytes (s, out);
  return int_of (v, out);
}

/* CPUs in billionths: 1, 0.5, "1.5". */
static int
nanocpus_of (json_t *v, int64_t *out)
{
  const char *s = str_of (v), *p;
  int64_t whole = 0, frac = 0, scale = NANO / 10;

  if (json_is_number (v))
    {
      double d = json_number_value (v);

      if (!isfinite (d) || d < 0)
        return -1;
      *out = d >= 9e9 ? INT64_MAX : (int64_t)(d * NANO + 0.5);
      return 0;
    }
  if (s == NULL || !isdigit ((unsigned char)(*s == '.' ? s[1] : *s)))
    return -1;
  for (p = s; isdigit ((unsigned char)*p); p++)
    whole = whole > INT64_MAX / 100 ? INT64_MAX / 100 : whole * 10 + *p - '0';
  if (*p == '.')
    for (p++; isdigit ((unsigned char)*p); p++, scale /= 10)
      frac += (*p - '0') * scale;
  if (*p != '\0')
    return -1;
  *out = whole > INT64_MAX / NANO ? INT64_MAX : whole * NANO + frac;
  return 0;
}

/* obj[k1][k2]..., or NULL when a step is missing or not a map. */
static json_t *
dig (json_t *obj, const char *const *path)
{
  for (; *path && obj; path++)
    obj = json_is_object (obj) ? json_object_get (obj, *path) : NULL;
  return obj;
}

static bool
has_prefix_ci (const char *s, const char *prefix)
{
  return strncasecmp (s, prefix, strlen (prefix)) == 0;
}

/* Allowlists compare exactly, as the engine does: a value it would read
 * differently is not on the list.  Denylists ignore case, so that a
 * spelling the engine might accept is not let through. */
static bool
in_list (const char *const *list, const char *s)
{
  for (; list && *list; list++)
    if (strcmp (*list, s) == 0)
      return true;
  return false;
}

static bool
in_list_ci (const char *const *list, const char *s)
{
  for (; list && *list; list++)
    if (strcasecmp (*list, s) == 0)
      return true;
  return false;
}

/* --- service keys: presence and flags ---------------------------------- */

struct svc_check
{
  const char *key;
  const char *rule;
  void (*fn) (struct chk *c, const struct svc_check *k, json_t *v,
              const struct loc *at);
};

/* Keys refused whatever their value. */
static void
check_present (struct chk *c, const struct svc_check *k, json_t *v,
               const struct loc *at)
{
  if (json_is_object (v) || json_is_array (v))
    add (c, k->rule, at, "`%s` is set", k->key);
  else
    add (c, k->rule, at, "`%s: %s`", k->key, quote_value (v).s);
}

/* Booleans refused when true. */
static void
check_true (struct chk *c, const struct svc_check *k, json_t *v,
            const struct loc *at)
{
  enum tri t = bool_of (v);

  if (t == T_TRUE)
    add (c, k->rule, at, "`%s: %s`", k->key, quote_value (v).s);
  else if (t == T_BAD)
    add (c, k->rule, at, "`%s` must be a boolean, not `%s`", k->key,
         quote_value (v).s);
}

static void
check_read_only (struct chk *c, const struct svc_check *k, json_t *v,
                 const struct loc *at)
{
  enum tri t = bool_of (v);

  if (t == T_FALSE)
    add (c, k->rule, at, "`read_only: %s` leaves the root filesystem writable",
         quote_value (v).s);
  else if (t == T_BAD)
    add (c, k->rule, at, "`read_only` must be a boolean, not `%s`",
         quote_value (v).s);
}

/* Strings allowed only from a short list. */
static void
check_one_of (struct chk *c, const struct svc_check *k, json_t *v,
              const struct loc *at, const char *const *allowed)
{
  const char *s = str_of (v);

  if (s == NULL)
    add (c, k->rule, at, "`%s` must be a string, not %s", k->key,
         type_name (v));
  else if (!in_list (allowed, s))
    add (c, k->rule, at, "`%s: %s`", k->key, quote (s).s);
}

/* `none` and `private` keep the IPC namespace to the container. */
static void
check_ipc (struct chk *c, const struct svc_check *k, json_t *v,
           const struct loc *at)
{
  static const char *const ok[] = { "private", "none", NULL };

  check_one_of (c, k, v, at, ok);
}

static void
check_cgroup (struct chk *c, const struct svc_check *k, json_t *v,
              const struct loc *at)
{
  static const char *const ok[] = { "private", NULL };

  check_one_of (c, k, v, at, ok);
}

/* runc is the engine's default; others only from the operator's list. */
static void
check_runtime (struct chk *c, const struct svc_check *k, json_t *v,
               const struct loc *at)
{
  const char *s = str_of (v);

  if (s == NULL)
    add (c, k->rule, at, "`runtime` must be a string, not %s", type_name (v));
  else if (strcmp (s, "runc") != 0 && !in_list (c->cfg->runtime_allow, s))
    add (c, k->rule, at, "`runtime: %s` is not an allowed runtime",
         quote (s).s);
}

static void
check_pull_policy (struct chk *c, const struct svc_check *k, json_t *v,
                   const struct loc *at)
{
  const char *s = str_of (v);

  if (s == NULL)
    add (c, k->rule, at, "`pull_policy` must be a string, not %s",
         type_name (v));
  else if (strcasecmp (s, "build") == 0)
    add (c, k->rule, at, "`pull_policy: %s` builds the image on the host",
         quote (s).s);
}

static void
check_oom_score (struct chk *c, const struct svc_check *k, json_t *v,
                 const struct loc *at)
{
  int64_t n;

  if (int_of (v, &n) != 0)
    add (c, k->rule, at, "`oom_score_adj` must be an integer, not `%s`",
         quote_value (v).s);
  else if (n < 0)
    add (c, k->rule, at, "`oom_score_adj: %" PRId64 "` is negative", n);
}

static void
check_shm (struct chk *c, const struct svc_check *k, json_t *v,
           const struct loc *at)
{
  int64_t n;

  if (bytes_of (v, &n) != 0 || n < 0)
    add (c, k->rule, at, "`shm_size: %s` is not a size", quote_value (v).s);
  else if (n > SHM_MAX)
    add (c, k->rule, at, "`shm_size: %s` is above %s", quote_value (v).s,
         show_bytes (SHM_MAX).s);
}

/* cpu_shares is a relative weight: above the default it takes CPU from
 * every other tenant under contention. */
static void
check_cpu_shares (struct chk *c, const struct svc_check *k, json_t *v,
                  const struct loc *at)
{
  int64_t n;

  if (int_of (v, &n) != 0)
    add (c, k->rule, at, "`cpu_shares` must be an integer, not `%s`",
         quote_value (v).s);
  else if (n > CPU_SHARES_MAX)
    add (c, k->rule, at,
         "`cpu_shares: %" PRId64 "` is above the default weight %d", n,
         CPU_SHARES_MAX);
}

/* One container per service: counts above 1 and swarm modes that run
 * more are refused. */
static void
check_count (struct chk *c, const char *rule, const char *key, json_t *v,
             const struct loc *at)
{
  int64_t n;

  if (int_of (v, &n) != 0 || n < 0)
    add (c, rule, at, "`%s` must be a non-negative integer, not `%s`", key,
         quote_value (v).s);
  else if (n > 1)
    add (c, rule, at, "`%s: %" PRId64 "` runs more than one container", key, n);
}

static void
check_scale (struct chk *c, const struct svc_check *k, json_t *v,
             const struct loc *at)
{
  check_count (c, k->rule, k->key, v, at);
}

/* --- users and groups (CFP-HC-12, 13, 02) ----------------------------- */

/* What is wrong with one side of `user` ("1000", "root", ""), or NULL.
 * A name resolves through the image's /etc/passwd, which can map it to 0,
 * so only numbers can be judged here. */
static const char *
id_problem (const char *s, const char *what)
{
  if (*s == '\0')
    return "names no id";
  if (strcasecmp (s, "root") == 0)
    return "is root";
  if (!str_is_digits (s))
    return strcmp (what, "user") == 0
               ? "is a name, which the image may map to uid 0"
               : "is a group name, which the image may map to gid 0";
  if (strspn (s, "0") == strlen (s))
    return "is root";
  if (strlen (s) > 10 || strtoll (s, NULL, 10) > ID_MAX)
    return "is not a valid id";
  return NULL;
}

/* NULL when `user` names a numeric non-root uid and, if any, gid. */
static const char *
user_problem (json_t *v)
{
  const char *s = str_of (v), *colon, *why;
  char uid[32];

  if (json_is_integer (v))
    {
      int64_t n = json_integer_value (v);
      return n == 0                ? "is root"
             : n < 0 || n > ID_MAX ? "is not a valid id"
                                   : NULL;
    }
  if (s == NULL)
    return "must be a string or an integer";
  colon = strchr (s, ':');
  if (colon == NULL)
    return id_problem (s, "user");
  if ((size_t)(colon - s) >= sizeof uid)
    return "is not a valid id";
  memcpy (uid, s, (size_t)(colon - s));
  uid[colon - s] = '\0';
  why = id_problem (uid, "user");
  return why ? why : id_problem (colon + 1, "group");
}

static void
check_user (struct chk *c, const struct svc_check *k, json_t *v,
            const struct loc *at)
{
  const char *why = user_problem (v);

  if (why != NULL)
    add (c, k->rule, at, "`user: %s` %s", quote_value (v).s, why);
}

static const char *
group_problem (json_t *g)
{
  const char *s = str_of (g);
  int64_t n;

  if (json_is_integer (g))
    {
      n = json_integer_value (g);
      return n == 0                ? "is root"
             : n < 0 || n > ID_MAX ? "is not a valid id"
                                   : NULL;
    }
  return s ? id_problem (s, "group") : "must be a string or an integer";
}

static void
check_group_add (struct chk *c, const struct svc_check *k, json_t *v,
                 const struct loc *at)
{
  const char *why;
  size_t i;
  json_t *g;

  if (!json_is_array (v))
    {
      add (c, k->rule, at, "`group_add` must be a list, not %s", type_name (v));
      return;
    }
  json_array_foreach (v, i, g)
  {
    const struct loc gp = LOC_IDX (at, i);

    if ((why = group_problem (g)) != NULL)
      add (c, k->rule, &gp, "`group_add` entry `%s` %s", quote_value (g).s,
           why);
  }
}

/* Hooks run commands in the container with their own user and privilege;
 * with neither they inherit the service's, which the other rules check. */
static void
check_hooks (struct chk *c, const struct svc_check *k, json_t *v,
             const struct loc *at)
{
  size_t i;
  json_t *h;

  if (!json_is_array (v))
    {
      add (c, k->rule, at, "`%s` must be a list, not %s", k->key,
           type_name (v));
      return;
    }
  json_array_foreach (v, i, h)
  {
    const struct loc hp = LOC_IDX (at, i);
    const struct loc pp = LOC_KEY (&hp, "privileged");
    const struct loc up = LOC_KEY (&hp, "user");
    json_t *priv = json_object_get (h, "privileged");
    json_t *user = json_object_get (h, "user");
    const char *why;

    if (!json_is_object (h))
      {
        add (c, k->rule, &hp, "`%s` entries must be maps, not %s", k->key,
             type_name (h));
        continue;
      }
    add (c, "CFP-HC-60", &hp, "`%s` hook", k->key);
    if (priv && !json_is_null (priv) && bool_of (priv) != T_FALSE)
      add (c, k->rule, &pp, "`%s` hook with `privileged: %s`", k->key,
           quote_value (priv).s);
    if (user && !json_is_null (user) && (why = user_problem (user)))
      add (c, k->rule, &up, "`%s` hook with `user: %s`: it %s", k->key,
           quote_value (user).s, why);
  }
}

/* --- capabilities and security options (CFP-HC-04 to 11) -------------- */

/* "CAP_NET_ADMIN", "net_admin" and "Cap_Net_Admin" name one capability. */
static const char *
cap_name (const char *s)
{
  return has_prefix_ci (s, "CAP_") ? s + 4 : s;
}

static bool
cap_allowed (const struct chk *c, const char *s)
{
  for (const char *const *a = c->cfg->cap_allow; a && *a; a++)
    if (strcasecmp (cap_name (*a), cap_name (s)) == 0)
      return true;
  return false;
}

static void
check_cap_add (struct chk *c, const struct svc_check *k, json_t *v,
               const struct loc *at)
{
  size_t i;
  json_t *cap;

  if (!json_is_array (v))
    {
      add (c, k->rule, at, "`cap_add` must be a list, not %s", type_name (v));
      return;
    }
  json_array_foreach (v, i, cap)
  {
    const struct loc cp = LOC_IDX (at, i);
    const char *s = str_of (cap);

    if (s == NULL)
      add (c, k->rule, &cp, "`cap_add` entries must be strings, not %s",
           type_name (cap));
    else if (!cap_allowed (c, s))
      add (c, k->rule, &cp,
           "`cap_add` entry `%s`: the operator does not allow this capability",
           quote (s).s);
  }
}

/* The rule of one security_opt entry, or NULL when it is accepted.  moby
 * splits "key=value" and the legacy "key:value"; the key decides. */
static const char *
secopt_rule (const char *s)
{
  static const struct
  {
    const char *key, *rule;
  } keys[] = {
    { "no-new-privileges", "CFP-HC-05" }, { "seccomp", "CFP-HC-06" },
    { "apparmor", "CFP-HC-07" },          { "label", "CFP-HC-08" },
    { "systempaths", "CFP-HC-09" },       { "writable-cgroups", "CFP-HC-10" },
  };
  size_t n = strcspn (s, "=:");

  if (strcmp (s, "no-new-privileges") == 0
      || strcmp (s, "no-new-privileges:true") == 0
      || strcmp (s, "no-new-privileges=true") == 0)
    return NULL;
  if (strcasecmp (s, "disable") == 0) /* old spelling of label=disable */
    return "CFP-HC-08";
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strlen (keys[i].key) == n && strncasecmp (s, keys[i].key, n) == 0)
      return keys[i].rule;
  return "CFP-HC-11";
}

static void
check_security_opt (struct chk *c, const struct svc_check *k, json_t *v,
                    const struct loc *at)
{
  const char *s, *rule;
  size_t i;
  json_t *opt;

  if (!json_is_array (v))
    {
      add (c, k->rule, at, "`security_opt` must be a list, not %s",
           type_name (v));
      return;
    }
  json_array_foreach (v, i, opt)
  {
    const struct loc op = LOC_IDX (at, i);

    if ((s = str_of (opt)) == NULL)
      add (c, k->rule, &op, "`security_opt` entries must be strings, not %s",
           type_name (opt));
    else if ((rule = secopt_rule (s)) != NULL)
      add (c, rule, &op, "`security_opt` entry `%s`%s", quote (s).s,
           strcmp (rule, "CFP-HC-05") == 0
               ? ": only `no-new-privileges:true` is accepted"
               : "");
  }
}

/* --- mounts (CFP-HC-15, 23, 24, 27) ------------------------------------ */

/* Compose reads a short-syntax source starting with '.', '/' or '~' (or
 * holding a path separator) as a host path; anything else is a volume
 * name, which must be declared at the top level. */
static bool
path_like (const char *s)
{
  return *s == '.' || *s == '/' || *s == '~' || strpbrk (s, "/\\") != NULL;
}

static bool
declared_volume (const struct chk *c, const char *name)
{
  return c->volumes && json_object_get (c->volumes, name) != NULL;
}

/* The rule refusing `source` as a volume source, or NULL. */
static const char *
source_rule (const struct chk *c, const char *source)
{
  if (strcasestr (source, "docker.sock") != NULL)
    return "CFP-HC-24";
  if (path_like (source) || !declared_volume (c, source))
    return "CFP-HC-23";
  return NULL;
}

static const char *
source_why (const char *rule)
{
  return strcmp (rule, "CFP-HC-24") == 0 ? "mounts the Docker socket"
                                         : "is a host path or a volume not "
                                           "declared under top-level `volumes`";
}

/* Propagation other than the private default lets mounts cross between
 * the host and the container. */
static bool
propagation_shared (const char *s)
{
  return strcmp (s, "private") != 0 && strcmp (s, "rprivate") != 0;
}

static bool
mode_has_propagation (const char *mode)
{
  static const char *const names[]
      = { "shared", "rshared", "slave", "rslave", NULL };
  char buf[256];

  if (strlen (mode) >= sizeof buf)
    return true; /* no real mode string is this long */
  strcpy (buf, mode);
  for (char *save = NULL, *t = strtok_r (buf, ",", &save); t;
       t = strtok_r (NULL, ",", &save))
    if (in_list_ci (names, t))
      return true;
  return false;
}

/* "SOURCE:TARGET[:MODE]", or "TARGET" alone for an anonymous volume. */
static void
check_mount_short (struct chk *c, const char *s, const struct loc *at)
{
  const char *colon = strchr (s, ':'), *mode, *rule;
  cleanup_free char *source = NULL;

  if (colon == NULL)
    return;
  source = xstrndup (s, (size_t)(colon - s));
  mode = strchr (colon + 1, ':');
  if ((rule = source_rule (c, source)) != NULL)
    add (c, rule, at, "`volumes` entry `%s`: `%s` %s", quote (s).s,
         quote (source).s, source_why (rule));
  if (mode != NULL && mode_has_propagation (mode + 1))
    add (c, "CFP-HC-27", at, "`volumes` entry `%s` sets mount propagation",
         quote (s).s);
}

static void
check_mount_tmpfs (struct chk *c, json_t *m, const struct loc *at)
{
  static const char *const path[] = { "tmpfs", "size", NULL };
  json_t *size = dig (m, path);
  struct loc sp_[PATH_DEPTH];
  const struct loc *sp = loc_path (sp_, at, path);
  int64_t n;

  /* A size above the plan (or 0, no bound) is rewritten to the plan's; only
   * a value that is no size at all is refused. */
  if (size == NULL || json_is_null (size))
    return;
  if (bytes_of (size, &n) != 0)
    add (c, "CFP-HC-15", sp, "`tmpfs.size: %s` is not a size",
         quote_value (size).s);
}

static void
check_mount_source (struct chk *c, json_t *m, const char *type,
                    const struct loc *at)
{
  json_t *v = json_object_get (m, "source");
  const struct loc sp = LOC_KEY (at, "source");
  const char *s = str_of (v), *rule;

  if (v == NULL || json_is_null (v))
    return;
  if (s == NULL)
    add (c, "CFP-HC-23", &sp,
         "`volumes` entry `source` must be a string, not %s", type_name (v));
  else if (strcmp (type, "image") == 0)
    check_image_ref (c, "`volumes` entry `source`", v, &sp);
  else if ((rule = source_rule (c, s)) != NULL)
    add (c, rule, &sp, "`volumes` entry `source: %s` %s", quote (s).s,
         source_why (rule));
}

static void
check_mount_propagation (struct chk *c, json_t *m, const struct loc *at)
{
  static const char *const path[] = { "bind", "propagation", NULL };
  json_t *prop = dig (m, path);
  struct loc pp_[PATH_DEPTH];
  const struct loc *pp = loc_path (pp_, at, path);
  const char *s = str_of (prop);

  if (prop != NULL && !json_is_null (prop)
      && (s == NULL || propagation_shared (s)))
    add (c, "CFP-HC-27", pp, "`bind.propagation: %s`", quote_value (prop).s);
}

static void
check_mount_labels (struct chk *c, json_t *m, const struct loc *at)
{
  static const char *const path[] = { "volume", "labels", NULL };
  json_t *labels = dig (m, path);
  struct loc lp_[PATH_DEPTH];
  const struct loc *lp = loc_path (lp_, at, path);

  if (labels != NULL && !json_is_null (labels))
    check_labels (c, labels, lp);
}

/* The long syntax: `type` decides.  `volume` sources must be declared,
 * `image` sources pass the registry allowlist, and `bind`, `npipe` and
 * `cluster` reach the host. */
static void
check_mount_long (struct chk *c, json_t *m, const struct loc *at)
{
  static const char *const ok[] = { "volume", "tmpfs", "image", NULL };
  json_t *t = json_object_get (m, "type");
  const char *type = str_of (t);
  const char *src = str_of (json_object_get (m, "source"));

  if (type != NULL && in_list (ok, type))
    {
      if (strcmp (type, "tmpfs") != 0) /* the engine refuses a source */
        check_mount_source (c, m, type, at);
    }
  else if (src != NULL && strcasestr (src, "docker.sock") != NULL)
    add (c, "CFP-HC-24", at,
         "`volumes` entry of `type: %s` mounts the Docker socket",
         t ? quote_value (t).s : "(none)");
  else
    add (c, "CFP-HC-23", at,
         "`volumes` entry of `type: %s`: only volume, tmpfs and image mounts "
         "are accepted",
         t ? quote_value (t).s : "(none)");
  if (type != NULL && strcmp (type, "tmpfs") == 0)
    check_mount_tmpfs (c, m, at);
  check_mount_propagation (c, m, at);
  check_mount_labels (c, m, at);
}

static void
check_volumes (struct chk *c, const struct svc_check *k, json_t *v,
               const struct loc *at)
{
  size_t i;
  json_t *m;

  if (!json_is_array (v))
    {
      add (c, k->rule, at, "`volumes` must be a list, not %s", type_name (v));
      return;
    }
  json_array_foreach (v, i, m)
  {
    const struct loc mp = LOC_IDX (at, i);

    if (str_of (m) != NULL)
      check_mount_short (c, str_of (m), &mp);
    else if (json_is_object (m))
      check_mount_long (c, m, &mp);
    else
      add (c, k->rule, &mp, "`volumes` entries must be strings or maps, not %s",
           type_name (m));
  }
}

/* "PATH[:OPTIONS]": exec, suid and dev undo the hardening of a scratch
 * mount, and the size is bounded like a long-syntax tmpfs. */
static const char *
tmpfs_option_problem (const struct chk *c, const char *opt)
{
  static const char *const bad[] = { "exec", "suid", "dev", NULL };
  int64_t n;

  if (in_list_ci (bad, opt))
    return "allows what noexec, nosuid and nodev forbid";
  if (!has_prefix_ci (opt, "size="))
    return NULL;
  if (parse_bytes (opt + 5, &n) != 0)
    return "has a size that is not a byte count";
  return NULL; /* sizes above the plan are rewritten (CFP-HC-15) */
}

static void
check_tmpfs_one (struct chk *c, const char *s, const struct loc *at)
{
  const char *opts = strchr (s, ':'), *why = NULL;
  cleanup_free char *buf = xstrdup (opts ? opts + 1 : "");
  char *save = NULL;

  if (s[0] != '/')
    add (c, "CFP-HC-53", at, "`tmpfs` entry `%s`: the path must be absolute",
         quote (s).s);
  for (char *t = strtok_r (buf, ",", &save); t && !why;
       t = strtok_r (NULL, ",", &save))
    if ((why = tmpfs_option_problem (c, t)) != NULL)
      add (c, "CFP-HC-15", at, "`tmpfs` entry `%s`: `%s` %s", quote (s).s,
           quote (t).s, why);
}

static void
check_tmpfs (struct chk *c, const struct svc_check *k, json_t *v,
             const struct loc *at)
{
  size_t i;
  json_t *t;

  if (str_of (v) != NULL)
    {
      check_tmpfs_one (c, str_of (v), at);
      return;
    }
  if (!json_is_array (v))
    {
      add (c, k->rule, at, "`tmpfs` must be a string or a list, not %s",
           type_name (v));
      return;
    }
  json_array_foreach (v, i, t)
  {
    const struct loc tp = LOC_IDX (at, i);

    if (str_of (t) != NULL)
      check_tmpfs_one (c, str_of (t), &tp);
    else
      add (c, k->rule, &tp, "`tmpfs` entries must be strings, not %s",
           type_name (t));
  }
}

/* --- names, labels, images (CFP-HC-52, 54) ----------------------------- */

/* The platform names, routes and accounts containers with these. */
static const char *
reserved_prefix (const char *key)
{
  static const char *const prefixes[]
      = { "cfp.", "traefik.", "com.docker.compose.", NULL };

  for (const char *const *p = prefixes; *p; p++)
    if (has_prefix_ci (key, *p))
      return *p;
  return NULL;
}

static void
check_label_key (struct chk *c, const char *key, const struct loc *at)
{
  const char *prefix = reserved_prefix (key);

  if (prefix != NULL)
    add (c, "CFP-HC-52", at, "label `%s` uses the reserved prefix `%s`",
         quote (key).s, prefix);
}

/* Labels as a map or as "KEY=VALUE" strings.  Values are never quoted:
 * routing labels can carry credentials. */
static void
check_labels (struct chk *c, json_t *v, const struct loc *at)
{
  const char *key, *s;
  json_t *item;
  size_t i;

  if (json_is_object (v))
    json_object_foreach (v, key, item)
    {
      const struct loc lp = LOC_KEY (at, key);
      check_label_key (c, key, &lp);
    }
  else if (json_is_array (v))
    json_array_foreach (v, i, item)
    {
      const struct loc lp = LOC_IDX (at, i);
      cleanup_free char *k
          = (s = str_of (item)) ? xstrndup (s, strcspn (s, "=")) : NULL;
      if (k == NULL)
        add (c, "CFP-HC-52", &lp, "labels must be strings, not %s",
             type_name (item));
      else
        check_label_key (c, k, &lp);
    }
  else
    add (c, "CFP-HC-52", at, "labels must be a map or a list, not %s",
         type_name (v));
}

static void
check_service_labels (struct chk *c, const struct svc_check *k, json_t *v,
                      const struct loc *at)
{
  check_labels (c, v, at);
}

/* The registry of an image reference, as the engine resolves it: the
 * first component when it looks like a host (has '.' or ':', or is
 * localhost), else Docker Hub.  Written into `out`; -1 when `ref` is not
 * a reference at all. */
static int
image_registry (const char *ref, char *out, size_t size)
{
  const char *slash = strchr (ref, '/');
  size_t n = slash ? (size_t)(slash - ref) : 0;
  static const char chars[]
      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@+";

  if (*ref == '\0' || *ref == '/' || strspn (ref, chars) != strlen (ref)
      || n >= size)
    return -1;
  if (slash != NULL
      && (memchr (ref, '.', n) != NULL || memchr (ref, ':', n) != NULL
          || (n == 9 && strncmp (ref, "localhost", 9) == 0)))
    snprintf (out, size, "%.*s", (int)n, ref);
  else
    snprintf (out, size, "docker.io");
  if (strcasecmp (out, "index.docker.io") == 0)
    snprintf (out, size, "docker.io");
  return 0;
}

static void
check_image_ref (struct chk *c, const char *what, json_t *v,
                 const struct loc *at)
{
  const char *s = str_of (v);
  char registry[256];

  if (s == NULL)
    add (c, "CFP-HC-54", at, "%s must be a string, not %s", what,
         type_name (v));
  else if (image_registry (s, registry, sizeof registry) != 0)
    add (c, "CFP-HC-54", at, "%s `%s` is not an image reference", what,
         quote (s).s);
  else if (!in_list_ci (c->cfg->registry_allow, registry))
    add (c, "CFP-HC-54", at,
         "%s `%s` comes from `%s`, which is not an allowed registry", what,
         quote (s).s, quote (registry).s);
}

static void
check_image (struct chk *c, const struct svc_check *k, json_t *v,
             const struct loc *at)
{
  check_image_ref (c, "`image`", v, at);
}

/* --- kernel and network settings (CFP-HC-30, 44 to 47) ----------------- */

static void
check_sysctl_name (struct chk *c, const char *name, const struct loc *at)
{
  if (!compose_sysctl_safe (name))
    add (c, "CFP-HC-30", at, "sysctl `%s` is not in the safe list",
         quote (name).s);
}

/* A map of name: value, or "NAME=VALUE" strings. */
static void
check_sysctls (struct chk *c, const struct svc_check *k, json_t *v,
               const struct loc *at)
{
  const char *key, *s;
  json_t *item;
  size_t i;

  if (json_is_object (v))
    json_object_foreach (v, key, item)
    {
      const struct loc sp = LOC_KEY (at, key);
      check_sysctl_name (c, key, &sp);
    }
  else if (json_is_array (v))
    json_array_foreach (v, i, item)
    {
      const struct loc sp = LOC_IDX (at, i);
      cleanup_free char *name
          = (s = str_of (item)) ? xstrndup (s, strcspn (s, "=")) : NULL;
      if (name == NULL)
        add (c, k->rule, &sp, "`sysctls` entries must be strings, not %s",
             type_name (item));
      else
        check_sysctl_name (c, name, &sp);
    }
  else
    add (c, k->rule, at, "`sysctls` must be a map or a list, not %s",
         type_name (v));
}

/* What an IPv4 address in network order points at, or NULL. */
static const char *
ipv4_problem (const unsigned char *a)
{
  if (a[0] == 127)
    return "the loopback network";
  if (a[0] == 0)
    return "the unspecified address";
  if (a[0] == 169 && a[1] == 254)
    return "the link-local network of cloud metadata services";
  if (a[0] == 100 && a[1] == 100 && a[2] == 100 && a[3] == 200)
    return "a cloud metadata service";
  return NULL;
}

/* IPv6, including the forms that carry an IPv4 address (mapped,
 * compatible, NAT64), which reach the same place. */
static const char *
ipv6_problem (const unsigned char *a)
{
  static const unsigned char zero[12],
      mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
  static const unsigned char aws[16]
      = { 0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };

  if (memcmp (a, zero, 12) == 0 && memcmp (a + 12, zero, 3) == 0 && a[15] <= 1)
    return a[15] ? "the loopback address" : "the unspecified address";
  if (memcmp (a, zero, 12) == 0 || memcmp (a, mapped, 12) == 0
      || memcmp (a, nat64, 12) == 0)
    return ipv4_problem (a + 12);
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
    return "the link-local network";
  if (memcmp (a, aws, 16) == 0)
    return "a cloud metadata service";
  return NULL;
}

static const char *
address_problem (const char *s)
{
  unsigned char a[16];
  char buf[64];
  size_t n = strlen (s);

  if (strcasecmp (s, "host-gateway") == 0)
    return "the host";
  if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof buf)
    {
      snprintf (buf, sizeof buf, "%.*s", (int)(n - 2), s + 1);
      s = buf;
    }
  if (inet_pton (AF_INET, s, a) == 1)
    return ipv4_problem (a);
  if (inet_pton (AF_INET6, s, a) == 1)
    return ipv6_problem (a);
  return "something that is not an IP address";
}

/* `sep` is how the entry joins host and address, for the message. */
static void
check_host_address (struct chk *c, const char *host, const char *sep,
                    json_t *addr, const struct loc *at)
{
  const char *s = str_of (addr), *why;

  if (s == NULL)
    add (c, "CFP-HC-46", at,
         "`extra_hosts` address for `%s` must be a string, not %s",
         quote (host).s, type_name (addr));
  else if ((why = address_problem (s)) != NULL)
    add (c, "CFP-HC-46", at, "`extra_hosts` entry `%s%s%s` points at %s",
         quote (host).s, sep, quote (s).s, why);
}

/* "HOST=IP", or the older "HOST:IP" (IPv6 addresses have colons, so '='
 * wins when present). */
static void
check_host_entry (struct chk *c, json_t *item, const struct loc *at)
{
  const char *s = str_of (item), *sep = s ? strchr (s, '=') : NULL, *why;
  cleanup_free char *host = NULL;

  if (s != NULL && sep == NULL)
    sep = strchr (s, ':');
  if (sep == NULL)
    {
      add (c, "CFP-HC-46", at, "`extra_hosts` entry `%s` must be `HOST=IP`",
           quote_value (item).s);
      return;
    }
  host = xstrndup (s, (size_t)(sep - s));
  if ((why = address_problem (sep + 1)) != NULL)
    add (c, "CFP-HC-46", at, "`extra_hosts` entry `%s%c%s` points at %s",
         quote (host).s, *sep, quote (sep + 1).s, why);
}

static void
check_extra_hosts_map (struct chk *c, json_t *v, const struct loc *at)
{
  const char *host;
  json_t *addr, *a;
  size_t i;

  json_object_foreach (v, host, addr)
  {
    const struct loc hp = LOC_KEY (at, host);

    if (!json_is_array (addr))
      check_host_address (c, host, ": ", addr, &hp);
    else
      json_array_foreach (addr, i, a)
      {
        const struct loc ap = LOC_IDX (&hp, i);
        check_host_address (c, host, ": ", a, &ap);
      }
  }
}

static void
check_extra_hosts (struct chk *c, const struct svc_check *k, json_t *v,
                   const struct loc *at)
{
  json_t *item;
  size_t i;

  if (json_is_object (v))
    check_extra_hosts_map (c, v, at);
  else if (json_is_array (v))
    json_array_foreach (v, i, item)
    {
      const struct loc ip = LOC_IDX (at, i);
      check_host_entry (c, item, &ip);
    }
  else
    add (c, k->rule, at, "`extra_hosts` must be a map or a list, not %s",
         type_name (v));
}

/* Every published port, short or long syntax, with or without a host
 * port (without one the engine picks a random one). */
static void
check_ports (struct chk *c, const struct svc_check *k, json_t *v,
             const struct loc *at)
{
  json_t *item;
  size_t i;

  if (!json_is_array (v))
    {
      add (c, k->rule, at, "`ports` must be a list, not %s", type_name (v));
      return;
    }
  json_array_foreach (v, i, item)
  {
    const struct loc pp = LOC_IDX (at, i);
    json_t *target = json_object_get (item, "target");

    if (json_is_object (item))
      add (c, k->rule, &pp,
           "`ports` entry for container port `%s` publishes a host port",
           target ? quote_value (target).s : "(none)");
    else
      add (c, k->rule, &pp, "`ports` entry `%s` publishes a host port",
           quote_value (item).s);
  }
}

/* `networks` is refused as a whole (CFP-HC-43); fixed addresses in its
 * entries are refused on their own as well, since they stay wrong if the
 * tenant only renames the network. */
static void
check_service_networks (struct chk *c, const struct svc_check *k, json_t *v,
                        const struct loc *at)
{
  static const char *const fixed[]
      = { "ipv4_address", "ipv6_address", "link_local_ips", "mac_address" };
  const char *name;
  json_t *net;

  check_present (c, k, v, at);
  if (!json_is_object (v))
    return;
  json_object_foreach (v, name, net)
  {
    const struct loc np = LOC_KEY (at, name);

    for (size_t i = 0; json_is_object (net) && i < 4; i++)
      {
        json_t *a = json_object_get (net, fixed[i]);
        const struct loc ap = LOC_KEY (&np, fixed[i]);

        if (a != NULL && !json_is_null (a))
          add (c, "CFP-HC-44", &ap, "`networks.%s.%s: %s`", quote (name).s,
               fixed[i], quote_value (a).s);
      }
  }
}

/* --- logging, ulimits, block I/O (CFP-HC-39, 41, 57) ------------------- */

/* Only the drivers that keep logs on the host, where sizes bound them and
 * the redactor reads them. */
static void
check_logging (struct chk *c, const struct svc_check *k, json_t *v,
               const struct loc *at)
{
  static const char *const ok[] = { "json-file", "local", NULL };
  json_t *driver = json_object_get (v, "driver");
  const struct loc dp = LOC_KEY (at, "driver");
  const char *s = str_of (driver);

  if (!json_is_object (v))
    add (c, k->rule, at, "`logging` must be a map, not %s", type_name (v));
  else if (driver == NULL || json_is_null (driver))
    return;
  else if (s == NULL)
    add (c, k->rule, &dp, "`logging.driver` must be a string, not %s",
         type_name (driver));
  else if (!in_list (ok, s))
    add (c, k->rule, &dp, "`logging.driver: %s` is not json-file or local",
         quote (s).s);
}

/* The cap of one ulimit; INT64_MAX for those left alone.  rtprio and
 * nice above 0 let a process raise its own scheduling priority over
 * other tenants'. */
static int
ulimit_cap (const struct chk *c, const char *name, int64_t *cap)
{
  static const char *const known[]
      = { "as",      "core",     "cpu",        "data",   "fsize", "locks",
          "memlock", "msgqueue", "nice",       "nofile", "nproc", "rss",
          "rtprio",  "rttime",   "sigpending", "stack",  NULL };

  if (!in_list (known, name))
    return -1;
  *cap = strcmp (name, "nofile") == 0  ? NOFILE_MAX
         : strcmp (name, "nproc") == 0 ? c->cfg->plan->pids
         : strcmp (name, "rtprio") == 0 || strcmp (name, "nice") == 0
             ? 0
             : INT64_MAX;
  return 0;
}

/* -1 is "unlimited" to the engine. */
static void
check_ulimit_value (struct chk *c, const char *name, int64_t cap, json_t *v,
                    const struct loc *at)
{
  int64_t n;

  if (int_of (v, &n) != 0 || n < -1)
    add (c, "CFP-HC-39", at, "ulimit `%s: %s` is not a count", quote (name).s,
         quote_value (v).s);
  /* nofile and nproc above their caps are rewritten to the caps; raising
   * scheduling priority (rtprio, nice) has no safe rewrite. */
  else if (n >= 0
           && (strcmp (name, "nofile") == 0 || strcmp (name, "nproc") == 0))
    return;
  else if (cap != INT64_MAX && (n == -1 || n > cap))
    add (c, "CFP-HC-39", at, "ulimit `%s: %s` is %s %" PRId64, quote (name).s,
         quote_value (v).s, n == -1 ? "unlimited; the cap is" : "above", cap);
}

static void
check_ulimit (struct chk *c, const char *name, json_t *v, const struct loc *at)
{
  static const char *const sides[] = { "soft", "hard" };
  int64_t cap;

  if (ulimit_cap (c, name, &cap) != 0)
    {
      add (c, "CFP-HC-53", at, "unknown ulimit `%s`", quote (name).s);
      return;
    }
  if (!json_is_object (v))
    {
      check_ulimit_value (c, name, cap, v, at);
      return;
    }
  for (size_t i = 0; i < 2; i++)
    {
      json_t *side = json_object_get (v, sides[i]);
      const struct loc sp = LOC_KEY (at, sides[i]);

      if (side != NULL)
        check_ulimit_value (c, name, cap, side, &sp);
    }
}

static void
check_ulimits (struct chk *c, const struct svc_check *k, json_t *v,
               const struct loc *at)
{
  const char *name;
  json_t *u;

  if (!json_is_object (v))
    {
      add (c, k->rule, at, "`ulimits` must be a map, not %s", type_name (v));
      return;
    }
  json_object_foreach (v, name, u)
  {
    const struct loc up = LOC_KEY (at, name);
    check_ulimit (c, name, u, &up);
  }
}

/* `weight` alone is fine; the device entries name host block devices. */
static void
check_blkio (struct chk *c, const struct svc_check *k, json_t *v,
             const struct loc *at)
{
  static const char *const devices[]
      = { "device_read_bps", "device_read_iops", "device_write_bps",
          "device_write_iops", "weight_device" };

  if (!json_is_object (v))
    {
      add (c, k->rule, at, "`blkio_config` must be a map, not %s",
           type_name (v));
      return;
    }
  for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
    {
      json_t *d = json_object_get (v, devices[i]);
      const struct loc dp = LOC_KEY (at, devices[i]);

      if (d != NULL && !json_is_null (d))
        add (c, k->rule, &dp, "`blkio_config.%s` is set", devices[i]);
    }
}

/* --- deploy (CFP-HC-29, 42, 52, 56) ------------------------------------ */

static void
check_deploy_mode (struct chk *c, json_t *v, const struct loc *at)
{
  const char *s = str_of (v);

  if (s == NULL)
    add (c, "CFP-HC-56", at, "`deploy.mode` must be a string, not %s",
         type_name (v));
  else if (strcmp (s, "replicated") != 0)
    add (c, "CFP-HC-56", at, "`deploy.mode: %s` is not `replicated`",
         quote (s).s);
}

/* Maps that the rules below `deploy` look into: a value of another type
 * would hide what they look for. */
static bool
deploy_map (struct chk *c, json_t *v, const char *name, const struct loc *at)
{
  if (v == NULL || json_is_null (v) || json_is_object (v))
    return true;
  add (c, "CFP-HC-53", at, "`%s` must be a map, not %s", name, type_name (v));
  return false;
}

static void
check_deploy_resources (struct chk *c, json_t *res, const struct loc *at)
{
  const struct loc lp = LOC_KEY (at, "limits");
  const struct loc rp = LOC_KEY (at, "reservations");
  const struct loc dp = LOC_KEY (&rp, "devices");
  json_t *resv = json_object_get (res, "reservations");
  json_t *devices = json_object_get (resv, "devices");

  deploy_map (c, json_object_get (res, "limits"), "deploy.resources.limits",
              &lp);
  if (!deploy_map (c, resv, "deploy.resources.reservations", &rp))
    return;
  if (devices != NULL && !json_is_null (devices))
    add (c, "CFP-HC-29", &dp, "`deploy.resources.reservations.devices` is set");
}

static void
check_deploy (struct chk *c, const struct svc_check *k, json_t *v,
              const struct loc *at)
{
  const char *key;
  json_t *item;

  if (!deploy_map (c, v, "deploy", at))
    return;
  json_object_foreach (v, key, item)
  {
    const struct loc ip = LOC_KEY (at, key);

    if (json_is_null (item))
      continue;
    if (strcmp (key, "mode") == 0)
      check_deploy_mode (c, item, &ip);
    else if (strcmp (key, "replicas") == 0)
      check_count (c, "CFP-HC-56", "deploy.replicas", item, &ip);
    else if (strcmp (key, "restart_policy") == 0)
      add (c, "CFP-HC-42", &ip,
           "`deploy.restart_policy` is set; it applies to swarm only");
    else if (strcmp (key, "labels") == 0)
      check_labels (c, item, &ip);
    else if (strcmp (key, "resources") == 0
             && deploy_map (c, item, "deploy.resources", &ip))
      check_deploy_resources (c, item, &ip);
  }
}

/* --- resources against the plan (CFP-HC-31 to 34, 36) ------------------ */

static const char *const p_mem_limit[] = { "mem_limit", NULL };
static const char *const p_limits_memory[]
    = { "deploy", "resources", "limits", "memory", NULL };
static const char *const p_cpus[] = { "cpus", NULL };
static const char *const p_limits_cpus[]
    = { "deploy", "resources", "limits", "cpus", NULL };
static const char *const p_pids_limit[] = { "pids_limit", NULL };
static const char *const p_limits_pids[]
    = { "deploy", "resources", "limits", "pids", NULL };
static const char *const p_mem_reservation[] = { "mem_reservation", NULL };
static const char *const p_reservations_memory[]
    = { "deploy", "resources", "reservations", "memory", NULL };
static const char *const p_memswap_limit[] = { "memswap_limit", NULL };

static struct qbuf
dotted (const char *const *path)
{
  struct qbuf q = { "" };

  for (; *path; path++)
    snprintf (q.s + strlen (q.s), sizeof q.s - strlen (q.s), "%s%s",
              q.s[0] ? "." : "", *path);
  return q;
}

/* One explicit limit: returned when it is usable, 0 when it is absent or
 * was reported. */
static int64_t
limit_one (struct chk *c, struct amount *a, json_t *svc, const struct loc *base,
           const char *const *path)
{
  json_t *v = dig (svc, path);
  struct loc at_[PATH_DEPTH];
  const struct loc *at = loc_path (at_, base, path);
  int64_t n;

  if (v == NULL || json_is_null (v))
    return 0;
  if (a->parse (v, &n) != 0)
    add (c, a->rule, at, "`%s: %s` is not a valid %s limit", dotted (path).s,
         quote_value (v).s, a->what);
  else if (n <= 0)
    add (c, a->rule, at, "`%s: %s` does not set a %s limit", dotted (path).s,
         quote_value (v).s, a->what);
  else if (n > a->plan)
    add (c, a->rule, at,
         "`%s: %s` is above the `%s` plan's %s for the whole stack",
         dotted (path).s, quote_value (v).s, quote (c->cfg->plan->name).s,
         a->show (a->plan).s);
  else
    return n;
  return 0;
}

/* The service's explicit limit (the larger of its two spellings), added
 * to the stack's sum; the value that takes the sum past the plan is
 * reported once. */
static int64_t
limit_pair (struct chk *c, struct amount *a, json_t *svc,
            const struct loc *base, const char *const *p1,
            const char *const *p2)
{
  int64_t n1 = limit_one (c, a, svc, base, p1);
  int64_t n2 = limit_one (c, a, svc, base, p2);
  const char *const *path = n2 > n1 ? p2 : p1;
  int64_t n = n2 > n1 ? n2 : n1;
  struct loc at_[PATH_DEPTH];
  const struct loc *at = loc_path (at_, base, path);

  if (n == 0)
    return 0;
  a->sum = sat_add (a->sum, n);
  if (!a->crossed && a->sum > a->plan)
    {
      a->crossed = true;
      add (c, a->rule, at,
           "`%s: %s` takes the stack's %s limits to %s, above the `%s` plan's "
           "%s",
           dotted (path).s, quote_value (dig (svc, path)).s, a->what,
           a->show (a->sum).s, quote (c->cfg->plan->name).s,
           a->show (a->plan).s);
    }
  return n;
}

/* A reservation above the limit is rewritten (CFP-HC-33); only a value
 * that is no size is refused. */
static void
check_reservation (struct chk *c, json_t *svc, const struct loc *base,
                   const char *const *path)
{
  json_t *v = dig (svc, path);
  struct loc at_[PATH_DEPTH];
  const struct loc *at = loc_path (at_, base, path);
  int64_t n;

  if (v == NULL || json_is_null (v))
    return;
  if (bytes_of (v, &n) != 0 || n < 0)
    add (c, "CFP-HC-33", at, "`%s: %s` is not a size", dotted (path).s,
         quote_value (v).s);
}

/* Any swap request is rewritten away (CFP-HC-32): cfp sets swap equal to
 * the memory limit.  Only a value that is no size is refused. */
static void
check_memswap (struct chk *c, json_t *svc, const struct loc *base)
{
  json_t *v = dig (svc, p_memswap_limit);
  struct loc at_[PATH_DEPTH];
  const struct loc *at = loc_path (at_, base, p_memswap_limit);
  int64_t n;

  if (v == NULL || json_is_null (v))
    return;
  if (bytes_of (v, &n) != 0 || n < -1)
    add (c, "CFP-HC-32", at, "`memswap_limit: %s` is not a size",
         quote_value (v).s);
}

static void
check_resources (struct chk *c, json_t *svc, const struct loc *base)
{
  limit_pair (c, &c->mem, svc, base, p_mem_limit, p_limits_memory);
  limit_pair (c, &c->cpu, svc, base, p_cpus, p_limits_cpus);
  limit_pair (c, &c->pids, svc, base, p_pids_limit, p_limits_pids);
  check_reservation (c, svc, base, p_mem_reservation);
  check_reservation (c, svc, base, p_reservations_memory);
  check_memswap (c, svc, base);
}

/* --- services ---------------------------------------------------------- */

#define PRESENT(key, rule)                                                     \
  {                                                                            \
    key, rule, check_present                                                   \
  }

/* Service keys with a rule, in the order of the catalogue.  Keys not here
 * are either harmless or left to the rewrite. */
static const struct svc_check service_checks[] = {
  { "privileged", "CFP-HC-01", check_true },
  { "post_start", "CFP-HC-02", check_hooks },
  { "pre_stop", "CFP-HC-02", check_hooks },
  { "cap_add", "CFP-HC-04", check_cap_add },
  { "security_opt", "CFP-HC-11", check_security_opt },
  { "user", "CFP-HC-12", check_user },
  { "group_add", "CFP-HC-13", check_group_add },
  { "read_only", "CFP-HC-14", check_read_only },
  { "tmpfs", "CFP-HC-15", check_tmpfs },
  PRESENT ("network_mode", "CFP-HC-16"),
  PRESENT ("pid", "CFP-HC-17"),
  { "ipc", "CFP-HC-18", check_ipc },
  PRESENT ("uts", "CFP-HC-19"),
  PRESENT ("userns_mode", "CFP-HC-20"),
  { "cgroup", "CFP-HC-21", check_cgroup },
  PRESENT ("cgroup_parent", "CFP-HC-22"),
  { "volumes", "CFP-HC-23", check_volumes },
  { "use_api_socket", "CFP-HC-24", check_true },
  PRESENT ("links", "CFP-HC-28"),
  PRESENT ("external_links", "CFP-HC-28"),
  PRESENT ("volumes_from", "CFP-HC-28"),
  PRESENT ("devices", "CFP-HC-29"),
  PRESENT ("device_cgroup_rules", "CFP-HC-29"),
  PRESENT ("gpus", "CFP-HC-29"),
  { "sysctls", "CFP-HC-30", check_sysctls },
  { "cpu_shares", "CFP-HC-34", check_cpu_shares },
  PRESENT ("cpu_rt_runtime", "CFP-HC-37"),
  PRESENT ("cpu_rt_period", "CFP-HC-37"),
  PRESENT ("cpuset", "CFP-HC-37"),
  PRESENT ("cpu_period", "CFP-HC-37"),
  PRESENT ("cpu_quota", "CFP-HC-37"),
  PRESENT ("cpu_count", "CFP-HC-37"),
  PRESENT ("cpu_percent", "CFP-HC-37"),
  { "oom_kill_disable", "CFP-HC-38", check_true },
  { "oom_score_adj", "CFP-HC-38", check_oom_score },
  { "ulimits", "CFP-HC-39", check_ulimits },
  { "shm_size", "CFP-HC-40", check_shm },
  PRESENT ("storage_opt", "CFP-HC-40"),
  { "logging", "CFP-HC-41", check_logging },
  { "networks", "CFP-HC-43", check_service_networks },
  PRESENT ("mac_address", "CFP-HC-44"),
  { "ports", "CFP-HC-45", check_ports },
  { "extra_hosts", "CFP-HC-46", check_extra_hosts },
  PRESENT ("dns", "CFP-HC-47"),
  { "runtime", "CFP-HC-48", check_runtime },
  PRESENT ("isolation", "CFP-HC-49"),
  PRESENT ("credential_spec", "CFP-HC-49"),
  PRESENT ("build", "CFP-HC-50"),
  PRESENT ("provider", "CFP-HC-50"),
  PRESENT ("develop", "CFP-HC-50"),
  PRESENT ("env_file", "CFP-HC-50"),
  PRESENT ("label_file", "CFP-HC-50"),
  PRESENT ("extends", "CFP-HC-50"),
  PRESENT ("secrets", "CFP-HC-50"),
  PRESENT ("configs", "CFP-HC-50"),
  PRESENT ("models", "CFP-HC-50"),
  { "pull_policy", "CFP-HC-50", check_pull_policy },
  PRESENT ("container_name", "CFP-HC-52"),
  { "labels", "CFP-HC-52", check_service_labels },
  { "image", "CFP-HC-54", check_image },
  { "scale", "CFP-HC-56", check_scale },
  { "deploy", "CFP-HC-56", check_deploy },
  { "blkio_config", "CFP-HC-57", check_blkio },
};

static const struct svc_check *
service_check_find (const char *key)
{
  for (size_t i = 0; i < sizeof service_checks / sizeof service_checks[0]; i++)
    if (strcmp (service_checks[i].key, key) == 0)
      return &service_checks[i];
  return NULL;
}

/* Keys in document order, then the limits, which need several keys. */
/* expose: container ports, "8080" or "8080/tcp" (cfp routes TCP only). */
static void
check_expose (struct chk *c, json_t *v, const struct loc *base)
{
  const struct loc at = LOC_KEY (base, "expose");
  size_t i;
  json_t *p;

  if (v == NULL || json_is_null (v))
    return;
  if (!json_is_array (v))
    {
      add (c, "CFP-HC-53", &at, "`expose` must be a list of ports");
      return;
    }
  json_array_foreach (v, i, p)
  {
    const struct loc pl = LOC_IDX (&at, i);
    json_int_t n = json_integer_value (p);
    const char *s = json_string_value (p);
    char *end = NULL;

    if (s != NULL)
      n = strtol (s, &end, 10);
    if (n < 1 || n > 65535
        || (s != NULL && (end == s || (*end && strcmp (end, "/tcp") != 0))))
      add (c, "CFP-HC-53", &pl, "`expose` entry %zu is not a TCP port", i + 1);
  }
}

/* What a deploy needs of every service, said here so that a file that
 * passes the check also deploys: an image, and absolute paths. */
static void
check_deployable (struct chk *c, json_t *svc, const struct loc *base)
{
  json_t *image = json_object_get (svc, "image");
  json_t *wd = json_object_get (svc, "working_dir");
  const struct loc wl = LOC_KEY (base, "working_dir");

  if (image == NULL || json_is_null (image))
    add (c, "CFP-HC-53", base,
         "`image` is required: cfp deploys prebuilt images only");
  if (json_is_string (wd) && json_string_value (wd)[0] != '/')
    add (c, "CFP-HC-53", &wl, "`working_dir` must be an absolute path");
  check_expose (c, json_object_get (svc, "expose"), base);
}

static void
check_service (struct chk *c, json_t *svc, const struct loc *base)
{
  const struct svc_check *k;
  const char *key;
  size_t len;
  json_t *v;

  if (!json_is_object (svc))
    {
      add (c, "CFP-HC-53", base, "service `%s` must be a map, not %s",
           quote (c->svc).s, type_name (svc));
      return;
    }
  json_object_keylen_foreach (svc, key, len, v)
  {
    const struct loc at = LOC_KEY (base, key);

    if (len == strlen (key) && !json_is_null (v)
        && (k = service_check_find (key)) != NULL)
      k->fn (c, k, v, &at);
  }
  check_resources (c, svc, base);
  check_deployable (c, svc, base);
}

static void
check_services (struct chk *c, json_t *services, const struct loc *at)
{
  const char *name;
  json_t *svc;

  if (!json_is_object (services))
    {
      add (c, "CFP-HC-53", at, "`services` must be a map, not %s",
           type_name (services));
      return;
    }
  json_object_foreach (services, name, svc)
  {
    const struct loc sp = LOC_KEY (at, name);

    c->svc = name;
    check_service (c, svc, &sp);
    c->svc = NULL;
  }
}

/* --- top level (CFP-HC-25, 26, 43, 50, 52) ----------------------------- */

/* A top-level definition: what its section is called and which rule
 * refuses a section that is not a map. */
struct section
{
  const char *key;  /* "volumes" */
  const char *kind; /* "volume" */
  const char *rule;
  void (*fn) (struct chk *c, const struct section *sec, const char *name,
              json_t *def, const struct loc *at);
};

/* `external` in any form other than false names a volume or network of
 * someone else; so does `name`, which replaces the stack-scoped name the
 * engine would give it. */
static void
check_foreign (struct chk *c, const struct section *sec, const char *name,
               json_t *def, const struct loc *at)
{
  json_t *ext = json_object_get (def, "external");
  json_t *real = json_object_get (def, "name");
  const struct loc ext_at = LOC_KEY (at, "external");
  const struct loc name_at = LOC_KEY (at, "name");

  if (ext != NULL && !json_is_null (ext) && bool_of (ext) != T_FALSE)
    add (c, "CFP-HC-26", &ext_at, "%s `%s` has `external: %s`", sec->kind,
         quote (name).s, quote_value (ext).s);
  if (real != NULL && !json_is_null (real))
    add (c, "CFP-HC-26", &name_at,
         "%s `%s` has `name: %s`, a name outside the stack", sec->kind,
         quote (name).s, quote_value (real).s);
}

static void
check_labels_of (struct chk *c, json_t *def, const struct loc *at)
{
  json_t *labels = json_object_get (def, "labels");
  const struct loc labels_at = LOC_KEY (at, "labels");

  if (labels != NULL && !json_is_null (labels))
    check_labels (c, labels, &labels_at);
}

static void
check_volume_def (struct chk *c, const struct section *sec, const char *name,
                  json_t *def, const struct loc *at)
{
  static const char *const driver[] = { "driver", "driver_opts" };

  if (json_is_null (def))
    return;
  if (!json_is_object (def))
    {
      add (c, "CFP-HC-53", at, "volume `%s` must be a map, not %s",
           quote (name).s, type_name (def));
      return;
    }
  for (size_t i = 0; i < 2; i++)
    {
      json_t *d = json_object_get (def, driver[i]);
      const struct loc d_at = LOC_KEY (at, driver[i]);

      if (d != NULL && !json_is_null (d))
        add (c, "CFP-HC-25", &d_at, "volume `%s` sets `%s`", quote (name).s,
             driver[i]);
    }
  check_foreign (c, sec, name, def, at);
  check_labels_of (c, def, at);
}

static void
check_network_def (struct chk *c, const struct section *sec, const char *name,
                   json_t *def, const struct loc *at)
{
  add (c, sec->rule, at, "network `%s` is declared", quote (name).s);
  if (!json_is_object (def))
    return;
  check_foreign (c, sec, name, def, at);
  check_labels_of (c, def, at);
}

/* Secrets, configs and models read host files, the control plane's
 * environment or host accelerators. */
static void
check_file_def (struct chk *c, const struct section *sec, const char *name,
                json_t *def, const struct loc *at)
{
  add (c, sec->rule, at, "top-level %s `%s` is declared", sec->kind,
       quote (name).s);
}

static const struct section sections[] = {
  { "volumes", "volume", "CFP-HC-53", check_volume_def },
  { "networks", "network", "CFP-HC-43", check_network_def },
  { "secrets", "secret", "CFP-HC-50", check_file_def },
  { "configs", "config", "CFP-HC-50", check_file_def },
  { "models", "model", "CFP-HC-50", check_file_def },
};

static void
check_section (struct chk *c, const struct section *sec, json_t *defs,
               const struct loc *at)
{
  const char *name;
  json_t *def;

  if (!json_is_object (defs))
    {
      add (c, sec->rule, at, "`%s` must be a map, not %s", sec->key,
           type_name (defs));
      return;
    }
  json_object_foreach (defs, name, def)
  {
    const struct loc def_at = LOC_KEY (at, name);
    sec->fn (c, sec, name, def, &def_at);
  }
}

static void
check_top_key (struct chk *c, const char *key, json_t *v, const struct loc *at)
{
  if (strcmp (key, "services") == 0)
    check_services (c, v, at);
  else if (strcmp (key, "include") == 0)
    add (c, "CFP-HC-50", at, "`include` is set");
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
    if (strcmp (key, sections[i].key) == 0)
      check_section (c, &sections[i], v, at);
}

static void
check_top (struct chk *c, json_t *root)
{
  const char *key;
  size_t len;
  json_t *v;

  json_object_keylen_foreach (root, key, len, v)
  {
    const struct loc at = LOC_KEY (NULL, key);

    if (!json_is_null (v) && len == strlen (key))
      check_top_key (c, key, v, &at);
  }
}

/* --- keys (CFP-HC-53) -------------------------------------------------- */

static void walk_object (struct chk *c, json_t *obj, const struct keys_table *t,
                         const struct loc *at);

/* Names of services, volumes, networks... as the specification's
 * pattern has them, and no longer than the engine's names. */
static bool
name_ok (const char *s)
{
  static const char chars[]
      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
  size_t n = strlen (s);

  return n > 0 && n <= SERVICE_MAX && strspn (s, chars) == n;
}

static void
walk_members (struct chk *c, json_t *v, const struct keys_key *k, bool top,
              const struct loc *at)
{
  const char *name;
  json_t *m;

  json_object_foreach (v, name, m)
  {
    const struct loc mp = LOC_KEY (at, name);

    if (k->child == &keys_service)
      c->svc = name;
    if (top && !name_ok (name))
      add (c, "CFP-HC-53", &mp,
           "`%s` name `%s` must be 1 to 255 letters, digits, `.`, `_` or `-`",
           k->name, quote (name).s);
    if (json_is_object (m))
      walk_object (c, m, k->child, &mp);
    c->svc = NULL;
  }
}

static void
walk_value (struct chk *c, json_t *v, const struct keys_key *k, bool top,
            const struct loc *at)
{
  json_t *item;
  size_t i;

  if (k->walk == KEYS_OBJECT && json_is_object (v))
    walk_object (c, v, k->child, at);
  else if (k->walk == KEYS_MEMBERS && json_is_object (v))
    walk_members (c, v, k, top, at);
  else if (k->walk == KEYS_ITEMS && json_is_array (v))
    json_array_foreach (v, i, item)
    {
      const struct loc ip = LOC_IDX (at, i);
      if (json_is_object (item))
        walk_object (c, item, k->child, &ip);
    }
}

/* `x-*` keys: the specification allows them almost everywhere, cfp only
 * where Compose documents them (top level and services) and only when
 * the operator has not turned them off. */
static void
check_extension (struct chk *c, const struct keys_table *t, const char *key,
                 const struct loc *at)
{
  if (t != &keys_top && t != &keys_service)
    add (c, "CFP-HC-53", at,
         "extension key `%s` in %s: extensions are accepted at the top level "
         "and in services only",
         quote (key).s, t->name);
  else if (!c->cfg->allow_extensions)
    add (c, "CFP-HC-53", at, "extension key `%s`: extensions are turned off",
         quote (key).s);
}

static void
walk_object (struct chk *c, json_t *obj, const struct keys_table *t,
             const struct loc *at)
{
  const struct keys_key *k;
  const char *key;
  size_t len;
  json_t *v;

  json_object_keylen_foreach (obj, key, len, v)
  {
    const struct loc kp = LOC_KEY (at, key);

    if (len != strlen (key))
      continue; /* reported by scan_nul_keys() */
    if ((k = keys_find (t, key)) != NULL)
      walk_value (c, v, k, t == &keys_top, &kp);
    else if (strncmp (key, "x-", 2) == 0)
      check_extension (c, t, key, &kp);
    else
      add (c, "CFP-HC-53", &kp, "unknown key `%s` in %s", quote (key).s,
           t->name);
  }
}

/* A key with a NUL byte reads as a shorter key to every strcmp() here
 * ("privileged\0x" as "privileged") while the engine reads all of it, so
 * any such key anywhere refuses the document.  Depth is bounded by the
 * loader; MAX_DEPTH only guards against a tree built some other way. */
static void
scan_nul_keys (struct chk *c, json_t *v, const struct loc *at, int depth)
{
  const char *key;
  size_t len, i;
  json_t *item;

  if (depth > MAX_DEPTH)
    return;
  json_object_keylen_foreach (v, key, len, item)
  {
    const struct loc kp = LOC_KEY (at, key);

    if (len != strlen (key))
      add (c, "CFP-HC-53", &kp, "key `%s` holds a NUL byte", quote (key).s);
    scan_nul_keys (c, item, &kp, depth + 1);
  }
  json_array_foreach (v, i, item)
  {
    const struct loc ip = LOC_IDX (at, i);
    scan_nul_keys (c, item, &ip, depth + 1);
  }
}

/* --- entry points ------------------------------------------------------ */

static int
hit_cmp (const void *a, const void *b)
{
  const struct hit *x = a, *y = b;

  if (x->f.pos.line != y->f.pos.line)
    return x->f.pos.line < y->f.pos.line ? -1 : 1;
  if (x->f.pos.col != y->f.pos.col)
    return x->f.pos.col < y->f.pos.col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
finding_free (struct pol_finding *f)
{
  free (f->pointer);
  free (f->service);
  free (f->message);
}

static void
amount_init (struct amount *a, const char *rule, const char *what,
             int (*parse) (json_t *, int64_t *), struct qbuf (*show) (int64_t),
             int64_t plan)
{
  *a = (struct amount){
    .rule = rule, .what = what, .parse = parse, .show = show, .plan = plan
  };
}

static void
check_document (struct chk *c)
{
  json_t *root = c->doc->root;
  json_t *volumes = json_object_get (root, "volumes");

  if (!json_is_object (root))
    {
      add (c, "CFP-HC-53", NULL, "the document must be a map, not %s",
           type_name (root));
      return;
    }
  c->volumes = json_is_object (volumes) ? volumes : NULL;
  scan_nul_keys (c, root, NULL, 0);
  walk_object (c, root, &keys_top, NULL);
  check_top (c, root);
}

int
pol_check (const struct cmp_doc *doc, const struct pol_config *cfg,
           struct pol_result *out, struct cfp_err *err)
{
  struct chk c = { .doc = doc, .cfg = cfg };
  const struct plan *plan = cfg->plan;

  if (plan == NULL || doc->root == NULL)
    return cfp_err_set (err, CFP_E_INVALID, "policy check of `%s`: no %s",
                        doc->file ? doc->file : "-",
                        plan ? "document" : "plan");
  amount_init (&c.mem, "CFP-HC-31", "memory", bytes_of, show_bytes,
               plan->memory);
  amount_init (&c.cpu, "CFP-HC-34", "CPU", nanocpus_of, show_cpus,
               plan->nano_cpus);
  amount_init (&c.pids, "CFP-HC-36", "pids", int_of, show_count, plan->pids);
  check_document (&c);
  if (c.over)
    {
      for (size_t i = 0; i < c.n; i++)
        finding_free (&c.hits[i].f);
      free (c.hits);
      return cfp_err_set (
          err, CFP_E_LIMIT,
          "%s: more than %d policy findings (limit); fix these first",
          doc->file ? doc->file : "-", MAX_FINDINGS);
    }
  if (c.n > 0)
    {
      qsort (c.hits, c.n, sizeof *c.hits, hit_cmp);
      out->findings = xrealloc (out->findings, (out->n_findings + c.n)
                                                   * sizeof *out->findings);
    }
  for (size_t i = 0; i < c.n; i++)
    out->findings[out->n_findings++] = c.hits[i].f;
  if (out->file == NULL && doc->file != NULL)
    out->file = xstrdup (doc->file);
  free (c.hits);
  return 0;
}

void
pol_config_default (struct pol_config *cfg, const struct plan *plan)
{
  static const char *const none[] = { NULL };
  static const char *const registries[] = { "docker.io", "ghcr.io", NULL };

  *cfg = (struct pol_config){
    .plan = plan,
    .cap_allow = none,
    .runtime_allow = none,
    .registry_allow = registries,
    .allow_extensions = true,
  };
}

void
pol_result_free (struct pol_result *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n_findings; i++)
    finding_free (&r->findings[i]);
  for (size_t i = 0; i < r->n_patches; i++)
    {
      free (r->patches[i].op);
      free (r->patches[i].pointer);
      json_decref (r->patches[i].value);
    }
  free (r->findings);
  free (r->patches);
  free (r->file);
  *r = (struct pol_result){ 0 };
}
