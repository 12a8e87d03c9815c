#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "ops/plan.h"
#include "policy/policy.h"
#include "provision/harden.h"
#include "provision/provision.h"
#include "provision/template.h"

/* What a deploy does with one service's container. */
enum svc_op
{
  OP_KEEP,    /* the running container has the same spec */
  OP_CREATE,  /* there is none */
  OP_REPLACE, /* there is one with another spec */
};

struct svc_plan
{
  const struct cmp_service *svc;
  const struct tmpl_service *meta;
  char *image;
  char *image_id;
  char *user;
  char *user_note;
  char **image_volumes; /* the image's VOLUME paths, NULL-terminated */
  json_t *image_health; /* the image's HEALTHCHECK, or NULL */
  char *name;           /* final container name */
  char *temp_name;      /* the new container's name until the swap */
  char *prev_name;      /* the old container's name from the swap on */
  bool swapped;         /* old renamed to prev_name, new to name */
  json_t *spec;
  char *hash;
  char *old_id; /* the existing container, if any */
  bool old_running;
  enum svc_op op;
  char *new_id;
  int level;    /* depends_on depth: level 0 starts first */
  bool healthy; /* seen healthy by wait_healthy() */
};

struct deploy
{
  struct store *st;
  struct dock *d;
  const struct deploy_req *req;
  struct prov_report *rep;
  struct tenant_row tenant;
  const struct plan *plan;
  struct tmpl *tmpl;
  struct cmp_stack *model;
  struct harden_ctx hctx;
  char *network;
  char *network_id; /* set when this run created the network */
  char **volumes;   /* engine names, one per model volume */
  bool *volume_created;
  struct svc_plan *svcs;
  size_t n;
  json_t *existing; /* the stack's containers as the engine lists them */
  char *rewritten;  /* a tenant compose file as the policy rewrote it */
};

/* ---- inputs ---- */

int
prov_split_ref (const char *ref, char **tenant, char **stack,
                struct cfp_err *err)
{
  const char *slash = strchr (ref, '/');
  cleanup_free char *t = NULL;
  cleanup_free char *s = NULL;

  if (slash == NULL)
    return cfp_err_set (err, CFP_E_USAGE, "`%.80s` is not TENANT/STACK", ref);
  t = xstrndup (ref, (size_t)(slash - ref));
  s = xstrdup (slash + 1);
  if (name_check ("tenant", t, err) < 0 || name_check ("stack", s, err) < 0)
    return -CFP_E_INVALID;
  *tenant = steal_pointer (&t);
  *stack = steal_pointer (&s);
  return 0;
}

static const char *
image_override (const struct deploy_req *req, const char *service)
{
  size_t len = strlen (service);

  for (size_t i = 0; i < req->n_images; i++)
    if (strncmp (req->images[i], service, len) == 0
        && req->images[i][len] == '=')
      return req->images[i] + len + 1;
  return NULL;
}

static int
check_overrides (struct deploy *dp, struct cfp_err *err)
{
  for (size_t i = 0; i < dp->req->n_images; i++)
    {
      const char *s = dp->req->images[i];
      const char *eq = strchr (s, '=');
      cleanup_free char *svc = NULL;

      if (eq == NULL || eq == s || eq[1] == '\0')
        return cfp_err_set (err, CFP_E_USAGE,
                            "`--image`: expected SERVICE=IMAGE");
      svc = xstrndup (s, (size_t)(eq - s));
      if (compose_service (dp->model, svc) == NULL)
        return cfp_err_set (err, CFP_E_INVALID,
                            "`--image %.64s=...`: template `%s` has no "
                            "service `%.64s`",
                            svc, dp->tmpl->name, svc);
    }
  return 0;
}

static int
check_quota (struct deploy *dp, struct cfp_err *err)
{
  int count = 0;
  int rc;

  rc = store_stack_count (dp->st, dp->req->tenant, dp->req->stack, &count, err);
  if (rc < 0)
    return rc;
  if (count >= dp->plan->max_stacks)
    return cfp_err_set (err, CFP_E_LIMIT,
                        "tenant `%s` has %d stacks, the most its plan `%s` "
                        "allows; remove one or change the plan",
                        dp->req->tenant, count, dp->plan->name);
  return 0;
}

