/* Rewriting a tenant's document to the hardened defaults.
 *
 * provision/harden.c applies the same defaults when it builds the engine
 * spec, whatever the file says; the rewrite exists so that the file a
 * tenant gets back says what will run, and so that every difference is
 * reported as a patch the tenant can read.  The values here therefore
 * follow harden.c: the same floors, the same tmpfs flags, the same log and
 * restart bounds.
 *
 * Each change is applied to the tree at once and recorded as an RFC 6902
 * operation whose path is valid in the document as it was just before that
 * operation, so the patch list replayed in order on the tenant's document
 * gives the rewritten one.  Array elements are replaced or appended, never
 * removed, so earlier indices stay valid.
 *
 * Order: the top-level removal first, then services in document order,
 * each with its rules in catalogue order.  A second rewrite of the result
 * records nothing: every step compares before it writes.
 *
 * Only what pol_check() lets through is changed.  Values of a type the
 * rule does not expect (a string where a list belongs) are replaced by
 * the default, which is never weaker than what was there. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "policy/policy.h"

#define MIB (1024LL * 1024)
#define NANO 1000000000LL
/* The floors of harden.c: Docker refuses less memory, and a limit that
 * rounds to nothing makes an unusable container. */
#define MIN_MEMORY (6 * MIB)
#define MIN_NANO_CPUS 10000000LL /* 0.01 vCPU, also the share's rounding */
#define MIN_PIDS 16
#define NOFILE_SOFT 4096
#define NOFILE_HARD 8192
/* Bounds for numbers read from the file before they are scaled. */
#define MAX_COUNT (1LL << 40)
#define MAX_CPUS 1000000

#define NNP "no-new-privileges"
#define TMPFS_OPTS "rw,noexec,nosuid,nodev"

struct rw
{
  const struct pol_config *cfg;
  struct pol_result *out;
  size_t n_services;
};

/* One service being rewritten.  The limits are computed from the file
 * before any step runs. */
struct svc
{
  json_t *obj;
  char *base; /* "/services/<name>", escaped */
  int64_t memory;
  int64_t nano_cpus;
  int64_t pids;
};

static const char *const LIM_MEMORY[]
    = { "deploy", "resources", "limits", "memory", NULL };
static const char *const LIM_CPUS[]
    = { "deploy", "resources", "limits", "cpus", NULL };
static const char *const LIM_PIDS[]
    = { "deploy", "resources", "limits", "pids", NULL };
static const char *const RES_MEMORY[]
    = { "deploy", "resources", "reservations", "memory", NULL };
static const char *const TMPFS_SIZE[] = { "tmpfs", "size", NULL };

/* Service keys removed under CFP-HC-59.  A key is listed only when the
 * deployed container is the same with or without it, so dropping it loses
 * nothing the tenant could rely on:
 *   hostname, domainname  harden.c sets neither: the container gets the
 *                         engine's default whatever the file says
 *   stdin_open, tty       cfp always creates containers with no stdin and
 *                         no terminal (OpenStdin and Tty false)
 *   init                  cfp always runs an init process (Init true)
 * Deliberately not listed: stop_signal, which changes how the tenant's own
 * process is asked to stop and confines nothing; deploy applies it.  `user` is
 * never rewritten either: cfp resolves it at deploy time from the image
 * (harden_user()). */
static const char *const ignored_service_keys[] = {
  "hostname", "domainname", "stdin_open", "tty", "init",
};

/* --- recording changes ------------------------------------------------- */

static char *
ptr_index (const char *base, size_t i)
{
  char tok[24];

  snprintf (tok, sizeof tok, "%zu", i);
  return compose_pointer (base, tok);
}

/* Appends a patch; takes `pointer`, copies `value` (the tree goes on
 * changing after the patch is recorded). */
