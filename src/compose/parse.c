/* Compose file -> struct cmp_stack.
 *
 * yaml.c loads the document under the limits of compose.h (size, nodes
 * and depth with aliases expanded, one document, standard tags only, no
 * duplicate keys) and resolves anchors, aliases and `<<` merge keys; the
 * resolved document is converted here key by key through tables of
 * handlers.  Every key not in a table is an error: a tenant file that says
 * something cfp does not understand must not deploy as if it had not said
 * it.
 *
 * The model is filled in place, so a failure at any point leaves a
 * partial model that compose_free() releases. */
#include "compose/compose.h"

#include <ctype.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "compose/yaml.h"
#include "core/util.h"

#define MIB (1024 * 1024)
#define MIN_MEMORY_MIB 4
#define MAX_DURATION_MS (24LL * 3600 * 1000)
#define MAX_PIDS 4194304
#define MAX_RETRIES 100

struct pctx
{
  const char *file;
  const struct cmp_params *params;
  struct cfp_err *err;
  struct cmp_stack *st;
  struct fy_node *services;                 /* top-level `services` */
  struct fy_node *volumes;                  /* top-level `volumes` */
  struct cmp_pos services_pos, volumes_pos; /* their keys */
  const char *svc;       /* service being parsed, NULL at top level */
  struct cmp_pos keypos; /* the key being handled */
  char path[128];        /* its dotted path, for messages */
  char raw[100];
};

/* A key of a mapping: its handler, or NULL and a reason for refusing it. */
struct field
{
  const char *name;
  int (*fn) (struct pctx *c, struct fy_node *v, void *obj);
  const char *hint;
};

/* --- positions and messages ------------------------------------------ */

/* Messages are one line: control characters from user text become '?'. */
static void
flatten (char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      *s = '?';
}

static int __attribute__ ((format (printf, 3, 0)))
vreport (struct pctx *c, struct cmp_pos pos, const char *fmt, va_list ap)
{
  char msg[CFP_ERR_MAX];
  char where[64] = "";

  vsnprintf (msg, sizeof msg, fmt, ap);
  if (pos.line > 0)
    snprintf (where, sizeof where, ":%u:%u", pos.line, pos.col);
  cfp_err_set (c->err, CFP_E_INVALID, "%s%s: %s%s%s%s", c->file, where,
               c->svc ? "service `" : "", c->svc ? c->svc : "",
               c->svc ? "`: " : "", msg);
  flatten (c->err->msg);
  return -CFP_E_INVALID;
}

static int __attribute__ ((format (printf, 3, 4)))
report (struct pctx *c, struct cmp_pos pos, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start (ap, fmt);
  rc = vreport (c, pos, fmt, ap);
  va_end (ap);
  return rc;
}

/* Reports at node `n`, or at the current key when `n` has no position. */
static int __attribute__ ((format (printf, 3, 4)))
fail (struct pctx *c, struct fy_node *n, const char *fmt, ...)
{
  struct cmp_pos pos = compose_yaml_mark (n);
  va_list ap;
  int rc;

  if (pos.line == 0)
    pos = c->keypos;
  va_start (ap, fmt);
  rc = vreport (c, pos, fmt, ap);
  va_end (ap);
  return rc;
}

/* The node's text as written, for messages.  Free-form values are shown
 * this way, never interpolated, since a parameter may be a secret; only
 * names and paths (volume names, mount targets, variable names) appear
 * after interpolation. */
static const char *
raw (struct pctx *c, struct fy_node *n)
{
  return compose_yaml_raw (n, c->raw, sizeof c->raw);
}

/* --- scalars ----------------------------------------------------------- */

static bool
is_null (struct fy_node *n)
{
  const char *s;
  size_t len = 0;

  if (n == NULL)
    return true;
  if (!fy_node_is_scalar (n) || fy_node_get_style (n) != FYNS_PLAIN)
    return false;
  s = fy_node_get_scalar (n, &len);
  if (s == NULL || len == 0)
    return true;
  return (len == 1 && s[0] == '~')
         || (len == 4
             && (memcmp (s, "null", 4) == 0 || memcmp (s, "Null", 4) == 0
                 || memcmp (s, "NULL", 4) == 0));
}

/* The scalar's text as written (keys are not interpolated). */
static int
get_text (struct pctx *c, struct fy_node *n, const char *what, char **out)
{
  const char *s;
  size_t len = 0;

  if (n == NULL || !fy_node_is_scalar (n))
    return fail (c, n, "%s must be a string", what);
  s = fy_node_get_scalar (n, &len);
  if (s == NULL)
    s = "";
  if (memchr (s, '\0', len) != NULL)
    return fail (c, n, "%s contains a NUL character", what);
  if (len > COMPOSE_MAX_SCALAR)
    return fail (c, n, "%s is longer than the limit of %d bytes", what,
                 COMPOSE_MAX_SCALAR);
  *out = xstrndup (s, len);
  return 0;
}

static int
get_key (struct pctx *c, struct fy_node *k, char **out)
{
  return get_text (c, k, "a key", out);
}

/* A scalar value, interpolated. */
static int
get_str (struct pctx *c, struct fy_node *n, char **out)
{
  cleanup_free char *text = NULL;
  char what[160];

  snprintf (what, sizeof what, "`%s`", c->path);
  if (n != NULL && fy_node_is_scalar (n) && is_null (n))
    return fail (c, n, "%s must not be null", what);
  if (get_text (c, n, what, &text) < 0)
    return -CFP_E_INVALID;
  if (compose_interpolate (text, c->params, out, c->err) < 0)
    return fail (c, n, "%s", c->err->msg);
  return 0;
}

static int
parse_uint (const char *s, int64_t *out)
{
  int64_t v = 0;

  if (!isdigit ((unsigned char)*s))
    return -1;
  for (; isdigit ((unsigned char)*s); s++)
    {
      if (v > (INT64_MAX - 9) / 10)
        return -1;
      v = v * 10 + (*s - '0');
    }
  *out = v;
  return *s == '\0' ? 0 : -1;
}

static int
get_int (struct pctx *c, struct fy_node *n, int64_t lo, int64_t hi,
         int64_t *out)
{
  cleanup_free char *s = NULL;

  if (get_str (c, n, &s) < 0)
    return -CFP_E_INVALID;
  if (parse_uint (s, out) < 0 || *out < lo || *out > hi)
    return fail (c, n, "`%s` must be an integer from %lld to %lld, not `%s`",
                 c->path, (long long)lo, (long long)hi, raw (c, n));
  return 0;
}

static int
get_bool (struct pctx *c, struct fy_node *n, bool *out)
{
  cleanup_free char *s = NULL;

  if (get_str (c, n, &s) < 0)
    return -CFP_E_INVALID;
  if (strcasecmp (s, "true") == 0 || strcasecmp (s, "false") == 0)
    {
      *out = strcasecmp (s, "true") == 0;
      return 0;
    }
  return fail (c, n, "`%s` must be `true` or `false`, not `%s`", c->path,
               raw (c, n));
}

/* Memory and tmpfs sizes: "512m", "1g", "1024" (bytes). */
static int
get_size (struct pctx *c, struct fy_node *n, int64_t min_mib, int64_t *out)
{
  cleanup_free char *s = NULL;

  if (get_str (c, n, &s) < 0)
    return -CFP_E_INVALID;
  if (parse_size (s, out) < 0)
    return fail (c, n, "`%s` must be a size such as `512m` or `1g`, not `%s`",
                 c->path, raw (c, n));
  if (*out < min_mib * MIB)
    return fail (c, n, "`%s` is `%s`, below the minimum of %lld MiB", c->path,
                 raw (c, n), (long long)min_mib);
  return 0;
}

