#include "provision/harden.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

/* Docker refuses memory limits under 6 MiB. */
#define MIN_MEMORY (6LL * 1024 * 1024)
#define MIN_PIDS 16
#define MIN_NANO_CPUS 10000000LL /* 0.01 vCPU */
#define NOFILE_SOFT 4096
#define NOFILE_HARD 8192
/* Tenant processes are preferred victims of the host's OOM killer. */
#define OOM_SCORE_ADJ 500

char *
harden_network_name (const char *tenant, const char *stack)
{
  return xasprintf ("cfp_%s_%s", tenant, stack);
}

char *
harden_container_name (const char *tenant, const char *stack,
                       const char *service)
{
  return xasprintf ("cfp_%s_%s_%s", tenant, stack, service);
}

char *
harden_volume_name (const char *tenant, const char *stack, const char *volume)
{
  return xasprintf ("cfp_%s_%s_%s", tenant, stack, volume);
}

json_t *
harden_labels (const struct harden_ctx *c, const char *service)
{
  json_t *l = json_object ();

  json_object_set_new (l, LABEL_MANAGED, json_string ("true"));
  json_object_set_new (l, LABEL_TENANT, json_string (c->tenant));
  json_object_set_new (l, LABEL_STACK, json_string (c->stack));
  json_object_set_new (l, LABEL_TEMPLATE, json_string (c->template_name));
  if (service == NULL)
    return l;
  json_object_set_new (l, LABEL_SERVICE, json_string (service));
  /* A container inherits its image's labels: without this, an image could
   * bring its own traefik.* routing.  Ingress sets its own labels later. */
  json_object_set_new (l, "traefik.enable", json_string ("false"));
  return l;
}

/* Parses "UID" or "UID:GID" of digits; returns -1 for anything else. */
static int
parse_numeric_user (const char *s, long *uid, long *gid)
{
  char *end;

  if (s == NULL || !isdigit ((unsigned char)*s))
    return -1;
  *uid = strtol (s, &end, 10);
  *gid = -1;
  if (*end == ':')
    {
      const char *g = end + 1;

      if (!isdigit ((unsigned char)*g))
        return -1;
      *gid = strtol (g, &end, 10);
    }
  if (*end != '\0' || *uid > 0x7fffffffL || *gid > 0x7fffffffL)
    return -1;
  return 0;
}

static char *
format_user (long uid, long gid)
{
  return xasprintf ("%ld:%ld", uid, gid < 0 ? uid : gid);
}

static int
requested_user (const char *service, const char *req, char **out,
                struct cfp_err *err)
{
  long uid, gid;

  /* The value may come from a parameter: it is not repeated here. */
  if (parse_numeric_user (req, &uid, &gid) < 0)
    return cfp_err_set (err, CFP_E_INVALID,
                        "service `%s`: `user` must be numeric UID[:GID] (a "
                        "name could map to root inside the image)",
                        service);
  if (uid == 0 || gid == 0)
    return cfp_err_set (err, CFP_E_INVALID,
                        "service `%s`: `user` is root (uid or gid 0); "
                        "tenant containers never run as root",
                        service);
  *out = format_user (uid, gid);
  return 0;
}

int
harden_user (const char *service, const char *requested, const char *image_user,
             char **out, char **note, struct cfp_err *err)
{
  long uid, gid;

  if (note)
    *note = NULL;
  if (requested != NULL && *requested != '\0')
    return requested_user (service, requested, out, err);
  if (image_user == NULL || *image_user == '\0')
    {
      if (note)
        *note = xstrdup ("the image names no user");
    }
  else if (parse_numeric_user (image_user, &uid, &gid) < 0)
    {
      if (note)
        *note
            = xasprintf ("the image's user `%.64s` is not numeric", image_user);
    }
  else if (uid == 0 || gid == 0)
    {
      if (note)
        *note = xasprintf ("the image's user `%.64s` is root", image_user);
    }
  else
    {
      *out = format_user (uid, gid);
      return 0;
    }
  *out = xstrdup (HARDEN_NOBODY);
  return 0;
}

static int64_t
lower (int64_t share, int64_t declared, int64_t floor)
{
  int64_t v = declared > 0 && declared < share ? declared : share;

  return v < floor ? floor : v;
}