static void
record (struct rw *rw, const char *rule, const char *op, char *pointer,
        json_t *value)
{
  struct pol_result *r = rw->out;
  struct pol_patch *p;

  r->patches = xrealloc (r->patches, (r->n_patches + 1) * sizeof *p);
  p = &r->patches[r->n_patches++];
  p->rule = pol_rule_find (rule);
  p->op = xstrdup (op);
  p->pointer = pointer;
  p->value = value != NULL ? json_deep_copy (value) : NULL;
}

/* parent[key] = value (taken), as "add" or "replace"; nothing when the
 * value is there already. */
static void
obj_set (struct rw *rw, const char *rule, json_t *parent, const char *base,
         const char *key, json_t *value)
{
  json_t *old = json_object_get (parent, key);

  if (old != NULL && json_equal (old, value))
    {
      json_decref (value);
      return;
    }
  record (rw, rule, old != NULL ? "replace" : "add",
          compose_pointer (base, key), value);
  json_object_set_new (parent, key, value);
}

static void
obj_remove (struct rw *rw, const char *rule, json_t *parent, const char *base,
            const char *key)
{
  if (json_object_get (parent, key) == NULL)
    return;
  record (rw, rule, "remove", compose_pointer (base, key), NULL);
  json_object_del (parent, key);
}

static void
arr_set (struct rw *rw, const char *rule, json_t *arr, const char *base,
         size_t i, json_t *value)
{
  if (json_equal (json_array_get (arr, i), value))
    {
      json_decref (value);
      return;
    }
  record (rw, rule, "replace", ptr_index (base, i), value);
  json_array_set_new (arr, i, value);
}

static void
arr_append (struct rw *rw, const char *rule, json_t *arr, const char *base,
            json_t *value)
{
  record (rw, rule, "add", compose_pointer (base, "-"), value);
  json_array_append_new (arr, value);
}

static json_t *
get_in (json_t *obj, const char *const *keys)
{
  for (; obj != NULL && *keys != NULL; keys++)
    obj = json_object_get (obj, *keys);
  return obj;
}

/* {keys[0]: {keys[1]: ... value}}; value itself when keys is empty. */
static json_t *
nest (const char *const *keys, json_t *value)
{
  json_t *o;

  if (*keys == NULL)
    return value;
  o = json_object ();
  json_object_set_new (o, keys[0], nest (keys + 1, value));
  return o;
}

/* Sets the member at `keys` below `obj`.  The first missing (or
 * non-mapping) level is added with everything below it in one patch, so
 * each patch's path exists in the document it applies to. */
static void
set_in (struct rw *rw, const char *rule, json_t *obj, const char *base,
        const char *const *keys, json_t *value)
{
  cleanup_free char *ptr = xstrdup (base);

  for (; keys[1] != NULL; keys++)
    {
      json_t *next = json_object_get (obj, keys[0]);
      char *p;

      if (!json_is_object (next))
        {
          value = nest (keys + 1, value);
          break;
        }
      p = compose_pointer (ptr, keys[0]);
      free (ptr);
      ptr = p;
      obj = next;
    }
  obj_set (rw, rule, obj, ptr, keys[0], value);
}

/* --- reading values as Compose writes them ----------------------------- */

/* A non-negative count: an integer or a string of digits; -1 otherwise. */
static int64_t
count_value (json_t *v)
{
  const char *s = json_string_value (v);
  char *end;
  long long n;

  if (json_is_integer (v))
    return json_integer_value (v) >= 0 && json_integer_value (v) <= MAX_COUNT
               ? json_integer_value (v)
               : -1;
  if (s == NULL || !isdigit ((unsigned char)*s))
    return -1;
  errno = 0;
  n = strtoll (s, &end, 10);
  return errno == 0 && *end == '\0' && n <= MAX_COUNT ? n : -1;
}

/* Bytes from 1073741824, 1.5e9 or "512m"; -1 when absent or unreadable. */
static int64_t
size_value (json_t *v)
{
  int64_t n;

  if (json_is_integer (v))
    return json_integer_value (v) > 0 ? json_integer_value (v) : -1;
  if (json_is_real (v))
    return json_real_value (v) >= 1 && json_real_value (v) < 0x1p62
               ? (int64_t)json_real_value (v)
               : -1;
  if (json_is_string (v) && parse_size (json_string_value (v), &n) == 0
      && n > 0)
    return n;
  return -1;
}