static int
parse_decimal (const char *s, double *out)
{
  double v = 0, scale = 1;
  bool digits = false;

  for (; isdigit ((unsigned char)*s); s++, digits = true)
    if ((v = v * 10 + (*s - '0')) > 1e12)
      return -1;
  if (*s == '.')
    for (s++; isdigit ((unsigned char)*s); s++, digits = true)
      v += (*s - '0') * (scale /= 10);
  *out = v;
  return digits && *s == '\0' ? 0 : -1;
}

static int
get_cpus (struct pctx *c, struct fy_node *n, double *out)
{
  cleanup_free char *s = NULL;

  if (get_str (c, n, &s) < 0)
    return -CFP_E_INVALID;
  if (parse_decimal (s, out) < 0 || *out < 0.01 || *out > 256)
    return fail (c, n,
                 "`%s` must be a number of CPUs from 0.01 to 256, "
                 "not `%s`",
                 c->path, raw (c, n));
  return 0;
}

static const struct
{
  const char *unit;
  double ms;
} duration_units[] = {
  { "ms", 1 },     { "us", 1e-3 }, { "ns", 1e-6 },
  { "h", 3600e3 }, { "m", 60e3 },  { "s", 1e3 },
};

/* Go durations as Compose writes them: "30s", "1m30s", "1.5s", "500ms". */
static int
parse_duration (const char *s, double *ms)
{
  double v;
  size_t i, len;

  *ms = 0;
  if (strcmp (s, "0") == 0)
    return 0;
  while (*s != '\0')
    {
      len = strspn (s, "0123456789.");
      cleanup_free char *num = xstrndup (s, len);
      if (parse_decimal (num, &v) < 0)
        return -1;
      s += len;
      for (i = 0; i < sizeof duration_units / sizeof *duration_units; i++)
        if (strncmp (s, duration_units[i].unit, strlen (duration_units[i].unit))
            == 0)
          break;
      if (i == sizeof duration_units / sizeof *duration_units)
        return -1;
      s += strlen (duration_units[i].unit);
      *ms += v * duration_units[i].ms;
    }
  return 0;
}

static int
get_duration (struct pctx *c, struct fy_node *n, int64_t *out)
{
  cleanup_free char *s = NULL;
  double ms;

  if (get_str (c, n, &s) < 0)
    return -CFP_E_INVALID;
  if (parse_duration (s, &ms) < 0)
    return fail (c, n,
                 "`%s` must be a duration such as `30s`, `1m30s` or "
                 "`500ms`, not `%s`",
                 c->path, raw (c, n));
  if (ms > (double)MAX_DURATION_MS)
    return fail (c, n, "`%s` is `%s`, longer than the limit of 24h", c->path,
                 raw (c, n));
  *out = (int64_t)(ms + 0.5);
  return 0;
}

/* --- mappings and lists ------------------------------------------------ */

static int
check_items (struct pctx *c, struct fy_node *n)
{
  int count = 0;

  if (fy_node_is_mapping (n))
    count = fy_node_mapping_item_count (n);
  else if (fy_node_is_sequence (n))
    count = fy_node_sequence_item_count (n);
  if (count > COMPOSE_MAX_ITEMS)
    return fail (c, n, "`%s` has %d entries, over the limit of %d", c->path,
                 count, COMPOSE_MAX_ITEMS);
  return 0;
}

static int
field_one (struct pctx *c, struct fy_node_pair *p, const struct field *tab,
           void *obj, size_t base)
{
  struct fy_node *k = fy_node_pair_key (p);
  cleanup_free char *name = NULL;
  const struct field *f;

  if (get_key (c, k, &name) < 0)
    return -CFP_E_INVALID;
  c->keypos = compose_yaml_mark (k);
  snprintf (c->path + base, sizeof c->path - base, "%s%s", base ? "." : "",
            name);
  /* `key: null` (or `key:`) leaves the key unset, as in Compose. */
  if (strncmp (name, "x-", 2) == 0 || is_null (fy_node_pair_value (p)))
    return 0;
  for (f = tab; f->name != NULL && strcmp (f->name, name) != 0; f++)
    ;
  if (f->fn != NULL)
    return f->fn (c, fy_node_pair_value (p), obj);
  return fail (c, k, "unknown %skey `%s`%s%s",
               c->svc == NULL && base == 0 ? "top-level " : "", c->path,
               f->hint ? ": " : "", f->hint ? f->hint : "");
}

/* Dispatches each key of mapping `map` to its handler in `tab`; keys
 * starting with "x-" are extensions and ignored. */
static int
parse_fields (struct pctx *c, struct fy_node *map, const struct field *tab,
              void *obj)
{
  struct cmp_pos saved_pos = c->keypos;
  size_t base = strlen (c->path);
  struct fy_node_pair *p;
  void *it = NULL;

  if (map == NULL || !fy_node_is_mapping (map))
    return fail (c, map, "`%s` must be a mapping", c->path);
  if (check_items (c, map) < 0)
    return -CFP_E_INVALID;
  while ((p = fy_node_mapping_iterate (map, &it)) != NULL)
    if (field_one (c, p, tab, obj, base) < 0)
      return -CFP_E_INVALID;
  c->path[base] = '\0';
  c->keypos = saved_pos;
  return 0;
}