static int
load_inputs (struct deploy *dp, struct cfp_err *err)
{
  const struct deploy_req *req = dp->req;
  int rc;

  if (name_check ("tenant", req->tenant, err) < 0
      || name_check ("stack", req->stack, err) < 0)
    return -CFP_E_INVALID;
  rc = store_tenant_get (dp->st, req->tenant, &dp->tenant, err);
  if (rc == 0)
    rc = plan_find (dp->tenant.plan, &dp->plan, err);
  if (rc == 0 && req->compose_text != NULL)
    rc = prov_admit (req->compose_text, req->compose_len, req->compose_file,
                     req->sets, req->n_sets, dp->plan, req->settings,
                     req->policy, &dp->model, &dp->tmpl, &dp->rewritten, err);
  else if (rc == 0)
    rc = tmpl_load (req->template_dir, req->template_name, &dp->tmpl, err);
  if (rc == 0 && req->compose_text == NULL)
    rc = tmpl_render (dp->tmpl, req->sets, req->n_sets, &dp->model, err);
  if (rc == 0)
    rc = check_overrides (dp, err);
  if (rc == 0)
    rc = check_quota (dp, err);
  return rc;
}

/* ---- planning ---- */

static int
service_level (struct deploy *dp, size_t i, unsigned depth)
{
  const struct cmp_service *s = dp->svcs[i].svc;
  int level = 0;

  if (depth > COMPOSE_MAX_SERVICES)
    return 0; /* the parser refuses cycles; this only bounds recursion */
  for (size_t k = 0; k < s->n_depends_on; k++)
    for (size_t j = 0; j < dp->n; j++)
      if (strcmp (dp->svcs[j].svc->name, s->depends_on[k]) == 0)
        {
          int l = service_level (dp, j, depth + 1) + 1;
          level = l > level ? l : level;
        }
  return level;
}

/* An image reference as the engine writes them: [host[:port]/]path[:tag]
 * [@digest]; anything else never reaches a URL. */
static bool
image_ref_ok (const char *s)
{
  size_t n = strlen (s);

  if (n == 0 || n > 255 || !isalnum ((unsigned char)s[0]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char)s[i]) && strchr ("._/:@-", s[i]) == NULL)
      return false;
  return true;
}

static char **
volume_paths (json_t *volumes)
{
  char **out = xcalloc (json_object_size (volumes) + 1, sizeof *out);
  const char *path;
  size_t n = 0;
  json_t *v;

  json_object_foreach (volumes, path, v)
  {
    (void)v;
    out[n++] = xstrdup (path);
  }
  return out;
}

/* An image USER that is a name is looked up in the image's own passwd
 * file: only its number can show it is not root. */
static int
resolve_image_user (struct deploy *dp, struct svc_plan *p, const char *user,
                    char **resolved, struct cfp_err *err)
{
  bool named = false;

  for (const char *s = user; s && *s; s++)
    named = named || (!isdigit ((unsigned char)*s) && *s != ':');
  if (!named)
    return 0;
  return prov_image_user (dp->d, p->image, user, resolved, err);
}

static int
inspect_image (struct deploy *dp, struct svc_plan *p, struct cfp_err *err)
{
  cleanup_free char *resolved = NULL;
  json_t *img = NULL, *config;
  const char *id, *user;
  int rc;

  rc = dock_image_inspect (dp->d, p->image, &img, err);
  if (rc == -CFP_E_NOTFOUND)
    return cfp_err_set (err, CFP_E_NOTFOUND,
                        "service `%s`: image `%.120s` is not on the engine "
                        "(cfp never pulls; load it first, or choose another "
                        "with --image %s=IMAGE)",
                        p->svc->name, p->image, p->svc->name);
  if (rc < 0)
    return cfp_err_wrap (err, "service `%s`: inspect image", p->svc->name);
  config = json_object_get (img, "Config");
  id = json_string_value (json_object_get (img, "Id"));
  user = json_string_value (json_object_get (config, "User"));
  p->image_id = xstrdup (id ? id : "");
  p->image_volumes = volume_paths (json_object_get (config, "Volumes"));
  p->image_health = json_incref (json_object_get (config, "Healthcheck"));
  rc = harden_check_image_labels (p->svc->name, p->image,
                                  json_object_get (config, "Labels"), err);
  if (rc == 0 && (p->svc->user == NULL || p->svc->user[0] == '\0'))
    rc = resolve_image_user (dp, p, user, &resolved, err);
  if (rc == 0)
    rc = harden_user (p->svc->name, p->svc->user, resolved ? resolved : user,
                      &p->user, &p->user_note, err);
  if (rc == 0 && resolved && p->user_note)
    {
      free (p->user_note);
      p->user_note
          = xasprintf ("the image's user `%.64s` is %s, root", user, resolved);
    }
  json_decref (img);
  return rc;
}