/* "0.25" in nano-CPUs, exactly: digits after the ninth are dropped. */
static int64_t
parse_cpus (const char *s)
{
  int64_t whole = 0, frac = 0, scale = NANO;

  if (!isdigit ((unsigned char)*s) && *s != '.')
    return -1;
  for (; isdigit ((unsigned char)*s); s++)
    if ((whole = whole * 10 + (*s - '0')) > MAX_CPUS)
      return -1;
  if (*s == '.')
    for (s++; isdigit ((unsigned char)*s); s++)
      if (scale > 1)
        frac += (*s - '0') * (scale /= 10);
  return *s == '\0' ? whole * NANO + frac : -1;
}

static int64_t
cpus_value (json_t *v)
{
  int64_t n = -1;

  if (json_is_integer (v) && json_integer_value (v) > 0
      && json_integer_value (v) <= MAX_CPUS)
    n = json_integer_value (v) * NANO;
  else if (json_is_real (v) && json_real_value (v) > 0
           && json_real_value (v) < MAX_CPUS)
    n = llround (json_real_value (v) * NANO);
  else if (json_is_string (v))
    n = parse_cpus (json_string_value (v));
  return n > 0 ? n : -1;
}

/* The form Compose documents for cpus: "0.5", "2.0". */
static json_t *
cpus_json (int64_t nano)
{
  char s[48];
  int len = snprintf (s, sizeof s, "%lld.%09lld", (long long)(nano / NANO),
                      (long long)(nano % NANO));

  while (len > 0 && s[len - 1] == '0' && s[len - 2] != '.')
    s[--len] = '\0';
  return json_string (s);
}

/* --- CFP-HC-31..36: limits --------------------------------------------- */

/* The smaller of two requests, where -1 means none. */
static int64_t
min_request (int64_t a, int64_t b)
{
  if (a < 0)
    return b;
  return b < 0 || a < b ? a : b;
}

/* The share, lowered (never raised) by the request; then the floor. */
static int64_t
lower (int64_t share, int64_t request, int64_t floor)
{
  int64_t v = request > 0 && request < share ? request : share;

  return v < floor ? floor : v;
}

/* Each service gets an even share of the plan's per-stack envelope,
 * rounded down (to a MiB, to 0.01 CPU) so the shares never add up past
 * the plan and the file reads well. */
static void
compute_limits (const struct rw *rw, struct svc *s)
{
  const struct plan *p = rw->cfg->plan;
  int64_t n = rw->n_services > 0 ? (int64_t)rw->n_services : 1;
  int64_t mem = p->memory / n / MIB * MIB;
  int64_t cpu = p->nano_cpus / n / MIN_NANO_CPUS * MIN_NANO_CPUS;
  json_t *o = s->obj;

  s->memory = lower (mem,
                     min_request (size_value (json_object_get (o, "mem_limit")),
                                  size_value (get_in (o, LIM_MEMORY))),
                     MIN_MEMORY);
  s->nano_cpus = lower (cpu,
                        min_request (cpus_value (json_object_get (o, "cpus")),
                                     cpus_value (get_in (o, LIM_CPUS))),
                        MIN_NANO_CPUS);
  s->pids = lower (p->pids / n,
                   min_request (count_value (json_object_get (o, "pids_limit")),
                                count_value (get_in (o, LIM_PIDS))),
                   MIN_PIDS);
}

/* The limit goes to deploy.resources.limits and the service-level
 * shortcut goes, so the file has one source of truth. */
static void
hc31_memory (struct rw *rw, struct svc *s)
{
  set_in (rw, "CFP-HC-31", s->obj, s->base, LIM_MEMORY,
          json_integer (s->memory));
  obj_remove (rw, "CFP-HC-31", s->obj, s->base, "mem_limit");
}