/* Appends to a NULL-terminated argv, taking ownership of `s`. */
static void
argv_push (char ***v, size_t *n, char *s)
{
  *v = xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

static void
argv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

/* A list of scalars appended to *v (which the caller's model owns). */
static int
get_list (struct pctx *c, struct fy_node *seq, char ***v, size_t *n)
{
  struct fy_node *item;
  void *it = NULL;
  char *s;

  if (check_items (c, seq) < 0)
    return -CFP_E_INVALID;
  while ((item = fy_node_sequence_iterate (seq, &it)) != NULL)
    {
      if (get_str (c, item, &s) < 0)
        return -CFP_E_INVALID;
      argv_push (v, n, s);
    }
  return 0;
}

/* Splits a command line into words as a POSIX shell would, without any
 * expansion: blanks separate words, '...' is literal, "..." keeps
 * backslash escapes of " \ $ and `, a backslash elsewhere escapes the
 * next character.  Returns -1 on an unterminated quote. */
static int
split_words (const char *s, char ***v, size_t *n)
{
  struct buf w;
  bool in_word = false;
  char q = 0;

  buf_init (&w, 0);
  for (; *s; s++)
    {
      if (q == 0 && isspace ((unsigned char)*s))
        {
          if (in_word)
            argv_push (v, n, buf_steal (&w));
          in_word = false;
          continue;
        }
      in_word = true;
      if ((q == 0 && (*s == '\'' || *s == '"')) || *s == q)
        q = q ? 0 : *s;
      else if (*s == '\\' && q != '\'' && s[1] != '\0'
               && (q == 0 || strchr ("\"\\$`", s[1]) != NULL))
        buf_append (&w, ++s, 1);
      else
        buf_append (&w, s, 1);
    }
  if (in_word && q == 0)
    argv_push (v, n, buf_steal (&w));
  buf_free (&w);
  return q == 0 ? 0 : -1;
}

/* command, entrypoint: a list, or a string split into words.  Present but
 * empty ("" or []) is an argv holding only the NULL terminator. */
static int
get_argv (struct pctx *c, struct fy_node *v, char ***out)
{
  cleanup_free char *s = NULL;
  size_t n = 0;

  argv_free (*out);
  *out = xcalloc (1, sizeof **out);
  if (v != NULL && fy_node_is_sequence (v))
    return get_list (c, v, out, &n);
  if (get_str (c, v, &s) < 0)
    return -CFP_E_INVALID;
  if (split_words (s, out, &n) < 0)
    return fail (c, v, "`%s` has an unterminated quote", c->path);
  if (n > COMPOSE_MAX_ITEMS)
    return fail (c, v, "`%s` has %zu words, over the limit of %d", c->path, n,
                 COMPOSE_MAX_ITEMS);
  return 0;
}

/* --- environment and labels ------------------------------------------- */

struct kvs
{
  struct cmp_kv **kv;
  size_t *n;
  bool env; /* environment (NULL values kept) rather than labels */
};

static int
add_kv (struct pctx *c, struct fy_node *n, struct kvs *t, char *key,
        char *value)
{
  if (key[0] == '\0' || strchr (key, '=') != NULL
      || (t->env && strpbrk (key, " \t\n") != NULL))
    {
      free (key);
      free (value);
      return fail (c, n, "`%s` has an invalid name `%s`", c->path, raw (c, n));
    }
  for (size_t i = 0; i < *t->n; i++)
    if (strcmp ((*t->kv)[i].key, key) == 0)
      {
        free (value);
        fail (c, n, "`%s` sets `%s` twice", c->path, key);
        free (key);
        return -CFP_E_INVALID;
      }
  if (!t->env && value == NULL)
    value = xstrdup ("");
  *t->kv = xrealloc (*t->kv, (*t->n + 1) * sizeof **t->kv);
  (*t->kv)[(*t->n)++] = (struct cmp_kv){ key, value };
  return 0;
}

static int
kv_from_pair (struct pctx *c, struct fy_node_pair *p, struct kvs *t)
{
  struct fy_node *k = fy_node_pair_key (p), *v = fy_node_pair_value (p);
  char *key = NULL, *value = NULL;

  if (get_key (c, k, &key) < 0)
    return -CFP_E_INVALID;
  if (v != NULL && !fy_node_is_scalar (v))
    {
      fail (c, v, "`%s`: `%s` must be a string, number, boolean or null",
            c->path, key);
      free (key);
      return -CFP_E_INVALID;
    }
  if (!is_null (v) && get_str (c, v, &value) < 0)
    {
      free (key);
      return -CFP_E_INVALID;
    }
  return add_kv (c, k, t, key, value);
}

static int
kv_from_item (struct pctx *c, struct fy_node *item, struct kvs *t)
{
  char *s = NULL, *eq;

  if (get_str (c, item, &s) < 0)
    return -CFP_E_INVALID;
  eq = strchr (s, '=');
  if (eq == NULL)
    return add_kv (c, item, t, s, NULL);
  *eq = '\0';
  return add_kv (c, item, t, s, xstrdup (eq + 1));
}

/* A mapping KEY: value, or a list of "KEY=value" and "KEY". */
static int
get_kvs (struct pctx *c, struct fy_node *v, struct kvs *t)
{
  struct fy_node_pair *p;
  struct fy_node *item;
  void *it = NULL;

  if (v == NULL || (!fy_node_is_mapping (v) && !fy_node_is_sequence (v)))
    return fail (c, v, "`%s` must be a mapping or a list", c->path);
  if (check_items (c, v) < 0)
    return -CFP_E_INVALID;
  if (fy_node_is_mapping (v))
    {
      while ((p = fy_node_mapping_iterate (v, &it)) != NULL)
        if (kv_from_pair (c, p, t) < 0)
          return -CFP_E_INVALID;
      return 0;
    }
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    if (kv_from_item (c, item, t) < 0)
      return -CFP_E_INVALID;
  return 0;
}

/* --- mounts ------------------------------------------------------------ */

static bool
volume_declared (struct pctx *c, const char *name)
{
  for (size_t i = 0; i < c->st->n_volumes; i++)
    if (strcmp (c->st->volumes[i].name, name) == 0)
      return true;
  return false;
}

static struct cmp_mount *
new_mount (struct cmp_service *s, struct fy_node *n, enum cmp_mount_type type)
{
  struct cmp_mount *m;

  s->mounts = xrealloc (s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
  m = &s->mounts[s->n_mounts++];
  memset (m, 0, sizeof *m);
  m->type = type;
  m->pos = compose_yaml_mark (n);
  return m;
}

static bool
path_is_clean (const char *p)
{
  size_t len = strlen (p);

  if (p[0] != '/' || len < 2)
    return false;
  if (len >= 3 && strcmp (p + len - 3, "/..") == 0)
    return false;
  return strstr (p, "/../") == NULL;
}

/* Checks the mount just added: a usable target, not mounted twice. */
static int
check_mount (struct pctx *c, struct cmp_service *s, struct fy_node *n)
{
  struct cmp_mount *m = &s->mounts[s->n_mounts - 1];

  if (m->target == NULL)
    return fail (c, n, "`%s`: the mount has no `target`", c->path);
  /* Targets may come from parameters: messages quote the file, not the
   * interpolated value. */
  if (!path_is_clean (m->target))
    return fail (c, n,
                 "`%s`: target `%s` must be an absolute path other "
                 "than `/`, without `..`",
                 c->path, raw (c, n));
  for (size_t i = 0; i + 1 < s->n_mounts; i++)
    if (strcmp (s->mounts[i].target, m->target) == 0)
      return fail (c, n, "`%s`: `%s` is mounted twice", c->path, raw (c, n));
  return 0;
}

static int
check_source (struct pctx *c, struct fy_node *n, const char *src)
{
  if (src[0] == '/' || src[0] == '.' || src[0] == '~')
    return fail (c, n,
                 "`%s`: host path `%s` cannot be mounted: only named "
                 "volumes declared under top-level `volumes` can",
                 c->path, src);
  if (!volume_declared (c, src))
    return fail (c, n,
                 "`%s`: volume `%s` is not declared under top-level "
                 "`volumes`",
                 c->path, src);
  return 0;
}

/* Short syntax: "name:/path", "name:/path:ro" or ":rw". */
static int
vol_short (struct pctx *c, struct cmp_service *s, struct fy_node *n)
{
  cleanup_free char *spec = NULL;
  struct cmp_mount *m;
  char *target, *opt;

  if (get_str (c, n, &spec) < 0)
    return -CFP_E_INVALID;
  target = strchr (spec, ':');
  if (target == NULL)
    return fail (c, n,
                 "`%s`: `%s` is not `name:/path[:ro]` with a named "
                 "volume declared under top-level `volumes`",
                 c->path, raw (c, n));
  *target++ = '\0';
  opt = strchr (target, ':');
  if (opt != NULL)
    *opt++ = '\0';
  if (opt != NULL && strcmp (opt, "ro") != 0 && strcmp (opt, "rw") != 0)
    return fail (c, n, "`%s`: unknown option in `%s` (only `ro` and `rw`)",
                 c->path, raw (c, n));
  if (check_source (c, n, spec) < 0)
    return -CFP_E_INVALID;
  m = new_mount (s, n, CMP_MOUNT_VOLUME);
  m->source = xstrdup (spec);
  m->target = xstrdup (target);
  m->read_only = opt != NULL && strcmp (opt, "ro") == 0;
  return check_mount (c, s, n);
}

struct long_mount
{
  struct cmp_mount *m;
  bool typed;
};

static int
lm_type (struct pctx *c, struct fy_node *v, void *obj)
{
  struct long_mount *lm = obj;
  cleanup_free char *s = NULL;

  if (get_str (c, v, &s) < 0)
    return -CFP_E_INVALID;
  lm->typed = true;
  if (strcmp (s, "volume") == 0 || strcmp (s, "tmpfs") == 0)
    {
      lm->m->type = s[0] == 'v' ? CMP_MOUNT_VOLUME : CMP_MOUNT_TMPFS;
      return 0;
    }
  if (strcmp (s, "bind") == 0)
    return fail (c, v,
                 "`%s`: bind mounts are not allowed: host paths stay "
                 "on the host; use a named volume",
                 c->path);
  return fail (c, v, "`%s` must be `volume` or `tmpfs`, not `%s`", c->path,
               raw (c, v));
}

static int
lm_source (struct pctx *c, struct fy_node *v, void *obj)
{
  struct long_mount *lm = obj;

  free (lm->m->source);
  lm->m->source = NULL;
  return get_str (c, v, &lm->m->source);
}

static int
lm_target (struct pctx *c, struct fy_node *v, void *obj)
{
  struct long_mount *lm = obj;

  free (lm->m->target);
  lm->m->target = NULL;
  return get_str (c, v, &lm->m->target);
}

static int
lm_read_only (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_bool (c, v, &((struct long_mount *)obj)->m->read_only);
}

static int
lm_tmpfs_size (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_size (c, v, 0, &((struct long_mount *)obj)->m->tmpfs_size);
}

static const struct field tmpfs_fields[] = {
  { "size", lm_tmpfs_size, NULL },
  { NULL, NULL, NULL },
};

static int
lm_tmpfs (struct pctx *c, struct fy_node *v, void *obj)
{
  return parse_fields (c, v, tmpfs_fields, obj);
}

static const struct field long_mount_fields[] = {
  { "type", lm_type, NULL },
  { "source", lm_source, NULL },
  { "target", lm_target, NULL },
  { "read_only", lm_read_only, NULL },
  { "tmpfs", lm_tmpfs, NULL },
  { "bind", NULL, "bind mounts are not allowed" },
  { NULL, NULL, NULL },
};

/* Long syntax: a mapping with type volume or tmpfs. */
static int
vol_long (struct pctx *c, struct cmp_service *s, struct fy_node *n)
{
  struct long_mount lm = { new_mount (s, n, CMP_MOUNT_VOLUME), false };

  if (parse_fields (c, n, long_mount_fields, &lm) < 0)
    return -CFP_E_INVALID;
  if (!lm.typed)
    return fail (c, n,
                 "`%s`: the long syntax needs `type` (`volume` or "
                 "`tmpfs`)",
                 c->path);
  if (lm.m->type == CMP_MOUNT_TMPFS && lm.m->source != NULL)
    return fail (c, n, "`%s`: a tmpfs mount takes no `source`", c->path);
  if (lm.m->type == CMP_MOUNT_VOLUME && lm.m->tmpfs_size != 0)
    return fail (c, n, "`%s`: `tmpfs` options need `type: tmpfs`", c->path);
  if (lm.m->type == CMP_MOUNT_VOLUME && lm.m->source == NULL)
    return fail (c, n, "`%s`: a volume mount needs `source`", c->path);
  if (lm.m->type == CMP_MOUNT_VOLUME && check_source (c, n, lm.m->source) < 0)
    return -CFP_E_INVALID;
  return check_mount (c, s, n);
}

/* One tmpfs option: the flags harden.c applies anyway are accepted, and
 * size= is kept; anything else (exec, suid, dev, mode=...) is refused. */
static int
tmpfs_opt (const char *opt, struct cmp_mount *m)
{
  static const char *const ok[] = { "rw", "noexec", "nosuid", "nodev" };

  if (strncmp (opt, "size=", 5) == 0)
    return parse_size (opt + 5, &m->tmpfs_size);
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (strcmp (opt, ok[i]) == 0)
      return 0;
  return -1;
}

/* tmpfs: "/path" or "/path:OPTS" with OPTS from tmpfs_opt(). */
static int
tmpfs_one (struct pctx *c, struct cmp_service *s, struct fy_node *n)
{
  cleanup_free char *spec = NULL;
  struct cmp_mount *m;
  char *opt, *save = NULL;

  if (get_str (c, n, &spec) < 0)
    return -CFP_E_INVALID;
  opt = strchr (spec, ':');
  if (opt != NULL)
    *opt++ = '\0';
  m = new_mount (s, n, CMP_MOUNT_TMPFS);
  m->target = xstrdup (spec);
  for (char *o = opt ? strtok_r (opt, ",", &save) : NULL; o != NULL;
       o = strtok_r (NULL, ",", &save))
    if (tmpfs_opt (o, m) < 0)
      return fail (c, n,
                   "`%s`: `%s`: options are `size=` with a size such as "
                   "`64m`, and rw, noexec, nosuid, nodev",
                   c->path, raw (c, n));
  return check_mount (c, s, n);
}

/* --- service keys ------------------------------------------------------ */

static int
svc_image (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;

  free (s->image);
  s->image = NULL;
  if (get_str (c, v, &s->image) < 0)
    return -CFP_E_INVALID;
  if (s->image[0] == '\0')
    return fail (c, v, "`image` is empty");
  return 0;
}

static int
svc_command (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_argv (c, v, &((struct cmp_service *)obj)->command);
}

static int
svc_entrypoint (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_argv (c, v, &((struct cmp_service *)obj)->entrypoint);
}

static int
svc_environment (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;
  struct kvs t = { &s->env, &s->n_env, true };

  return get_kvs (c, v, &t);
}

static int
svc_labels (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;
  struct kvs t = { &s->labels, &s->n_labels, false };

  return get_kvs (c, v, &t);
}

static int
svc_user (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;

  free (s->user);
  s->user = NULL;
  return get_str (c, v, &s->user);
}

static int
svc_working_dir (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;

  free (s->working_dir);
  s->working_dir = NULL;
  if (get_str (c, v, &s->working_dir) < 0)
    return -CFP_E_INVALID;
  if (s->working_dir[0] != '/')
    return fail (c, v, "`working_dir` must be an absolute path, not `%s`",
                 raw (c, v));
  return 0;
}

static int
svc_volumes (struct pctx *c, struct fy_node *v, void *obj)
{
  struct fy_node *item;
  void *it = NULL;
  int rc;

  if (v == NULL || !fy_node_is_sequence (v))
    return fail (c, v, "`volumes` must be a list");
  if (check_items (c, v) < 0)
    return -CFP_E_INVALID;
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    {
      if (fy_node_is_mapping (item))
        rc = vol_long (c, obj, item);
      else
        rc = vol_short (c, obj, item);
      if (rc < 0)
        return rc;
    }
  return 0;
}

static int
svc_tmpfs (struct pctx *c, struct fy_node *v, void *obj)
{
  struct fy_node *item;
  void *it = NULL;

  if (v == NULL || !fy_node_is_sequence (v))
    return tmpfs_one (c, obj, v);
  if (check_items (c, v) < 0)
    return -CFP_E_INVALID;
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    if (tmpfs_one (c, obj, item) < 0)
      return -CFP_E_INVALID;
  return 0;
}

/* Records one dependency; the cycle check runs once all are known. */
static int
add_dep (struct pctx *c, struct cmp_service *s, struct fy_node *n, char *name)
{
  cleanup_free char *owned = name;

  if (compose_service (c->st, name) == NULL)
    return fail (c, n, "`depends_on` names unknown service `%s`", name);
  if (strcmp (name, s->name) == 0)
    return fail (c, n, "`depends_on` names the service itself");
  for (size_t i = 0; i < s->n_depends_on; i++)
    if (strcmp (s->depends_on[i], name) == 0)
      return fail (c, n, "`depends_on` names `%s` twice", name);
  argv_push (&s->depends_on, &s->n_depends_on, steal_pointer (&owned));
  return 0;
}

/* The dependency being parsed, for its condition. */
struct dep_ctx
{
  struct cmp_service *s;
  const char *name;
};

static int
dep_condition (struct pctx *c, struct fy_node *v, void *obj)
{
  static const char *const ok[] = { "service_started", "service_healthy",
                                    "service_completed_successfully" };
  struct dep_ctx *d = obj;
  cleanup_free char *s = NULL;

  if (get_str (c, v, &s) < 0)
    return -CFP_E_INVALID;
  if (strcmp (s, "service_healthy") == 0)
    argv_push (&d->s->depends_healthy, &d->s->n_depends_healthy,
               xstrdup (d->name));
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (strcmp (s, ok[i]) == 0)
      return 0;
  return fail (c, v,
               "`%s` must be `service_started`, `service_healthy` or "
               "`service_completed_successfully`, not `%s`",
               c->path, raw (c, v));
}

static int
dep_flag (struct pctx *c, struct fy_node *v, void *obj)
{
  bool ignored;

  (void)obj;
  return get_bool (c, v, &ignored);
}

static const struct field dep_fields[] = {
  { "condition", dep_condition, NULL },
  { "restart", dep_flag, NULL },
  { "required", dep_flag, NULL },
  { NULL, NULL, NULL },
};

static int
dep_from_pair (struct pctx *c, struct cmp_service *s, struct fy_node_pair *p)
{
  struct fy_node *k = fy_node_pair_key (p), *v = fy_node_pair_value (p);
  char *name = NULL;
  struct dep_ctx d = { s, NULL };

  if (get_key (c, k, &name) < 0)
    return -CFP_E_INVALID;
  if (add_dep (c, s, k, name) < 0)
    return -CFP_E_INVALID;
  d.name = s->depends_on[s->n_depends_on - 1];
  return is_null (v) ? 0 : parse_fields (c, v, dep_fields, &d);
}

static int
svc_depends_on (struct pctx *c, struct fy_node *v, void *obj)
{
  struct fy_node_pair *p;
  struct fy_node *item;
  void *it = NULL;
  char *name;

  if (v == NULL || (!fy_node_is_mapping (v) && !fy_node_is_sequence (v)))
    return fail (c, v, "`depends_on` must be a list or a mapping");
  if (check_items (c, v) < 0)
    return -CFP_E_INVALID;
  if (fy_node_is_mapping (v))
    {
      while ((p = fy_node_mapping_iterate (v, &it)) != NULL)
        if (dep_from_pair (c, obj, p) < 0)
          return -CFP_E_INVALID;
      return 0;
    }
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    if (get_str (c, item, &name) < 0 || add_dep (c, obj, item, name) < 0)
      return -CFP_E_INVALID;
  return 0;
}

/* "8080" or "8080/tcp": cfp routes HTTP, so tcp only. */
static int
expose_one (struct pctx *c, struct cmp_service *s, struct fy_node *n)
{
  cleanup_free char *p = NULL;
  int64_t port;
  char *proto;

  if (get_str (c, n, &p) < 0)
    return -CFP_E_INVALID;
  proto = strchr (p, '/');
  if (proto != NULL)
    *proto++ = '\0';
  if (proto != NULL && strcmp (proto, "tcp") != 0)
    return fail (c, n, "`expose`: `%s`: only tcp ports can be exposed",
                 raw (c, n));
  if (parse_uint (p, &port) < 0 || port < 1 || port > 65535)
    return fail (c, n, "`expose`: `%s` is not a port number from 1 to 65535",
                 raw (c, n));
  for (size_t i = 0; i < s->n_expose; i++)
    if (s->expose[i] == port)
      return 0;
  s->expose = xrealloc (s->expose, (s->n_expose + 1) * sizeof *s->expose);
  s->expose[s->n_expose++] = (int)port;
  return 0;
}

static int
svc_expose (struct pctx *c, struct fy_node *v, void *obj)
{
  struct fy_node *item;
  void *it = NULL;

  if (v == NULL || !fy_node_is_sequence (v))
    return fail (c, v, "`expose` must be a list");
  if (check_items (c, v) < 0)
    return -CFP_E_INVALID;
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    if (expose_one (c, obj, item) < 0)
      return -CFP_E_INVALID;
  return 0;
}

static int
hc_test (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_healthcheck *h = obj;
  cleanup_free char *s = NULL;
  size_t n = 0;

  argv_free (h->test);
  h->test = NULL;
  if (v != NULL && fy_node_is_sequence (v))
    {
      if (get_list (c, v, &h->test, &n) < 0)
        return -CFP_E_INVALID;
      if (n == 1 && strcmp (h->test[0], "NONE") == 0)
        h->disable = true;
      else if (n < 2
               || (strcmp (h->test[0], "CMD") != 0
                   && strcmp (h->test[0], "CMD-SHELL") != 0))
        return fail (c, v,
                     "`%s` must start with `CMD` or `CMD-SHELL` and "
                     "a command, or be [\"NONE\"]",
                     c->path);
      return 0;
    }
  if (get_str (c, v, &s) < 0)
    return -CFP_E_INVALID;
  if (s[0] == '\0')
    return fail (c, v, "`%s` is empty", c->path);
  argv_push (&h->test, &n, xstrdup ("CMD-SHELL"));
  argv_push (&h->test, &n, steal_pointer (&s));
  return 0;
}

static int
hc_interval (struct pctx *c, struct fy_node *v, void *obj)
{
  int64_t *ms = &((struct cmp_healthcheck *)obj)->interval_ms;

  if (get_duration (c, v, ms) < 0)
    return -CFP_E_INVALID;
  /* Probes run as execs on the shared engine, not on the tenant's bill. */
  if (*ms < COMPOSE_MIN_HEALTH_INTERVAL_MS)
    return fail (c, v, "`%s`: interval `%s` is below the minimum of %d s",
                 c->path, raw (c, v), COMPOSE_MIN_HEALTH_INTERVAL_MS / 1000);
  return 0;
}

static int
hc_timeout (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_duration (c, v, &((struct cmp_healthcheck *)obj)->timeout_ms);
}

static int
hc_start_period (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_duration (c, v, &((struct cmp_healthcheck *)obj)->start_period_ms);
}

static int
hc_retries (struct pctx *c, struct fy_node *v, void *obj)
{
  int64_t n;

  if (get_int (c, v, 0, MAX_RETRIES, &n) < 0)
    return -CFP_E_INVALID;
  ((struct cmp_healthcheck *)obj)->retries = (int)n;
  return 0;
}

static int
hc_disable (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_bool (c, v, &((struct cmp_healthcheck *)obj)->disable);
}

static const struct field healthcheck_fields[] = {
  { "test", hc_test, NULL },
  { "interval", hc_interval, NULL },
  { "timeout", hc_timeout, NULL },
  { "start_period", hc_start_period, NULL },
  { "retries", hc_retries, NULL },
  { "disable", hc_disable, NULL },
  { NULL, NULL, NULL },
};

static int
svc_healthcheck (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;

  s->healthcheck.present = true;
  return parse_fields (c, v, healthcheck_fields, &s->healthcheck);
}

/* Resource limits may be set at service level and under deploy:; both
 * are accepted, but they must agree. */
static int
set_limit (struct pctx *c, struct fy_node *v, int64_t *field, int64_t val)
{
  if (*field != 0 && *field != val)
    return fail (c, v,
                 "`%s` conflicts with another setting of the same "
                 "limit (service-level and `deploy.resources` must agree)",
                 c->path);
  *field = val;
  return 0;
}

static int
set_memory (struct pctx *c, struct fy_node *v, int64_t *field)
{
  int64_t val;

  if (get_size (c, v, MIN_MEMORY_MIB, &val) < 0)
    return -CFP_E_INVALID;
  return set_limit (c, v, field, val);
}

static int
lim_cpus (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;
  double val;

  if (get_cpus (c, v, &val) < 0)
    return -CFP_E_INVALID;
  if (s->cpus != 0 && s->cpus != val)
    return fail (c, v,
                 "`%s` conflicts with another setting of the same "
                 "limit (service-level and `deploy.resources` must agree)",
                 c->path);
  s->cpus = val;
  return 0;
}

static int
lim_memory (struct pctx *c, struct fy_node *v, void *obj)
{
  return set_memory (c, v, &((struct cmp_service *)obj)->mem_limit);
}

static int
lim_pids (struct pctx *c, struct fy_node *v, void *obj)
{
  int64_t val;

  if (get_int (c, v, 1, MAX_PIDS, &val) < 0)
    return -CFP_E_INVALID;
  return set_limit (c, v, &((struct cmp_service *)obj)->pids_limit, val);
}

static int
res_memory (struct pctx *c, struct fy_node *v, void *obj)
{
  return set_memory (c, v, &((struct cmp_service *)obj)->mem_reservation);
}

/* A CPU reservation is checked but not kept: the plan decides it. */
static int
res_cpus (struct pctx *c, struct fy_node *v, void *obj)
{
  double ignored;

  (void)obj;
  return get_cpus (c, v, &ignored);
}

static const struct field limits_fields[] = {
  { "cpus", lim_cpus, NULL },
  { "memory", lim_memory, NULL },
  { "pids", lim_pids, NULL },
  { NULL, NULL, NULL },
};

static const struct field reservations_fields[] = {
  { "cpus", res_cpus, NULL },
  { "memory", res_memory, NULL },
  { "devices", NULL, "devices are not available to tenant containers" },
  { NULL, NULL, NULL },
};

static int
res_limits (struct pctx *c, struct fy_node *v, void *obj)
{
  return parse_fields (c, v, limits_fields, obj);
}

static int
res_reservations (struct pctx *c, struct fy_node *v, void *obj)
{
  return parse_fields (c, v, reservations_fields, obj);
}

static const struct field resources_fields[] = {
  { "limits", res_limits, NULL },
  { "reservations", res_reservations, NULL },
  { NULL, NULL, NULL },
};

static int
dep_resources (struct pctx *c, struct fy_node *v, void *obj)
{
  return parse_fields (c, v, resources_fields, obj);
}

static const struct field deploy_fields[] = {
  { "resources", dep_resources, NULL },
  { "replicas", NULL, "cfp runs one container per service" },
  { "restart_policy", NULL, "use the service's `restart`" },
  { NULL, NULL, NULL },
};

static int
svc_deploy (struct pctx *c, struct fy_node *v, void *obj)
{
  return parse_fields (c, v, deploy_fields, obj);
}

/* "on-failure:N" with N in 0..MAX_RETRIES. */
static bool
on_failure_count (const char *s)
{
  char *end;
  long n;

  if (strncmp (s, "on-failure:", 11) != 0 || !isdigit ((unsigned char)s[11]))
    return false;
  n = strtol (s + 11, &end, 10);
  return *end == '\0' && n >= 0 && n <= MAX_RETRIES;
}

static int
svc_restart (struct pctx *c, struct fy_node *v, void *obj)
{
  static const char *const ok[]
      = { "no", "always", "on-failure", "unless-stopped" };
  struct cmp_service *s = obj;

  free (s->restart);
  s->restart = NULL;
  if (get_str (c, v, &s->restart) < 0)
    return -CFP_E_INVALID;
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (strcmp (s->restart, ok[i]) == 0)
      return 0;
  if (on_failure_count (s->restart))
    return 0;
  return fail (c, v,
               "`restart` must be `no`, `always`, `on-failure[:N]` or "
               "`unless-stopped`, not `%s`",
               raw (c, v));
}

/* The keys below are what `cfp policy rewrite` writes into a tenant's
 * file.  harden.c applies the same values to every container whatever the
 * file says, so the model does not carry them; the parser only makes sure
 * the file says nothing weaker, in case it did not come through the
 * policy. */

static int
svc_read_only (struct pctx *c, struct fy_node *v, void *obj)
{
  bool ro = false;

  (void)obj;
  if (get_bool (c, v, &ro) < 0)
    return -CFP_E_INVALID;
  if (!ro)
    return fail (c, v,
                 "`read_only` must be true: cfp always mounts the root "
                 "filesystem read-only (CFP-HC-14)");
  return 0;
}

static int
svc_one_of (struct pctx *c, struct fy_node *v, const char *key,
            const char *const *ok, const char *rule)
{
  cleanup_free char *s = NULL;

  if (get_str (c, v, &s) < 0)
    return -CFP_E_INVALID;
  for (size_t i = 0; ok[i]; i++)
    if (strcasecmp (s, ok[i]) == 0)
      return 0;
  return fail (c, v, "`%s` may only be `%s` (%s)", key, ok[0], rule);
}

static int
svc_cap_drop (struct pctx *c, struct fy_node *v, void *obj)
{
  static const char *const ok[] = { "ALL", "CAP_ALL", NULL };
  struct fy_node *item;
  void *it = NULL;

  (void)obj;
  if (v == NULL || !fy_node_is_sequence (v) || check_items (c, v) < 0)
    return fail (c, v, "`cap_drop` must be the list [ALL] (CFP-HC-03)");
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    if (svc_one_of (c, item, "cap_drop", ok, "CFP-HC-03") < 0)
      return -CFP_E_INVALID;
  return 0;
}

static int
svc_security_opt (struct pctx *c, struct fy_node *v, void *obj)
{
  static const char *const ok[]
      = { "no-new-privileges:true", "no-new-privileges=true",
          "no-new-privileges", NULL };
  struct fy_node *item;
  void *it = NULL;

  (void)obj;
  if (v == NULL || !fy_node_is_sequence (v) || check_items (c, v) < 0)
    return fail (c, v, "`security_opt` must be a list (CFP-HC-05)");
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    if (svc_one_of (c, item, "security_opt", ok, "CFP-HC-05, CFP-HC-11") < 0)
      return -CFP_E_INVALID;
  return 0;
}

static int
svc_cgroup (struct pctx *c, struct fy_node *v, void *obj)
{
  static const char *const ok[] = { "private", NULL };

  (void)obj;
  return svc_one_of (c, v, "cgroup", ok, "CFP-HC-21");
}

static int
svc_sysctls (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;
  struct kvs t = { &s->sysctls, &s->n_sysctls, false };

  if (get_kvs (c, v, &t) < 0)
    return -CFP_E_INVALID;
  for (size_t i = 0; i < s->n_sysctls; i++)
    if (!compose_sysctl_safe (s->sysctls[i].key) || s->sysctls[i].value == NULL)
      return fail (c, v, "`sysctls`: `%.80s` is not a safe sysctl (CFP-HC-30)",
                   s->sysctls[i].key);
  return 0;
}

static int
svc_stop_signal (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;
  const char *p;

  free (s->stop_signal);
  s->stop_signal = NULL;
  if (get_str (c, v, &s->stop_signal) < 0)
    return -CFP_E_INVALID;
  p = s->stop_signal;
  if (strncmp (p, "SIG", 3) == 0)
    p += 3;
  for (const char *q = p; *q; q++)
    if (!isalnum ((unsigned char)*q) && *q != '+' && *q != '-')
      return fail (c, v, "`stop_signal` `%s` is not a signal", raw (c, v));
  if (*p == '\0' || strlen (p) > 16)
    return fail (c, v, "`stop_signal` `%s` is not a signal", raw (c, v));
  return 0;
}

/* /dev/shm lives in host memory: at most 64 MiB (CFP-HC-40). */
static int
svc_shm_size (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;

  if (get_size (c, v, 0, &s->shm_size) < 0)
    return -CFP_E_INVALID;
  if (s->shm_size > 64 * MIB)
    return fail (c, v, "`shm_size` is above the limit of 64m (CFP-HC-40)");
  return 0;
}

static int
svc_oom_score_adj (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;
  int64_t n;

  if (get_int (c, v, 0, 1000, &n) < 0)
    return -CFP_E_INVALID;
  s->oom_score_adj = (int)n;
  return 0;
}

/* One container per service: only `scale: 1` means something cfp does. */
static int
svc_scale (struct pctx *c, struct fy_node *v, void *obj)
{
  int64_t n;

  (void)obj;
  return get_int (c, v, 1, 1, &n);
}

static int
blkio_weight (struct pctx *c, struct fy_node *v, void *obj)
{
  int64_t n;

  if (get_int (c, v, 10, 1000, &n) < 0)
    return -CFP_E_INVALID;
  ((struct cmp_service *)obj)->blkio_weight = (int)n;
  return 0;
}

static const struct field blkio_fields[] = {
  { "weight", blkio_weight, NULL },
  { NULL, NULL, NULL },
};

static int
svc_blkio (struct pctx *c, struct fy_node *v, void *obj)
{
  return parse_fields (c, v, blkio_fields, obj);
}

/* Capabilities to add: the policy checked them against the operator's
 * allowlist, and harden.c checks again.  Kept as NET_BIND_SERVICE. */
static int
svc_cap_add (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;
  char **caps = NULL;
  size_t n = 0;

  if (v == NULL || !fy_node_is_sequence (v))
    return fail (c, v, "`cap_add` must be a list");
  if (get_list (c, v, &caps, &n) < 0)
    {
      argv_free (caps);
      return -CFP_E_INVALID;
    }
  for (size_t i = 0; i < n; i++)
    {
      char *name = caps[i] + (strncasecmp (caps[i], "CAP_", 4) == 0 ? 4 : 0);
      size_t len = strlen (name);

      memmove (caps[i], name, len + 1);
      for (char *p = caps[i]; *p; p++)
        *p = (char)toupper ((unsigned char)*p);
      if (len == 0 || strspn (caps[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != len)
        {
          argv_free (caps);
          return fail (c, v, "`cap_add`: entry %zu is not a capability", i + 1);
        }
    }
  argv_free (s->cap_add);
  s->cap_add = caps;
  s->n_cap_add = n;
  return 0;
}

static int
svc_runtime (struct pctx *c, struct fy_node *v, void *obj)
{
  struct cmp_service *s = obj;

  free (s->runtime);
  s->runtime = NULL;
  if (get_str (c, v, &s->runtime) < 0)
    return -CFP_E_INVALID;
  if (!name_is_compose (s->runtime))
    return fail (c, v, "`runtime` `%s` is not a runtime name", raw (c, v));
  return 0;
}

/* ulimits and logging: cfp sets nofile 4096/8192 and json-file logs sized
 * by the plan; the policy has already judged what a file asks for. */
static int
svc_accepted_map (struct pctx *c, struct fy_node *v, void *obj)
{
  (void)obj;
  if (v == NULL || !fy_node_is_mapping (v))
    return fail (c, v, "`%s` must be a mapping", c->path);
  return 0;
}

static int
svc_stop_grace (struct pctx *c, struct fy_node *v, void *obj)
{
  return get_duration (c, v, &((struct cmp_service *)obj)->stop_grace_ms);
}

static const struct field service_fields[] = {
  { "image", svc_image, NULL },
  { "command", svc_command, NULL },
  { "entrypoint", svc_entrypoint, NULL },
  { "environment", svc_environment, NULL },
  { "labels", svc_labels, NULL },
  { "user", svc_user, NULL },
  { "working_dir", svc_working_dir, NULL },
  { "volumes", svc_volumes, NULL },
  { "tmpfs", svc_tmpfs, NULL },
  { "depends_on", svc_depends_on, NULL },
  { "expose", svc_expose, NULL },
  { "healthcheck", svc_healthcheck, NULL },
  { "deploy", svc_deploy, NULL },
  { "restart", svc_restart, NULL },
  { "stop_grace_period", svc_stop_grace, NULL },
  { "mem_limit", lim_memory, NULL },
  { "mem_reservation", res_memory, NULL },
  { "cpus", lim_cpus, NULL },
  { "pids_limit", lim_pids, NULL },
  { "ports", NULL, "cfp never publishes host ports; use `expose`" },
  { "networks", NULL, "cfp puts every service on the stack's network" },
  { "network_mode", NULL, "cfp puts every service on the stack's network" },
  { "build", NULL, "cfp deploys prebuilt images only" },
  { "env_file", NULL, "cfp reads no files from the host; use `environment`" },
  { "container_name", NULL, "cfp names containers itself" },
  { "read_only", svc_read_only, NULL },
  { "cap_drop", svc_cap_drop, NULL },
  { "security_opt", svc_security_opt, NULL },
  { "cgroup", svc_cgroup, NULL },
  { "ulimits", svc_accepted_map, NULL },
  { "logging", svc_accepted_map, NULL },
  { "sysctls", svc_sysctls, NULL },
  { "cap_add", svc_cap_add, NULL },
  { "runtime", svc_runtime, NULL },
  { "stop_signal", svc_stop_signal, NULL },
  { "shm_size", svc_shm_size, NULL },
  { "oom_score_adj", svc_oom_score_adj, NULL },
  { "scale", svc_scale, NULL },
  { "blkio_config", svc_blkio, NULL },
  { "post_start", NULL, "cfp does not run lifecycle hooks" },
  { "pre_stop", NULL, "cfp does not run lifecycle hooks" },
  { NULL, NULL, NULL },
};

/* --- services, volumes, dependencies ---------------------------------- */

static int
parse_service (struct pctx *c, struct cmp_service *s, struct fy_node *n)
{
  int rc;

  c->svc = s->name;
  c->keypos = s->pos;
  c->path[0] = '\0';
  if (n == NULL || !fy_node_is_mapping (n))
    return fail (c, n, "the service must be a mapping");
  rc = parse_fields (c, n, service_fields, s);
  if (rc == 0 && s->image == NULL)
    rc = fail (c, NULL, "`image` is required");
  if (rc == 0)
    c->svc = NULL;
  return rc;
}

static int
check_label (struct pctx *c, struct fy_node *k, const char *what,
             const char *name)
{
  if (name_is_compose (name))
    return 0;
  return fail (c, k,
               "%s name `%.80s` is not 1-63 characters of a-z, A-Z, 0-9, "
               "'_', '.' and '-' starting with a letter or digit",
               what, name);
}

static int
parse_services (struct pctx *c)
{
  struct fy_node *n = c->services;
  struct fy_node_pair *p;
  void *it = NULL;
  size_t i = 0;
  int count;

  c->keypos = c->services_pos;
  if (n == NULL || !fy_node_is_mapping (n))
    return fail (c, n, "`services` must be a mapping");
  count = fy_node_mapping_item_count (n);
  if (count < 1)
    return report (c, c->services_pos, "`services` is empty");
  if (count > COMPOSE_MAX_SERVICES)
    return report (c, c->services_pos, "%d services, over the limit of %d",
                   count, COMPOSE_MAX_SERVICES);
  c->st->services = xcalloc ((size_t)count, sizeof *c->st->services);
  c->st->n_services = (size_t)count;
  /* Names first, so that depends_on can check them in one pass. */
  while ((p = fy_node_mapping_iterate (n, &it)) != NULL)
    {
      struct cmp_service *s = &c->st->services[i++];

      if (get_key (c, fy_node_pair_key (p), &s->name) < 0
          || check_label (c, fy_node_pair_key (p), "service", s->name) < 0)
        return -CFP_E_INVALID;
      s->pos = compose_yaml_mark (fy_node_pair_key (p));
    }
  it = NULL;
  for (i = 0; (p = fy_node_mapping_iterate (n, &it)) != NULL; i++)
    if (parse_service (c, &c->st->services[i], fy_node_pair_value (p)) < 0)
      return -CFP_E_INVALID;
  return 0;
}

static int
parse_volume (struct pctx *c, struct cmp_volume *vol, struct fy_node_pair *p)
{
  struct fy_node *k = fy_node_pair_key (p), *v = fy_node_pair_value (p);

  if (get_key (c, k, &vol->name) < 0
      || check_label (c, k, "volume", vol->name) < 0)
    return -CFP_E_INVALID;
  vol->pos = compose_yaml_mark (k);
  if (is_null (v)
      || (fy_node_is_mapping (v) && fy_node_mapping_item_count (v) == 0))
    return 0;
  /* Labels alone are accepted (the policy has refused reserved keys) and
   * not applied: cfp labels the volumes it creates itself. */
  if (fy_node_is_mapping (v) && fy_node_mapping_item_count (v) == 1
      && fy_node_mapping_lookup_by_string (v, "labels", FY_NT) != NULL)
    return 0;
  return fail (c, k,
               "volume `%s`: options are not supported: cfp creates "
               "and names the volume itself",
               vol->name);
}

static int
parse_volumes (struct pctx *c)
{
  struct fy_node *n = c->volumes;
  struct fy_node_pair *p;
  void *it = NULL;
  int count;

  if (is_null (n))
    return 0;
  c->keypos = c->volumes_pos;
  strcpy (c->path, "volumes");
  if (!fy_node_is_mapping (n))
    return fail (c, n, "top-level `volumes` must be a mapping");
  if (check_items (c, n) < 0)
    return -CFP_E_INVALID;
  count = fy_node_mapping_item_count (n);
  c->st->volumes = xcalloc ((size_t)count, sizeof *c->st->volumes);
  while ((p = fy_node_mapping_iterate (n, &it)) != NULL)
    if (parse_volume (c, &c->st->volumes[c->st->n_volumes++], p) < 0)
      return -CFP_E_INVALID;
  return 0;
}

static size_t
service_index (const struct cmp_stack *st, const char *name)
{
  return (size_t)(compose_service (st, name) - st->services);
}

static int
cycle_error (struct pctx *c, const size_t *path, size_t depth, size_t j)
{
  const struct cmp_service *sv = c->st->services;
  struct buf b;
  size_t k = 0;
  int rc;

  while (path[k] != j)
    k++;
  buf_init (&b, CFP_ERR_MAX / 2);
  for (; k <= depth; k++)
    buf_printf (&b, "`%s` -> ", sv[path[k]].name);
  buf_printf (&b, "`%s`", sv[j].name);
  rc = report (c, sv[j].pos, "depends_on cycle: %s", b.data ? b.data : "");
  buf_free (&b);
  return rc;
}

/* Depth-first search; color 1 = on the current path, 2 = done. */
static int
visit (struct pctx *c, size_t i, unsigned char *color, size_t *path,
       size_t depth)
{
  const struct cmp_service *s = &c->st->services[i];

  color[i] = 1;
  path[depth] = i;
  for (size_t d = 0; d < s->n_depends_on; d++)
    {
      size_t j = service_index (c->st, s->depends_on[d]);

      if (color[j] == 1)
        return cycle_error (c, path, depth, j);
      if (color[j] == 0 && visit (c, j, color, path, depth + 1) < 0)
        return -CFP_E_INVALID;
    }
  color[i] = 2;
  return 0;
}

static int
check_cycles (struct pctx *c)
{
  size_t n = c->st->n_services;
  cleanup_free unsigned char *color = xcalloc (n, 1);
  cleanup_free size_t *path = xcalloc (n, sizeof *path);

  for (size_t i = 0; i < n; i++)
    if (color[i] == 0 && visit (c, i, color, path, 0) < 0)
      return -CFP_E_INVALID;
  return 0;
}

/* --- top level --------------------------------------------------------- */

static int
top_services (struct pctx *c, struct fy_node *v, void *obj)
{
  (void)obj;
  c->services = v;
  c->services_pos = c->keypos;
  return 0;
}

static int
top_volumes (struct pctx *c, struct fy_node *v, void *obj)
{
  (void)obj;
  c->volumes = v;
  c->volumes_pos = c->keypos;
  return 0;
}

/* `name` and `version`: checked and interpolated, then ignored; cfp names
 * stacks itself and `version` is obsolete. */
static int
top_ignored (struct pctx *c, struct fy_node *v, void *obj)
{
  cleanup_free char *s = NULL;

  (void)obj;
  return get_str (c, v, &s);
}

static const struct field top_fields[] = {
  { "services", top_services, NULL },
  { "volumes", top_volumes, NULL },
  { "name", top_ignored, NULL },
  { "version", top_ignored, NULL },
  { "networks", NULL, "cfp creates the stack's network itself" },
  { "secrets", NULL, "cfp injects secrets from its own vault" },
  { "configs", NULL,
    "cfp reads no files from the host; use `environment` "
    "or a volume" },
  { "include", NULL, "a stack is one file" },
  { NULL, NULL, NULL },
};

static int
parse_root (struct pctx *c, struct fy_node *root)
{
  if (root == NULL || !fy_node_is_mapping (root))
    return fail (c, root, "the top level must be a mapping");
  if (parse_fields (c, root, top_fields, NULL) < 0)
    return -CFP_E_INVALID;
  if (c->services == NULL)
    return report (c, (struct cmp_pos){ 1, 1 },
                   "top-level `services` is required");
  if (parse_volumes (c) < 0 || parse_services (c) < 0)
    return -CFP_E_INVALID;
  return check_cycles (c);
}

/* --- loading ---------------------------------------------------------- */

static int
parse_yaml (struct pctx *c, const char *text, size_t len)
{
  struct cmp_yaml *y = NULL;
  int rc;

  rc = compose_yaml_load (text, len, c->file, 0, &y, c->err);
  if (rc == 0 && y == NULL)
    rc = report (c, (struct cmp_pos){ 0, 0 },
                 "the file is empty: top-level `services` is required");
  if (rc == 0)
    rc = parse_root (c, compose_yaml_root (y));
  compose_yaml_free (y);
  return rc;
}

/* --- exported ---------------------------------------------------------- */

int
compose_parse (const char *text, size_t len, const char *file,
               const struct cmp_params *params, struct cmp_stack **out,
               struct cfp_err *err)
{
  struct cfp_err local;
  struct pctx *c;
  int rc;

  *out = NULL;
  c = xcalloc (1, sizeof *c);
  c->err = err != NULL ? err : &local;
  c->params = params;
  c->st = xcalloc (1, sizeof *c->st);
  c->st->file = xstrdup (file != NULL ? file : "compose.yml");
  c->file = c->st->file;
  rc = parse_yaml (c, text, len);
  if (rc == 0)
    *out = steal_pointer (&c->st);
  compose_free (c->st);
  free (c);
  return rc;
}

static void
kvs_free (struct cmp_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

static void
service_free (struct cmp_service *s)
{
  free (s->name);
  free (s->image);
  argv_free (s->command);
  argv_free (s->entrypoint);
  kvs_free (s->env, s->n_env);
  kvs_free (s->labels, s->n_labels);
  free (s->user);
  free (s->working_dir);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      free (s->mounts[i].source);
      free (s->mounts[i].target);
    }
  free (s->mounts);
  argv_free (s->depends_on);
  argv_free (s->depends_healthy);
  free (s->expose);
  argv_free (s->healthcheck.test);
  free (s->restart);
  kvs_free (s->sysctls, s->n_sysctls);
  free (s->stop_signal);
  argv_free (s->cap_add);
  free (s->runtime);
}

void
compose_free (struct cmp_stack *stack)
{
  if (stack == NULL)
    return;
  for (size_t i = 0; i < stack->n_services; i++)
    service_free (&stack->services[i]);
  free (stack->services);
  for (size_t i = 0; i < stack->n_volumes; i++)
    free (stack->volumes[i].name);
  free (stack->volumes);
  free (stack->file);
  free (stack);
}

/* CFP-HC-30: the list is shared with the policy (src/policy/check.c). */
bool
compose_sysctl_safe (const char *name)
{
  static const char *const ok[] = { "kernel.shm_rmid_forced",
                                    "net.ipv4.ip_local_port_range",
                                    "net.ipv4.tcp_syncookies",
                                    "net.ipv4.ping_group_range",
                                    "net.ipv4.ip_unprivileged_port_start",
                                    "net.ipv4.ip_local_reserved_ports",
                                    "net.ipv4.tcp_keepalive_time",
                                    "net.ipv4.tcp_fin_timeout",
                                    "net.ipv4.tcp_keepalive_intvl",
                                    "net.ipv4.tcp_keepalive_probes",
                                    "net.ipv4.tcp_rmem",
                                    "net.ipv4.tcp_wmem",
                                    NULL };

  for (size_t i = 0; ok[i]; i++)
    if (strcmp (name, ok[i]) == 0)
      return true;
  return false;
}

const struct cmp_service *
compose_service (const struct cmp_stack *stack, const char *name)
{
  if (stack == NULL || name == NULL)
    return NULL;
  for (size_t i = 0; i < stack->n_services; i++)
    if (stack->services[i].name != NULL
        && strcmp (stack->services[i].name, name) == 0)
      return &stack->services[i];
  return NULL;
}