static int
plan_service (struct deploy *dp, struct svc_plan *p, struct cfp_err *err)
{
  const char *over = image_override (dp->req, p->svc->name);
  struct harden_image img;
  int rc;

  p->meta = tmpl_service (dp->tmpl, p->svc->name);
  p->image = xstrdup (over ? over : p->svc->image);
  p->name
      = harden_container_name (dp->req->tenant, dp->req->stack, p->svc->name);
  p->temp_name = xasprintf ("%s_next", p->name);
  p->prev_name = xasprintf ("%s_prev", p->name);
  if (!image_ref_ok (p->image))
    return cfp_err_set (err, CFP_E_INVALID,
                        "service `%s`: the image is not a valid image "
                        "reference ([host/]name[:tag][@digest])",
                        p->svc->name);
  rc = inspect_image (dp, p, err);
  if (rc < 0)
    return rc;
  img = (struct harden_image){ p->image, p->user, p->image_volumes,
                               p->image_health };
  rc = harden_container_spec (&dp->hctx, p->svc, p->meta, &img, &p->spec, err);
  if (rc < 0)
    return rc;
  p->hash = harden_spec_hash (p->spec, p->image_id);
  json_object_set_new (json_object_get (p->spec, "Labels"), LABEL_SPEC,
                       json_string (p->hash));
  return 0;
}

static json_t *
find_existing (struct deploy *dp, const char *service)
{
  size_t i;
  json_t *c;

  json_array_foreach (dp->existing, i, c)
  {
    json_t *labels = json_object_get (c, "Labels");
    const char *s = json_string_value (json_object_get (labels, LABEL_SERVICE));

    if (s && strcmp (s, service) == 0)
      {
        json_t *names = json_array_get (json_object_get (c, "Names"), 0);
        const char *n = json_string_value (names);
        cleanup_free char *want
            = harden_container_name (dp->req->tenant, dp->req->stack, service);

        if (n && strcmp (n + (n[0] == '/'), want) == 0)
          return c;
      }
  }
  return NULL;
}

static void
choose_op (struct deploy *dp, struct svc_plan *p)
{
  json_t *c = find_existing (dp, p->svc->name);
  const char *hash, *state;

  p->op = OP_CREATE;
  if (c == NULL)
    return;
  hash = json_string_value (
      json_object_get (json_object_get (c, "Labels"), LABEL_SPEC));
  state = json_string_value (json_object_get (c, "State"));
  p->old_id = xstrdup (json_string_value (json_object_get (c, "Id")));
  p->old_running = state && strcmp (state, "running") == 0;
  p->op = hash && strcmp (hash, p->hash) == 0 ? OP_KEEP : OP_REPLACE;
}

static int
list_existing (struct deploy *dp, struct cfp_err *err)
{
  cleanup_free char *lt = xasprintf (LABEL_TENANT "=%s", dp->req->tenant);
  cleanup_free char *ls = xasprintf (LABEL_STACK "=%s", dp->req->stack);
  const char *labels[] = { lt, ls, NULL };

  return dock_container_list (dp->d, labels, &dp->existing, err);
}

/* The host's CPU count and memory, from the engine's own view. */
static int
host_limits (struct deploy *dp, struct cfp_err *err)
{
  json_t *info = NULL;
  int rc;

  rc = dock_request (dp->d, "GET", "/info", NULL, &info, NULL, err);
  if (rc < 0)
    return cfp_err_wrap (err, "read engine info");
  dp->hctx.host_nano_cpus
      = json_integer_value (json_object_get (info, "NCPU")) * 1000000000LL;
  dp->hctx.host_memory
      = json_integer_value (json_object_get (info, "MemTotal"));
  json_decref (info);
  return 0;
}

/* Each service gets at least the engine's minimum, so many small services
 * could add up past the plan; such a stack is refused. */