/* cfp sets swap equal to memory: no swap on top of the limit. */
static void
hc32_swap (struct rw *rw, struct svc *s)
{
  obj_remove (rw, "CFP-HC-32", s->obj, s->base, "memswap_limit");
}

/* A reservation the file asks for is kept when under the limit, else
 * halved from the limit (harden.c's default); none is added, harden.c
 * reserves half the limit for a file that names none. */
static void
hc33_reservation (struct rw *rw, struct svc *s)
{
  json_t *shortcut = json_object_get (s->obj, "mem_reservation");
  json_t *cur = get_in (s->obj, RES_MEMORY);
  int64_t want = min_request (size_value (shortcut), size_value (cur));

  if (shortcut == NULL && cur == NULL)
    return;
  if (want <= 0 || want >= s->memory)
    want = s->memory / 2;
  if (size_value (cur) != want)
    set_in (rw, "CFP-HC-33", s->obj, s->base, RES_MEMORY, json_integer (want));
  obj_remove (rw, "CFP-HC-33", s->obj, s->base, "mem_reservation");
}

static void
hc34_cpus (struct rw *rw, struct svc *s)
{
  set_in (rw, "CFP-HC-34", s->obj, s->base, LIM_CPUS, cpus_json (s->nano_cpus));
  obj_remove (rw, "CFP-HC-34", s->obj, s->base, "cpus");
}

static void
hc36_pids (struct rw *rw, struct svc *s)
{
  set_in (rw, "CFP-HC-36", s->obj, s->base, LIM_PIDS, json_integer (s->pids));
  obj_remove (rw, "CFP-HC-36", s->obj, s->base, "pids_limit");
}

/* --- CFP-HC-03, 05, 14: capabilities, privileges, root filesystem ------ */

static void
hc03_cap_drop (struct rw *rw, struct svc *s)
{
  json_t *drop = json_object_get (s->obj, "cap_drop");
  size_t i;
  json_t *v;

  json_array_foreach (drop, i, v)
  {
    if (json_is_string (v) && strcasecmp (json_string_value (v), "ALL") == 0)
      return;
  }
  obj_set (rw, "CFP-HC-03", s->obj, s->base, "cap_drop",
           json_pack ("[s]", "ALL"));
}

/* Docker reads "no-new-privileges", ":true" and "=true" alike. */
static bool
nnp_enabled (const char *opt)
{
  return strcmp (opt, NNP) == 0 || strcmp (opt, NNP ":true") == 0
         || strcmp (opt, NNP "=true") == 0;
}

static void
hc05_no_new_privileges (struct rw *rw, struct svc *s)
{
  json_t *opts = json_object_get (s->obj, "security_opt");
  cleanup_free char *ptr = compose_pointer (s->base, "security_opt");
  size_t i;
  json_t *v;

  if (!json_is_array (opts))
    {
      obj_set (rw, "CFP-HC-05", s->obj, s->base, "security_opt",
               json_pack ("[s]", NNP ":true"));
      return;
    }
  json_array_foreach (opts, i, v)
  {
    const char *o = json_string_value (v);

    if (o == NULL || strncmp (o, NNP, strlen (NNP)) != 0)
      continue;
    if (!nnp_enabled (o))
      arr_set (rw, "CFP-HC-05", opts, ptr, i, json_string (NNP ":true"));
    return;
  }
  arr_append (rw, "CFP-HC-05", opts, ptr, json_string (NNP ":true"));
}

/* Anything but the boolean true ("true", "yes", false) becomes true. */
static void
hc14_read_only (struct rw *rw, struct svc *s)
{
  obj_set (rw, "CFP-HC-14", s->obj, s->base, "read_only", json_true ());
}

/* --- CFP-HC-15: tmpfs -------------------------------------------------- */