void
harden_envelope (const struct harden_ctx *c, int64_t *nano_cpus,
                 int64_t *memory)
{
  *nano_cpus = c->plan->nano_cpus;
  *memory = c->plan->memory;
  if (c->host_nano_cpus > 0 && *nano_cpus > c->host_nano_cpus)
    *nano_cpus = c->host_nano_cpus;
  if (c->host_memory > 0 && *memory > c->host_memory)
    *memory = c->host_memory;
}

void
harden_limits_for (const struct harden_ctx *c, const struct cmp_service *svc,
                   const struct tmpl_service *meta, struct harden_limits *out)
{
  const struct plan *p = c->plan;
  unsigned share = meta ? meta->share : 1;
  unsigned total = c->total_share ? c->total_share : 1;
  int64_t cpus, mem;

  harden_envelope (c, &cpus, &mem);
  out->nano_cpus
      = lower (cpus * share / total, (int64_t)(svc->cpus * 1e9), MIN_NANO_CPUS);
  out->memory = lower (mem * share / total, svc->mem_limit, MIN_MEMORY);
  out->pids = lower (p->pids * share / total, svc->pids_limit, MIN_PIDS);
  out->memory_reservation = out->memory / 2;
  if (svc->mem_reservation > 0 && svc->mem_reservation < out->memory)
    out->memory_reservation = svc->mem_reservation;
}

/* Wraps a heap string into a JSON string and frees it. */
static json_t *
json_take (char *s)
{
  json_t *j = json_string (s);

  free (s);
  return j;
}

static json_t *
argv_json (char *const *argv)
{
  json_t *a = json_array ();

  for (size_t i = 0; argv && argv[i]; i++)
    json_array_append_new (a, json_string (argv[i]));
  return a;
}

static json_t *
env_json (const struct cmp_service *svc)
{
  json_t *a = json_array ();

  /* An entry without a value would take cfp's own environment in
   * Compose; cfp never passes its environment on, so it is left out. */
  for (size_t i = 0; i < svc->n_env; i++)
    if (svc->env[i].value != NULL)
      json_array_append_new (a, json_take (xasprintf ("%s=%s", svc->env[i].key,
                                                      svc->env[i].value)));
  return a;
}

bool
harden_label_reserved (const char *key)
{
  return strncasecmp (key, "cfp.", 4) == 0
         || strncasecmp (key, "traefik.", 8) == 0;
}

int
harden_check_image_labels (const char *service, const char *ref, json_t *labels,
                           struct cfp_err *err)
{
  const char *key;
  json_t *v;

  json_object_foreach (labels, key, v)
  {
    if (strncasecmp (key, "traefik.", 8) == 0)
      return cfp_err_set (err, CFP_E_INVALID,
                          "service `%s`: image `%.120s` carries label "
                          "`%.80s`; images with traefik.* labels are refused "
                          "(routes come from cfp only)",
                          service, ref, key);
  }
  return 0;
}

static int
labels_json (const struct harden_ctx *c, const struct cmp_service *svc,
             json_t **out, struct cfp_err *err)
{
  json_t *l = json_object ();
  json_t *ours = harden_labels (c, svc->name);

  for (size_t i = 0; i < svc->n_labels; i++)
    {
      const char *k = svc->labels[i].key;

      if (harden_label_reserved (k))
        {
          json_decref (l);
          json_decref (ours);
          return cfp_err_set (err, CFP_E_INVALID,
                              "service `%s`: label `%.64s` is reserved "
                              "(cfp writes cfp.* and traefik.* labels itself)",
                              svc->name, k);
        }
      json_object_set_new (
          l, k, json_string (svc->labels[i].value ? svc->labels[i].value : ""));
    }
  json_object_update (l, ours);
  json_decref (ours);
  *out = l;
  return 0;
}

static json_t *
healthcheck_json (const struct cmp_healthcheck *h)
{
  json_t *j;

  if (!h->present)
    return NULL;
  if (h->disable)
    return json_pack ("{s:[s]}", "Test", "NONE");
  j = json_pack ("{s:o}", "Test", argv_json (h->test));
  if (h->interval_ms)
    json_object_set_new (j, "Interval",
                         json_integer (h->interval_ms * 1000000));
  if (h->timeout_ms)
    json_object_set_new (j, "Timeout", json_integer (h->timeout_ms * 1000000));
  if (h->start_period_ms)
    json_object_set_new (j, "StartPeriod",
                         json_integer (h->start_period_ms * 1000000));
  if (h->retries)
    json_object_set_new (j, "Retries", json_integer (h->retries));
  return j;
}