static int
check_envelope (struct deploy *dp, struct cfp_err *err)
{
  const struct plan *p = dp->plan;
  int64_t cpus = 0, mem = 0, pids = 0;
  int64_t env_cpus, env_mem;

  harden_envelope (&dp->hctx, &env_cpus, &env_mem);
  for (size_t i = 0; i < dp->n; i++)
    {
      struct harden_limits l;

      harden_limits_for (&dp->hctx, dp->svcs[i].svc, dp->svcs[i].meta, &l);
      cpus += l.nano_cpus;
      mem += l.memory;
      pids += l.pids;
    }
  if (cpus <= env_cpus && mem <= env_mem && pids <= p->pids)
    return 0;
  return cfp_err_set (err, CFP_E_LIMIT,
                      "the %zu services need %.2f vCPU, %lld MiB and %lld "
                      "pids at least, more than plan `%s` gives a stack "
                      "(%.2f vCPU, %lld MiB, %lld pids)",
                      dp->n, (double)cpus / 1e9, (long long)(mem >> 20),
                      (long long)pids, p->name, (double)env_cpus / 1e9,
                      (long long)(env_mem >> 20), (long long)p->pids);
}

static int
plan_all (struct deploy *dp, struct cfp_err *err)
{
  int rc;

  dp->n = dp->model->n_services;
  dp->svcs = xcalloc (dp->n, sizeof *dp->svcs);
  for (size_t i = 0; i < dp->n; i++)
    {
      dp->svcs[i].svc = &dp->model->services[i];
      dp->hctx.total_share += dp->tmpl->services[i].share;
    }
  rc = list_existing (dp, err);
  if (rc == 0)
    rc = host_limits (dp, err);
  for (size_t i = 0; rc == 0 && i < dp->n; i++)
    {
      rc = plan_service (dp, &dp->svcs[i], err);
      if (rc == 0)
        choose_op (dp, &dp->svcs[i]);
      dp->svcs[i].level = service_level (dp, i, 0);
    }
  if (rc == 0)
    rc = check_envelope (dp, err);
  return rc;
}

/* ---- network and volumes ---- */

/* An object of the right name must carry this stack's labels: a name
 * clash with something cfp did not create is refused, never adopted. */
static int
check_owner (struct deploy *dp, json_t *obj, const char *what, const char *name,
             struct cfp_err *err)
{
  json_t *labels = json_object_get (obj, "Labels");
  const char *t = json_string_value (json_object_get (labels, LABEL_TENANT));
  const char *s = json_string_value (json_object_get (labels, LABEL_STACK));

  if (t && s && strcmp (t, dp->req->tenant) == 0
      && strcmp (s, dp->req->stack) == 0)
    return 0;
  return cfp_err_set (err, CFP_E_CONFLICT,
                      "%s `%s` exists on the engine and does not belong to "
                      "stack `%s/%s`; remove or rename it",
                      what, name, dp->req->tenant, dp->req->stack);
}

static int
ensure_network (struct deploy *dp, struct cfp_err *err)
{
  json_t *net = NULL;
  json_t *labels;
  int rc;

  dp->network = harden_network_name (dp->req->tenant, dp->req->stack);
  rc = dock_network_inspect (dp->d, dp->network, &net, err);
  if (rc == 0)
    {
      rc = check_owner (dp, net, "network", dp->network, err);
      json_decref (net);
      if (rc == 0)
        prov_report_add (dp->rep, "network", dp->network, "unchanged", NULL);
      return rc;
    }
  if (rc != -CFP_E_NOTFOUND)
    return cfp_err_wrap (err, "inspect network `%s`", dp->network);
  labels = harden_labels (&dp->hctx, NULL);
  rc = dock_network_create (dp->d, dp->network, labels, false, &dp->network_id,
                            err);
  json_decref (labels);
  if (rc < 0)
    return cfp_err_wrap (err, "create network `%s`", dp->network);
  prov_report_add (dp->rep, "network", dp->network, "created", "bridge");
  return 0;
}

static int
ensure_volume (struct deploy *dp, size_t i, struct cfp_err *err)
{
  const char *name = dp->model->volumes[i].name;
  json_t *vol = NULL, *labels;
  int rc;

  dp->volumes[i] = harden_volume_name (dp->req->tenant, dp->req->stack, name);
  rc = dock_volume_inspect (dp->d, dp->volumes[i], &vol, err);
  if (rc == 0)
    {
      rc = check_owner (dp, vol, "volume", dp->volumes[i], err);
      json_decref (vol);
      if (rc == 0)
        prov_report_add (dp->rep, "volume", name, "unchanged", dp->volumes[i]);
      return rc;
    }
  if (rc != -CFP_E_NOTFOUND)
    return cfp_err_wrap (err, "inspect volume `%s`", dp->volumes[i]);
  labels = harden_labels (&dp->hctx, NULL);
  json_object_set_new (labels, "cfp.volume", json_string (name));
  rc = dock_volume_create (dp->d, dp->volumes[i], labels, err);
  json_decref (labels);
  if (rc < 0)
    return cfp_err_wrap (err, "create volume `%s`", dp->volumes[i]);
  dp->volume_created[i] = true;
  prov_report_add (dp->rep, "volume", name, "created", dp->volumes[i]);
  return 0;
}