/* The requested size= among comma-separated options; -1 when none. */
static int64_t
opt_size (const char *opts)
{
  int64_t req = -1, n;

  for (const char *o = opts; *o != '\0'; o += *o == ',')
    {
      size_t len = strcspn (o, ",");
      cleanup_free char *one = xstrndup (o, len);

      if (strncmp (one, "size=", 5) == 0 && parse_size (one + 5, &n) == 0
          && n > 0)
        req = n;
      o += len;
    }
  return req;
}

/* "PATH[:OPTS]" -> "PATH:rw,noexec,nosuid,nodev,size=N" with N the
 * requested size capped at the plan's /tmp size (harden.c's add_tmpfs). */
static char *
tmpfs_entry (const struct plan *p, const char *spec)
{
  const char *colon = strchr (spec, ':');
  int64_t size = p->tmp_size;
  int64_t req = colon != NULL ? opt_size (colon + 1) : -1;
  int plen = colon != NULL ? (int)(colon - spec) : (int)strlen (spec);

  if (req > 0 && req < size)
    size = req;
  return xasprintf ("%.*s:" TMPFS_OPTS ",size=%lld", plen, spec,
                    (long long)size);
}

/* True when the path part of "PATH[:...]" (or the whole of `path`) is
 * /tmp, a trailing slash allowed. */
static bool
is_tmp (const char *path, size_t len)
{
  return (len == 4 || (len == 5 && path[4] == '/'))
         && strncmp (path, "/tmp", 4) == 0;
}

static bool
entry_is_tmp (const char *spec)
{
  return is_tmp (spec, strcspn (spec, ":"));
}

/* The target of a volume entry: "SRC:TARGET[:MODE]", "TARGET", or the
 * long syntax's `target`. */
static bool
volume_at_tmp (json_t *v)
{
  const char *s = json_string_value (v);
  const char *colon;

  if (json_is_object (v))
    s = json_string_value (json_object_get (v, "target"));
  else if (s != NULL && (colon = strchr (s, ':')) != NULL)
    s = colon + 1;
  return s != NULL && entry_is_tmp (s);
}

/* /tmp is left alone when a volume is mounted there already: a second
 * mount at the same path is refused by the engine. */
static bool
needs_tmp (json_t *svc)
{
  json_t *vols = json_object_get (svc, "volumes");
  size_t i;
  json_t *v;

  json_array_foreach (vols, i, v)
  {
    if (volume_at_tmp (v))
      return false;
  }
  return true;
}

static json_t *
tmp_default (const struct plan *p)
{
  char *s = tmpfs_entry (p, "/tmp");
  json_t *j = json_string (s);

  free (s);
  return j;
}

static void
tmpfs_list (struct rw *rw, struct svc *s, json_t *list, bool need_tmp)
{
  cleanup_free char *ptr = compose_pointer (s->base, "tmpfs");
  size_t i;
  json_t *v;

  json_array_foreach (list, i, v)
  {
    const char *spec = json_string_value (v);
    char *norm;

    if (spec == NULL)
      continue;
    if (entry_is_tmp (spec))
      need_tmp = false;
    norm = tmpfs_entry (rw->cfg->plan, spec);
    arr_set (rw, "CFP-HC-15", list, ptr, i, json_string (norm));
    free (norm);
  }
  if (need_tmp)
    arr_append (rw, "CFP-HC-15", list, ptr, tmp_default (rw->cfg->plan));
}

/* The single-string form stays a string when it is all there is. */
static void
tmpfs_string (struct rw *rw, struct svc *s, const char *spec, bool need_tmp)
{
  char *norm = tmpfs_entry (rw->cfg->plan, spec);
  json_t *v = json_string (norm);

  free (norm);
  if (need_tmp && !entry_is_tmp (spec))
    v = json_pack ("[o, o]", v, tmp_default (rw->cfg->plan));
  obj_set (rw, "CFP-HC-15", s->obj, s->base, "tmpfs", v);
}

static bool
is_tmpfs_volume (json_t *v)
{
  const char *type = json_string_value (json_object_get (v, "type"));

  return type != NULL && strcmp (type, "tmpfs") == 0;
}