static json_t *
exposed_ports_json (const struct cmp_service *svc)
{
  json_t *o = json_object ();

  for (size_t i = 0; i < svc->n_expose; i++)
    {
      char key[16];

      snprintf (key, sizeof key, "%d/tcp", svc->expose[i]);
      json_object_set_new (o, key, json_object ());
    }
  return o;
}

/* A tmpfs with the flags of /tmp, no larger than the plan's /tmp. */
static void
add_tmpfs (const struct harden_ctx *c, json_t *tmpfs, const char *target,
           int64_t size)
{
  if (size <= 0 || size > c->plan->tmp_size)
    size = c->plan->tmp_size;
  json_object_set_new (tmpfs, target,
                       json_take (xasprintf ("rw,noexec,nosuid,nodev,size=%lld",
                                             (long long)size)));
}

static bool
mounted (const struct cmp_service *svc, json_t *tmpfs, const char *path)
{
  for (size_t i = 0; i < svc->n_mounts; i++)
    if (strcmp (svc->mounts[i].target, path) == 0)
      return true;
  return json_object_get (tmpfs, path) != NULL;
}

/* Declared volumes become per-stack named volumes; tmpfs mounts get the
 * same noexec,nosuid,nodev as /tmp; the image's own VOLUME paths get a
 * tmpfs rather than the engine's anonymous writable volume. */
static void
mounts_json (const struct harden_ctx *c, const struct cmp_service *svc,
             char *const *image_volumes, json_t *mounts, json_t *tmpfs)
{
  for (size_t i = 0; image_volumes && image_volumes[i]; i++)
    if (!mounted (svc, tmpfs, image_volumes[i]))
      add_tmpfs (c, tmpfs, image_volumes[i], 0);
  for (size_t i = 0; i < svc->n_mounts; i++)
    {
      const struct cmp_mount *m = &svc->mounts[i];

      if (m->type == CMP_MOUNT_TMPFS)
        {
          add_tmpfs (c, tmpfs, m->target, m->tmpfs_size);
          continue;
        }
      cleanup_free char *vol
          = harden_volume_name (c->tenant, c->stack, m->source);
      json_array_append_new (mounts,
                             json_pack ("{s:s, s:s, s:s, s:b}", "Type",
                                        "volume", "Source", vol, "Target",
                                        m->target, "ReadOnly", m->read_only));
    }
}

/* An image's HEALTHCHECK runs unless the file sets its own; probes run as
 * execs on the shared engine, so its interval gets the same floor as a
 * file's.  NULL when the image's interval is already fine. */
static json_t *
image_healthcheck (json_t *hc)
{
  const int64_t floor_ns = COMPOSE_MIN_HEALTH_INTERVAL_MS * 1000000LL;
  json_int_t interval = json_integer_value (json_object_get (hc, "Interval"));
  json_t *copy;

  /* 0 is the engine's default of 30 s. */
  if (hc == NULL || interval == 0 || interval >= floor_ns)
    return NULL;
  copy = json_deep_copy (hc);
  json_object_set_new (copy, "Interval", json_integer (floor_ns));
  return copy;
}

static json_t *
cap_add_json (const struct cmp_service *svc)
{
  json_t *a = json_array ();

  for (size_t i = 0; i < svc->n_cap_add; i++)
    json_array_append_new (a, json_string (svc->cap_add[i]));
  return a;
}