static int
ensure_storage (struct deploy *dp, struct cfp_err *err)
{
  int rc = ensure_network (dp, err);

  dp->volumes = xcalloc (dp->model->n_volumes + 1, sizeof *dp->volumes);
  dp->volume_created = xcalloc (dp->model->n_volumes + 1, sizeof (bool));
  for (size_t i = 0; rc == 0 && i < dp->model->n_volumes; i++)
    rc = ensure_volume (dp, i, err);
  return rc;
}

/* ---- containers ---- */

static int
create_task (size_t i, struct dock *d, void *arg, struct cfp_err *err)
{
  struct deploy *dp = arg;
  struct svc_plan *p = &dp->svcs[i];
  const char *name = p->op == OP_REPLACE ? p->temp_name : p->name;
  int rc;

  if (p->op == OP_KEEP)
    return 0;
  /* A leftover from a deploy that crashed half-way has no value. */
  if (p->op == OP_REPLACE)
    dock_container_remove (d, name, NULL);
  rc = dock_container_create (d, name, p->spec, &p->new_id, err);
  if (rc < 0)
    return cfp_err_wrap (err, "service `%s`: create container", p->svc->name);
  return 0;
}

/* Creates every new container before anything old is touched, so that a
 * refused create leaves the running stack as it was. */
static int
create_all (struct deploy *dp, struct cfp_err *err)
{
  return prov_parallel (dp->d, dp->n, create_task, dp, err);
}

static int
rename_container (struct dock *d, const char *id, const char *name,
                  struct cfp_err *err)
{
  cleanup_free char *path
      = xasprintf ("/containers/%s/rename?name=%s", id, name);

  return dock_request (d, "POST", path, NULL, NULL, NULL, err);
}

/* Puts each replacement in place of its old container.  The old one is
 * stopped and renamed aside, not removed: until the new stack has started
 * and is recorded, a rollback can put it back. */
static int
swap_replaced (struct deploy *dp, struct cfp_err *err)
{
  for (size_t i = 0; i < dp->n; i++)
    {
      struct svc_plan *p = &dp->svcs[i];
      int rc = 0;

      if (p->op != OP_REPLACE)
        continue;
      dock_container_remove (dp->d, p->prev_name, NULL); /* a leftover */
      if (p->old_running)
        rc = dock_container_stop (dp->d, p->old_id, PROV_STOP_GRACE_S, err);
      if (rc == 0)
        rc = rename_container (dp->d, p->old_id, p->prev_name, err);
      if (rc == 0)
        p->swapped = true;
      if (rc == 0)
        rc = rename_container (dp->d, p->new_id, p->name, err);
      if (rc < 0)
        return cfp_err_wrap (err, "service `%s`: swap in the new container",
                             p->svc->name);
    }
  return 0;
}

/* After success: the old containers have served their purpose. */
static void
remove_replaced (struct deploy *dp)
{
  for (size_t i = 0; i < dp->n; i++)
    if (dp->svcs[i].op == OP_REPLACE && dp->svcs[i].old_id)
      dock_container_remove (dp->d, dp->svcs[i].old_id, NULL);
}

struct start_arg
{
  struct deploy *dp;
  size_t *idx; /* services of the current level */
};

static int
start_task (size_t i, struct dock *d, void *arg, struct cfp_err *err)
{
  struct start_arg *sa = arg;
  struct svc_plan *p = &sa->dp->svcs[sa->idx[i]];
  const char *id = p->new_id ? p->new_id : p->old_id;

  if (dock_container_start (d, id, err) < 0)
    return cfp_err_wrap (err, "service `%s`: start container", p->svc->name);
  return 0;
}

static bool
needs_start (const struct svc_plan *p)
{
  return p->op != OP_KEEP || !p->old_running;
}

/* One look at a dependency's health: 1 healthy, 0 not yet, or an error. */
static int
health_once (struct deploy *dp, struct svc_plan *dep, const char *who,
             struct cfp_err *err)
{
  const char *id = dep->new_id ? dep->new_id : dep->old_id;
  const char *health, *state;
  json_t *c = NULL;
  int rc;