/* Long-syntax tmpfs volumes take a size only; the flags come from
 * harden.c, which mounts every tmpfs noexec,nosuid,nodev. */
static void
tmpfs_volumes (struct rw *rw, struct svc *s)
{
  json_t *vols = json_object_get (s->obj, "volumes");
  int64_t cap = rw->cfg->plan->tmp_size;
  size_t i;
  json_t *v;

  json_array_foreach (vols, i, v)
  {
    int64_t req = size_value (get_in (v, TMPFS_SIZE));
    cleanup_free char *ptr = NULL;

    if (!is_tmpfs_volume (v) || (req > 0 && req <= cap))
      continue;
    ptr = xasprintf ("%s/volumes/%zu", s->base, i);
    set_in (rw, "CFP-HC-15", v, ptr, TMPFS_SIZE, json_integer (cap));
  }
}

static void
hc15_tmpfs (struct rw *rw, struct svc *s)
{
  json_t *t = json_object_get (s->obj, "tmpfs");
  bool need_tmp = needs_tmp (s->obj);

  if (json_is_string (t))
    tmpfs_string (rw, s, json_string_value (t), need_tmp);
  else if (json_is_array (t))
    tmpfs_list (rw, s, t, need_tmp);
  else if (need_tmp)
    obj_set (rw, "CFP-HC-15", s->obj, s->base, "tmpfs",
             json_pack ("[o]", tmp_default (rw->cfg->plan)));
  tmpfs_volumes (rw, s);
}

/* --- CFP-HC-21, 39, 41, 42, 59 ----------------------------------------- */

/* `cgroup: host` is a rejection; only the absent key is written. */
static void
hc21_cgroup (struct rw *rw, struct svc *s)
{
  if (json_object_get (s->obj, "cgroup") == NULL)
    obj_set (rw, "CFP-HC-21", s->obj, s->base, "cgroup",
             json_string ("private"));
}

/* Caps one ulimit, keeping what the file asks for when it is less.  The
 * single-number form stays when soft and hard come out equal to it. */
static void
cap_ulimit (struct rw *rw, json_t *u, const char *base, const char *name,
            int64_t soft_cap, int64_t hard_cap)
{
  json_t *v = json_object_get (u, name);
  bool single = !json_is_object (v);
  int64_t soft = count_value (single ? v : json_object_get (v, "soft"));
  int64_t hard = count_value (single ? v : json_object_get (v, "hard"));

  hard = hard >= 0 && hard < hard_cap ? hard : hard_cap;
  soft = soft >= 0 && soft < soft_cap ? soft : soft_cap;
  if (soft > hard)
    soft = hard;
  if (single && soft == hard && count_value (v) == soft)
    return;
  obj_set (rw, "CFP-HC-39", u, base, name,
           json_pack ("{s:I, s:I}", "soft", (json_int_t)soft, "hard",
                      (json_int_t)hard));
}

/* nofile is always written.  nproc is capped only when the file sets it:
 * RLIMIT_NPROC counts every process of the uid on the host, and many
 * stacks share uids (65534), so an added nproc could make forks fail
 * because of other stacks; the pids limit is the bound that counts. */
static void
hc39_ulimits (struct rw *rw, struct svc *s)
{
  json_t *u = json_object_get (s->obj, "ulimits");
  cleanup_free char *ptr = compose_pointer (s->base, "ulimits");

  if (!json_is_object (u))
    {
      obj_set (rw, "CFP-HC-39", s->obj, s->base, "ulimits",
               json_pack ("{s:{s:i, s:i}}", "nofile", "soft", NOFILE_SOFT,
                          "hard", NOFILE_HARD));
      return;
    }
  cap_ulimit (rw, u, ptr, "nofile", NOFILE_SOFT, NOFILE_HARD);
  if (json_object_get (u, "nproc") != NULL)
    cap_ulimit (rw, u, ptr, "nproc", rw->cfg->plan->pids, rw->cfg->plan->pids);
}