static json_t *
host_config (const struct harden_ctx *c, const struct cmp_service *svc,
             const struct tmpl_service *meta, char *const *image_volumes)
{
  const struct plan *p = c->plan;
  cleanup_free char *net = harden_network_name (c->tenant, c->stack);
  cleanup_free char *tmp
      = xasprintf ("rw,noexec,nosuid,nodev,size=%lld", (long long)p->tmp_size);
  cleanup_free char *retries = NULL;
  struct harden_limits lim;
  json_t *h, *mounts = json_array (), *tmpfs = json_object ();
  bool batch = meta && meta->kind == TMPL_BATCH;

  harden_limits_for (c, svc, meta, &lim);
  /* A volume the file mounts at /tmp takes /tmp's place: a tmpfs on top
   * would hide it. */
  if (!mounted (svc, tmpfs, "/tmp"))
    json_object_set_new (tmpfs, "/tmp", json_string (tmp));
  mounts_json (c, svc, image_volumes, mounts, tmpfs);
  retries = xasprintf ("%d", p->log_max_file);
  h = json_pack (
      "{s:b, s:b, s:[s], s:[], s:[s], s:s, s:s, s:o, s:o, s:I, s:I, s:I, "
      "s:I, s:I, s:I, s:i, s:b, s:{}, s:b}",
      "Privileged", 0, "ReadonlyRootfs", 1, "CapDrop", "ALL", "CapAdd",
      "SecurityOpt", "no-new-privileges:true", "NetworkMode", net, "IpcMode",
      "private", "Tmpfs", tmpfs, "Mounts", mounts, "Memory",
      (json_int_t)lim.memory, "MemorySwap", (json_int_t)lim.memory,
      "MemoryReservation", (json_int_t)lim.memory_reservation, "NanoCpus",
      (json_int_t)lim.nano_cpus, "CpuShares",
      (json_int_t)(lim.nano_cpus * 1024 / 1000000000LL < 2
                       ? 2
                       : lim.nano_cpus * 1024 / 1000000000LL),
      "PidsLimit", (json_int_t)lim.pids, "OomScoreAdj", OOM_SCORE_ADJ,
      "PublishAllPorts", 0, "PortBindings", "Init", 1);
  json_object_set_new (h, "LogConfig",
                       json_pack ("{s:s, s:{s:s, s:s}}", "Type", "json-file",
                                  "Config", "max-size", p->log_max_size,
                                  "max-file", retries));
  json_object_set_new (
      h, "RestartPolicy",
      json_pack ("{s:s, s:i}", "Name", batch ? "no" : "on-failure",
                 "MaximumRetryCount", batch ? 0 : p->restart_retries));
  /* Settings the admission policy bounded (safe sysctls, small shm, a
   * higher OOM score only, a block I/O weight). */
  if (svc->n_sysctls > 0)
    {
      json_t *sc = json_object ();

      for (size_t i = 0; i < svc->n_sysctls; i++)
        json_object_set_new (sc, svc->sysctls[i].key,
                             json_string (svc->sysctls[i].value));
      json_object_set_new (h, "Sysctls", sc);
    }
  if (svc->shm_size > 0)
    json_object_set_new (h, "ShmSize", json_integer (svc->shm_size));
  if (svc->oom_score_adj > OOM_SCORE_ADJ)
    json_object_set_new (h, "OomScoreAdj", json_integer (svc->oom_score_adj));
  if (svc->blkio_weight > 0)
    json_object_set_new (h, "BlkioWeight", json_integer (svc->blkio_weight));
  /* check_allowed() has vetted both against the operator's allowlists. */
  json_object_set_new (h, "CapAdd", cap_add_json (svc));
  if (svc->runtime != NULL)
    json_object_set_new (h, "Runtime", json_string (svc->runtime));
  /* The engine's default on cgroup v1 is the host's cgroup namespace. */
  json_object_set_new (h, "CgroupnsMode", json_string ("private"));
  json_object_set_new (h, "Ulimits",
                       json_pack ("[{s:s, s:i, s:i}]", "Name", "nofile", "Soft",
                                  NOFILE_SOFT, "Hard", NOFILE_HARD));
  return h;
}

static json_t *
networking_config (const struct harden_ctx *c, const struct cmp_service *svc)
{
  cleanup_free char *net = harden_network_name (c->tenant, c->stack);

  return json_pack ("{s:{s:{s:[s]}}}", "EndpointsConfig", net, "Aliases",
                    svc->name);
}

/* Every string that reaches the engine must be valid UTF-8: JSON cannot
 * carry anything else, and jansson would drop it silently. */
static int
check_strings (const struct cmp_service *svc, const struct harden_image *img,
               struct cfp_err *err)
{
  for (size_t i = 0; i < svc->n_env; i++)
    if (!utf8_valid (svc->env[i].key)
        || (svc->env[i].value && !utf8_valid (svc->env[i].value)))
      return cfp_err_set (err, CFP_E_INVALID,
                          "service `%s`: environment variable #%zu is not "
                          "valid UTF-8",
                          svc->name, i + 1);
  for (size_t i = 0; svc->command && svc->command[i]; i++)
    if (!utf8_valid (svc->command[i]))
      return cfp_err_set (err, CFP_E_INVALID,
                          "service `%s`: `command` is not valid UTF-8",
                          svc->name);
  if (!utf8_valid (img->ref) || !utf8_valid (img->user))
    return cfp_err_set (err, CFP_E_INVALID,
                        "service `%s`: image or user is not valid UTF-8",
                        svc->name);
  return 0;
}