  rc = dock_container_inspect (dp->d, id, &c, err);
  if (rc < 0)
    return rc;
  health = json_string_value (json_object_get (
      json_object_get (json_object_get (c, "State"), "Health"), "Status"));
  state = json_string_value (
      json_object_get (json_object_get (c, "State"), "Status"));
  if (health == NULL)
    rc = cfp_err_set (err, CFP_E_INVALID,
                      "service `%s` waits for `%s` to be healthy, but `%s` "
                      "has no healthcheck",
                      who, dep->svc->name, dep->svc->name);
  else if (strcmp (health, "healthy") == 0)
    rc = 1;
  else if (strcmp (health, "unhealthy") == 0 || !state
           || (strcmp (state, "running") != 0
               && strcmp (state, "restarting") != 0))
    rc = cfp_err_set (err, CFP_E_FAIL,
                      "service `%s` waits for `%s` to be healthy, but `%s` "
                      "is %s (see `cfp stack status`)",
                      who, dep->svc->name, dep->svc->name,
                      strcmp (health, "unhealthy") == 0 ? "unhealthy"
                      : state                           ? state
                                                        : "?");
  json_decref (c);
  return rc;
}

/* condition: service_healthy.  Polls every 250 ms for at most
 * PROV_HEALTH_WAIT_S; a stop request ends the wait (and the deploy). */
static int
wait_healthy (struct deploy *dp, struct svc_plan *dep, const char *who,
              struct cfp_err *err)
{
  const struct timespec step = { 0, 250 * 1000 * 1000 };
  int64_t t0 = now_ms ();

  for (int i = 0; i < PROV_HEALTH_WAIT_S * 4; i++)
    {
      int rc = health_once (dp, dep, who, err);
      cleanup_free char *detail = NULL;

      if (rc < 0)
        return rc;
      if (rc == 1)
        {
          detail = xasprintf ("after %.1f s", (double)(now_ms () - t0) / 1e3);
          prov_report_add (dp->rep, "service", dep->svc->name, "healthy",
                           detail);
          dep->healthy = true;
          return 0;
        }
      if (prov_check_stop (err) < 0)
        return -CFP_E_FAIL;
      nanosleep (&step, NULL);
    }
  return cfp_err_set (err, CFP_E_FAIL,
                      "service `%s` waits for `%s` to be healthy: not "
                      "healthy after %d s",
                      who, dep->svc->name, PROV_HEALTH_WAIT_S);
}

static struct svc_plan *
plan_of (struct deploy *dp, const char *name)
{
  for (size_t i = 0; i < dp->n; i++)
    if (strcmp (dp->svcs[i].svc->name, name) == 0)
      return &dp->svcs[i];
  return NULL;
}

/* Before a level starts, what its services wait for must be healthy. */
static int
await_level (struct deploy *dp, int level, struct cfp_err *err)
{
  for (size_t i = 0; i < dp->n; i++)
    {
      const struct cmp_service *s = dp->svcs[i].svc;

      if (dp->svcs[i].level != level)
        continue;
      for (size_t k = 0; k < s->n_depends_healthy; k++)
        {
          struct svc_plan *dep = plan_of (dp, s->depends_healthy[k]);

          if (dep != NULL && !dep->healthy
              && wait_healthy (dp, dep, s->name, err) < 0)
            return -err->code;
        }
    }
  return 0;
}

/* Starts level by level: services of one level at once, a level only after
 * the services it depends on have started (or, with condition
 * service_healthy, are healthy). */
static int
start_all (struct deploy *dp, struct cfp_err *err)
{
  cleanup_free size_t *idx = xcalloc (dp->n, sizeof *idx);
  struct start_arg sa = { dp, idx };

  for (int level = 0; level <= COMPOSE_MAX_SERVICES; level++)
    {
      size_t k = 0;
      int rc;

      for (size_t i = 0; i < dp->n; i++)
        if (dp->svcs[i].level == level && needs_start (&dp->svcs[i]))
          idx[k++] = i;
      if (k == 0)
        continue;
      rc = await_level (dp, level, err);
      if (rc == 0)
        rc = prov_parallel (dp->d, k, start_task, &sa, err);
      if (rc < 0)
        return rc;
    }
  return 0;
}