/* Remote drivers are rejected; what reaches here is replaced by the
 * plan's bounded json-file settings, which harden.c applies anyway. */
static void
hc41_logging (struct rw *rw, struct svc *s)
{
  const struct plan *p = rw->cfg->plan;
  char files[16];

  snprintf (files, sizeof files, "%d", p->log_max_file);
  obj_set (rw, "CFP-HC-41", s->obj, s->base, "logging",
           json_pack ("{s:s, s:{s:s, s:s}}", "driver", "json-file", "options",
                      "max-size", p->log_max_size, "max-file", files));
}

/* The retry count of "on-failure:N"; 0 for a bare or malformed one (a
 * zero count means no bound to the engine). */
static int64_t
on_failure_count (const char *s)
{
  if (strncmp (s, "on-failure:", 11) != 0 || !isdigit ((unsigned char)s[11]))
    return 0;
  for (const char *p = s + 11; *p != '\0'; p++)
    if (!isdigit ((unsigned char)*p) || p - s > 15)
      return 0;
  return strtoll (s + 11, NULL, 10);
}

/* "no" stays (a batch job), "on-failure:N" within the plan stays, the
 * rest, and no `restart` at all, becomes "on-failure:<plan>".  (A
 * deploy.restart_policy never gets here: pol_check refuses it.) */
static void
hc42_restart (struct rw *rw, struct svc *s)
{
  int retries = rw->cfg->plan->restart_retries;
  json_t *cur = json_object_get (s->obj, "restart");
  const char *v = json_string_value (cur);
  cleanup_free char *want = NULL;
  int64_t n = v != NULL ? on_failure_count (v) : 0;

  if (v == NULL || (strcmp (v, "no") != 0 && (n < 1 || n > retries)))
    want = xasprintf ("on-failure:%d", retries);
  if (want != NULL)
    obj_set (rw, "CFP-HC-42", s->obj, s->base, "restart", json_string (want));
}

static void
hc59_ignored (struct rw *rw, struct svc *s)
{
  size_t n = sizeof ignored_service_keys / sizeof *ignored_service_keys;

  for (size_t i = 0; i < n; i++)
    obj_remove (rw, "CFP-HC-59", s->obj, s->base, ignored_service_keys[i]);
}

/* --- the document ------------------------------------------------------ */

/* One step per rule, in catalogue order. */
static void (*const steps[]) (struct rw *, struct svc *) = {
  hc03_cap_drop,  hc05_no_new_privileges,
  hc14_read_only, hc15_tmpfs,
  hc21_cgroup,    hc31_memory,
  hc32_swap,      hc33_reservation,
  hc34_cpus,      hc36_pids,
  hc39_ulimits,   hc41_logging,
  hc42_restart,   hc59_ignored,
};

static void
rewrite_service (struct rw *rw, const char *name, json_t *obj)
{
  struct svc s = { .obj = obj };

  s.base = compose_pointer ("/services", name);
  compute_limits (rw, &s);
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
    steps[i](rw, &s);
  free (s.base);
}

int
pol_rewrite (struct cmp_doc *doc, const struct pol_config *cfg,
             struct pol_result *out, struct cfp_err *err)
{
  struct rw rw = { .cfg = cfg, .out = out };
  json_t *services, *svc;
  const char *name;

  if (!json_is_object (doc->root))
    return cfp_err_set (err, CFP_E_INVALID, "%s: the document is not a mapping",
                        doc->file);
  if (out->file == NULL)
    out->file = xstrdup (doc->file);
  /* The project name: cfp names every stack <tenant>-<stack> itself. */
  obj_remove (&rw, "CFP-HC-59", doc->root, "", "name");
  services = json_object_get (doc->root, "services");
  rw.n_services = json_object_size (services);
  json_object_foreach (services, name, svc)
  {
    if (json_is_object (svc))
      rewrite_service (&rw, name, svc);
  }
  return 0;
}