static bool
listed (const char *const *list, const char *s)
{
  for (; list && *list; list++)
    {
      const char *l = *list;

      if (strncasecmp (l, "CAP_", 4) == 0)
        l += 4;
      if (strcasecmp (l, s) == 0)
        return true;
    }
  return false;
}

/* Capabilities and runtimes only from the operator's allowlists. */
static int
check_allowed (const struct harden_ctx *c, const struct cmp_service *svc,
               struct cfp_err *err)
{
  for (size_t i = 0; i < svc->n_cap_add; i++)
    if (!listed (c->cap_allow, svc->cap_add[i]))
      return cfp_err_set (err, CFP_E_INVALID,
                          "service `%s`: capability `%s` is not in the "
                          "operator's allowlist (CFP-HC-04)",
                          svc->name, svc->cap_add[i]);
  if (svc->runtime && strcmp (svc->runtime, "runc") != 0
      && !listed (c->runtime_allow, svc->runtime))
    return cfp_err_set (err, CFP_E_INVALID,
                        "service `%s`: runtime `%s` is not in the "
                        "operator's allowlist (CFP-HC-48)",
                        svc->name, svc->runtime);
  return 0;
}

int
harden_container_spec (const struct harden_ctx *c,
                       const struct cmp_service *svc,
                       const struct tmpl_service *meta,
                       const struct harden_image *img, json_t **out,
                       struct cfp_err *err)
{
  json_t *spec, *labels = NULL, *hc;
  int rc;

  rc = check_strings (svc, img, err);
  if (rc == 0)
    rc = check_allowed (c, svc, err);
  if (rc == 0)
    rc = labels_json (c, svc, &labels, err);
  if (rc < 0)
    return rc;
  spec = json_pack ("{s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:b}", "Image",
                    img->ref, "User", img->user, "Env", env_json (svc),
                    "Labels", labels, "ExposedPorts", exposed_ports_json (svc),
                    "AttachStdin", 0, "Tty", 0, "OpenStdin", 0);
  if (spec == NULL)
    return cfp_err_set (err, CFP_E_INVALID,
                        "service `%s`: cannot build the container spec",
                        svc->name);
  if (svc->command)
    json_object_set_new (spec, "Cmd", argv_json (svc->command));
  if (svc->entrypoint)
    json_object_set_new (spec, "Entrypoint", argv_json (svc->entrypoint));
  if (svc->working_dir)
    json_object_set_new (spec, "WorkingDir", json_string (svc->working_dir));
  if (svc->stop_signal)
    json_object_set_new (spec, "StopSignal", json_string (svc->stop_signal));
  if (svc->stop_grace_ms)
    json_object_set_new (spec, "StopTimeout",
                         json_integer ((svc->stop_grace_ms + 999) / 1000));
  hc = healthcheck_json (&svc->healthcheck);
  if (hc == NULL)
    hc = image_healthcheck (img->healthcheck);
  if (hc)
    json_object_set_new (spec, "Healthcheck", hc);
  json_object_set_new (spec, "HostConfig",
                       host_config (c, svc, meta, img->volumes));
  json_object_set_new (spec, "NetworkingConfig", networking_config (c, svc));
  *out = spec;
  return 0;
}

char *
harden_spec_hash (json_t *spec, const char *image_id)
{
  unsigned char h[16];
  char hex[33];
  char *text
      = spec ? json_dumps (spec, JSON_SORT_KEYS | JSON_COMPACT) : xstrdup ("");
  crypto_generichash_state st;

  crypto_generichash_init (&st, NULL, 0, sizeof h);
  crypto_generichash_update (&st, (const unsigned char *)text, strlen (text));
  crypto_generichash_update (&st, (const unsigned char *)image_id,
                             strlen (image_id));
  crypto_generichash_final (&st, h, sizeof h);
  free (text);
  sodium_bin2hex (hex, sizeof hex, h, sizeof h);
  return xstrdup (hex);
}