static void
report_services (struct deploy *dp)
{
  static const char *const verbs[] = { "unchanged", "created", "replaced" };

  for (size_t i = 0; i < dp->n; i++)
    {
      struct svc_plan *p = &dp->svcs[i];
      struct harden_limits l;
      cleanup_free char *detail = NULL;
      cleanup_free char *note = NULL;
      const char *verb = verbs[p->op];

      harden_limits_for (&dp->hctx, p->svc, p->meta, &l);
      if (p->op == OP_KEEP && !p->old_running)
        verb = "started";
      if (p->image_volumes && p->image_volumes[0])
        note = xasprintf (", image VOLUME %s%s on tmpfs", p->image_volumes[0],
                          p->image_volumes[1] ? " and others" : "");
      detail = xasprintf ("container %s, image %s, user %s%s%s%s, %.2f vCPU, "
                          "%lld MiB, %lld pids%s",
                          p->name, p->image, p->user, p->user_note ? " (" : "",
                          p->user_note ? p->user_note : "",
                          p->user_note ? ")" : "", (double)l.nano_cpus / 1e9,
                          (long long)(l.memory >> 20), (long long)l.pids,
                          note ? note : "");
      prov_report_add (dp->rep, "service", p->svc->name, verb, detail);
    }
}

/* Removes containers of this stack that no current service owns: services
 * the template dropped, and leftovers of a deploy that crashed.  Best
 * effort after success: what fails to go now goes at the next deploy. */
static void
remove_stale (struct deploy *dp)
{
  size_t i;
  json_t *c;

  json_array_foreach (dp->existing, i, c)
  {
    const char *id = json_string_value (json_object_get (c, "Id"));
    const char *svc = json_string_value (
        json_object_get (json_object_get (c, "Labels"), LABEL_SERVICE));
    bool owned = false;

    for (size_t k = 0; k < dp->n; k++)
      owned = owned
              || (dp->svcs[k].old_id && strcmp (dp->svcs[k].old_id, id) == 0)
              || (dp->svcs[k].new_id && strcmp (dp->svcs[k].new_id, id) == 0);
    if (owned || id == NULL || dock_container_remove (dp->d, id, NULL) < 0)
      continue;
    if (svc && compose_service (dp->model, svc) == NULL)
      prov_report_add (dp->rep, "service", svc, "removed", NULL);
  }
}

/* ---- rollback and record ---- */

/* Removes what this run created and puts back what it had swapped out:
 * what was there before stays as it was. */
static void
rollback (struct deploy *dp)
{
  for (size_t i = 0; i < dp->n; i++)
    {
      struct svc_plan *p = &dp->svcs[i];

      if (p->new_id)
        dock_container_remove (dp->d, p->new_id, NULL);
      if (p->swapped)
        {
          rename_container (dp->d, p->old_id, p->name, NULL);
          if (p->old_running)
            dock_container_start (dp->d, p->old_id, NULL);
        }
      if (p->new_id || p->swapped)
        prov_report_add (dp->rep, "service", p->svc->name, "rolled-back",
                         p->swapped ? "the previous container is back" : NULL);
    }
  for (size_t i = 0; dp->volumes && i < dp->model->n_volumes; i++)
    if (dp->volume_created[i])
      {
        dock_volume_remove (dp->d, dp->volumes[i], NULL);
        prov_report_add (dp->rep, "volume", dp->model->volumes[i].name,
                         "rolled-back", dp->volumes[i]);
      }
  if (dp->network_id)
    {
      dock_network_remove (dp->d, dp->network_id, NULL);
      prov_report_add (dp->rep, "network", dp->network, "rolled-back", NULL);
    }
}

static char *
sets_json (char *const *items, size_t n)
{
  json_t *o = json_object ();
  char *s;

  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (items[i], '=');
      cleanup_free char *k = xstrndup (items[i], (size_t)(eq - items[i]));

      json_object_set_new (o, k, json_string (eq + 1));
    }
  s = json_dumps (o, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref (o);
  return s;
}

static int
record (struct deploy *dp, struct cfp_err *err)
{
  struct stack_row row = { 0 };
  struct buf hashes;
  int rc;

  buf_init (&hashes, 0);
  row.services = xcalloc (dp->n, sizeof *row.services);
  row.n_services = dp->n;
  for (size_t i = 0; i < dp->n; i++)
    {
      struct svc_plan *p = &dp->svcs[i];
      struct service_row *s = &row.services[i];

      s->service = xstrdup (p->svc->name);
      s->container = xstrdup (p->name);
      s->container_id = xstrdup (p->new_id ? p->new_id : p->old_id);
      s->image = xstrdup (p->image);
      s->kind = xstrdup (p->meta && p->meta->kind == TMPL_BATCH ? "batch"
                                                                : "service");
      s->level = p->level;
      buf_puts (&hashes, p->hash);
    }
  row.volumes = xcalloc (dp->model->n_volumes + 1, sizeof *row.volumes);
  row.n_volumes = dp->model->n_volumes;
  for (size_t i = 0; i < row.n_volumes; i++)
    row.volumes[i] = xstrdup (dp->volumes[i]);
  row.tenant = xstrdup (dp->req->tenant);
  row.name = xstrdup (dp->req->stack);
  row.template_name = xstrdup (dp->tmpl->name);
  row.compose = dp->rewritten ? xstrdup (dp->rewritten) : NULL;
  row.params_json = sets_json (dp->req->sets, dp->req->n_sets);
  row.images_json = sets_json (dp->req->images, dp->req->n_images);
  row.spec_hash = harden_spec_hash (NULL, hashes.data ? hashes.data : "");
  row.network = xstrdup (dp->network);
  row.state = xstrdup ("running");
  rc = store_stack_put (dp->st, &row, err);
  buf_free (&hashes);
  stack_row_free (&row);
  return rc;
}

static void
deploy_free (struct deploy *dp)
{
  for (size_t i = 0; i < dp->n; i++)
    {
      struct svc_plan *p = &dp->svcs[i];

      free (p->image);
      free (p->image_id);
      free (p->user);
      free (p->user_note);
      for (size_t k = 0; p->image_volumes && p->image_volumes[k]; k++)
        free (p->image_volumes[k]);
      free (p->image_volumes);
      json_decref (p->image_health);
      free (p->name);
      free (p->temp_name);
      free (p->prev_name);
      json_decref (p->spec);
      free (p->hash);
      free (p->old_id);
      free (p->new_id);
    }
  for (size_t i = 0; dp->volumes && i < dp->model->n_volumes; i++)
    free (dp->volumes[i]);
  free (dp->volumes);
  free (dp->volume_created);
  free (dp->svcs);
  free (dp->network);
  free (dp->network_id);
  json_decref (dp->existing);
  compose_free (dp->model);
  tmpl_free (dp->tmpl);
  free (dp->rewritten);
}

static int
converge (struct deploy *dp, struct cfp_err *err)
{
  int rc = ensure_storage (dp, err);

  if (rc == 0)
    rc = prov_check_stop (err);
  if (rc == 0)
    rc = create_all (dp, err);
  if (rc == 0)
    rc = prov_check_stop (err);
  if (rc == 0)
    rc = swap_replaced (dp, err);
  if (rc == 0)
    rc = prov_check_stop (err);
  if (rc == 0)
    rc = start_all (dp, err);
  return rc;
}

int
prov_deploy (struct store *st, struct dock *d, const struct deploy_req *req,
             struct prov_report *rep, struct cfp_err *err)
{
  struct deploy dp = { .st = st, .d = d, .req = req, .rep = rep };
  int lock = -1;
  int rc;

  rc = prov_lock_tenant (st, req->tenant, &lock, err);
  if (rc < 0)
    return cfp_err_wrap (err, "deploy `%.64s/%.64s`", req->tenant, req->stack);
  rc = load_inputs (&dp, err);
  if (rc == 0)
    {
      dp.hctx = (struct harden_ctx){ .tenant = req->tenant,
                                     .stack = req->stack,
                                     .template_name = dp.tmpl->name,
                                     .plan = dp.plan };
      if (req->settings != NULL)
        {
          dp.hctx.cap_allow = (const char *const *)req->settings->cap_allow;
          dp.hctx.runtime_allow
              = (const char *const *)req->settings->runtime_allow;
        }
      rc = plan_all (&dp, err);
    }
  if (rc == 0)
    rc = converge (&dp, err);
  if (rc == 0)
    rc = record (&dp, err);
  if (rc == 0)
    {
      report_services (&dp);
      remove_replaced (&dp);
      remove_stale (&dp);
    }
  if (rc < 0 && dp.model != NULL)
    rollback (&dp);
  store_event (st, req->actor, req->tenant, req->stack, "stack.deploy",
               rc == 0 ? "ok" : "failed", NULL, NULL);
  if (rc < 0)
    cfp_err_wrap (err, "deploy `%s/%s`", req->tenant, req->stack);
  deploy_free (&dp);
  prov_unlock (lock);
  return rc;
}
