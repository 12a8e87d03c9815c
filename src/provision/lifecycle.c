#include <string.h>

#include "core/util.h"
#include "provision/harden.h"
#include "provision/provision.h"

struct life
{
  struct stack_row *row;
  enum prov_op op;
  size_t *idx; /* services of the current level */
};

static int
life_task (size_t i, struct dock *d, void *arg, struct cfp_err *err)
{
  struct life *l = arg;
  struct service_row *s = &l->row->services[l->idx[i]];
  int rc;

  if (l->op == PROV_STOP)
    rc = dock_container_stop (d, s->container_id, PROV_STOP_GRACE_S, err);
  else
    rc = dock_container_start (d, s->container_id, err);
  if (rc == -CFP_E_NOTFOUND)
    return cfp_err_set (err, CFP_E_NOTFOUND,
                        "service `%s`: container `%s` is missing on the "
                        "engine (run `cfp deploy` again to recreate it)",
                        s->service, s->container);
  if (rc < 0)
    return cfp_err_wrap (err, "service `%s`", s->service);
  return 0;
}

/* Runs one level at a time: upwards for start, downwards for stop, so a
 * service never runs without what it depends on. */
static int
run_levels (struct dock *d, struct life *l, struct cfp_err *err)
{
  size_t n = l->row->n_services;
  cleanup_free size_t *idx = xcalloc (n + 1, sizeof *idx);
  int top = 0;

  l->idx = idx;
  for (size_t i = 0; i < n; i++)
    top = l->row->services[i].level > top ? l->row->services[i].level : top;
  for (int k = 0; k <= top; k++)
    {
      int level = l->op == PROV_STOP ? top - k : k;
      size_t m = 0;
      int rc;

      for (size_t i = 0; i < n; i++)
        if (l->row->services[i].level == level)
          idx[m++] = i;
      if (m == 0)
        continue;
      rc = prov_parallel (d, m, life_task, l, err);
      if (rc < 0)
        return rc;
    }
  return 0;
}

int
prov_lifecycle (struct store *st, struct dock *d, const char *tenant,
                const char *stack, enum prov_op op, struct prov_report *rep,
                struct cfp_err *err)
{
  static const char *const actions[]
      = { "stack.start", "stack.stop", "stack.restart" };
  static const char *const verbs[] = { "started", "stopped", "restarted" };
  static const char *const names[] = { "start", "stop", "restart" };
  struct stack_row row;
  struct life l = { &row, op, NULL };
  int lock = -1;
  int rc;

  rc = prov_lock_tenant (st, tenant, &lock, err);
  if (rc < 0)
    return rc;
  rc = store_stack_get (st, tenant, stack, &row, err);
  if (rc < 0)
    {
      prov_unlock (lock);
      return rc;
    }
  if (op == PROV_STOP || op == PROV_RESTART)
    {
      l.op = PROV_STOP;
      rc = run_levels (d, &l, err);
    }
  if (rc == 0 && op != PROV_STOP)
    {
      l.op = PROV_START;
      rc = run_levels (d, &l, err);
    }
  if (rc == 0)
    rc = store_stack_set_state (st, tenant, stack,
                                op == PROV_STOP ? "stopped" : "running", err);
  for (size_t i = 0; rc == 0 && i < row.n_services; i++)
    prov_report_add (rep, "service", row.services[i].service, verbs[op],
                     row.services[i].container);
  store_event (st, "cli", tenant, stack, actions[op], rc == 0 ? "ok" : "failed",
               NULL, NULL);
  stack_row_free (&row);
  prov_unlock (lock);
  if (rc < 0)
    return cfp_err_wrap (err, "%s `%s/%s`", names[op], tenant, stack);
  return 0;
}

/* ---- remove ---- */

struct removal
{
  const char **ids;
};

static int
remove_task (size_t i, struct dock *d, void *arg, struct cfp_err *err)
{
  struct removal *r = arg;

  return dock_container_remove (d, r->ids[i], err);
}

static const char *
label_of (json_t *obj, const char *key)
{
  const char *v = json_string_value (
      json_object_get (json_object_get (obj, "Labels"), key));

  return v ? v : "?";
}

static int
remove_containers (struct dock *d, json_t *list, struct prov_report *rep,
                   struct cfp_err *err)
{
  size_t n = json_array_size (list);
  cleanup_free const char **ids = xcalloc (n + 1, sizeof *ids);
  struct removal r = { ids };
  size_t i;
  json_t *c;
  int rc;

  if (n == 0)
    return 0;
  json_array_foreach (list, i, c) ids[i]
      = json_string_value (json_object_get (c, "Id"));
  rc = prov_parallel (d, n, remove_task, &r, err);
  if (rc < 0)
    return rc;
  json_array_foreach (list, i, c) prov_report_add (
      rep, "service", label_of (c, LABEL_SERVICE), "removed", ids[i]);
  return 0;
}

static int
remove_volumes (struct dock *d, json_t *vols, bool remove,
                struct prov_report *rep, struct cfp_err *err)
{
  json_t *list = vols;
  size_t i;
  json_t *v;

  json_array_foreach (list, i, v)
  {
    const char *name = json_string_value (json_object_get (v, "Name"));

    if (!remove)
      {
        prov_report_add (rep, "volume", label_of (v, "cfp.volume"), "kept",
                         name);
        continue;
      }
    if (dock_volume_remove (d, name, err) < 0)
      return cfp_err_wrap (err, "remove volume `%s`", name);
    prov_report_add (rep, "volume", label_of (v, "cfp.volume"), "removed",
                     name);
  }
  return 0;
}

struct engine_objs
{
  json_t *containers;
  json_t *networks;
  json_t *volumes;
};

static int
list_objs (struct dock *d, const char *tenant, const char *stack,
           struct engine_objs *o, struct cfp_err *err)
{
  cleanup_free char *lt = xasprintf (LABEL_TENANT "=%s", tenant);
  cleanup_free char *ls = xasprintf (LABEL_STACK "=%s", stack);
  const char *labels[] = { LABEL_MANAGED, lt, ls, NULL };

  if (dock_container_list (d, labels, &o->containers, err) < 0
      || dock_network_list (d, labels, &o->networks, err) < 0
      || dock_volume_list (d, labels, &o->volumes, err) < 0)
    return -err->code;
  return 0;
}

static int
remove_networks (struct dock *d, json_t *nets, struct prov_report *rep,
                 struct cfp_err *err)
{
  size_t i;
  json_t *n;

  json_array_foreach (nets, i, n)
  {
    const char *name = json_string_value (json_object_get (n, "Name"));
    const char *id = json_string_value (json_object_get (n, "Id"));

    /* By id: names of networks need not be unique on the engine. */
    if (dock_network_remove (d, id ? id : name, err) < 0)
      return cfp_err_wrap (err, "remove network `%s`", name);
    prov_report_add (rep, "network", name, "removed", NULL);
  }
  return 0;
}

int
prov_remove (struct store *st, struct dock *d, const char *tenant,
             const char *stack, bool volumes, struct prov_report *rep,
             struct cfp_err *err)
{
  struct engine_objs o = { 0 };
  struct stack_row row = { 0 };
  bool known;
  int lock = -1;
  int rc;

  rc = prov_lock_tenant (st, tenant, &lock, err);
  if (rc < 0)
    return rc;
  rc = store_stack_get (st, tenant, stack, &row, err);
  if (rc < 0 && rc != -CFP_E_NOTFOUND)
    {
      prov_unlock (lock);
      return rc;
    }
  known = rc == 0;
  rc = list_objs (d, tenant, stack, &o, err);
  if (rc == 0 && !known && json_array_size (o.containers) == 0
      && json_array_size (o.networks) == 0 && json_array_size (o.volumes) == 0)
    rc = cfp_err_set (err, CFP_E_NOTFOUND,
                      "tenant `%.64s` has no stack `%.64s`", tenant, stack);
  if (rc == 0)
    rc = remove_containers (d, o.containers, rep, err);
  if (rc == 0)
    rc = remove_networks (d, o.networks, rep, err);
  if (rc == 0)
    rc = remove_volumes (d, o.volumes, volumes, rep, err);
  if (rc == 0 && known)
    rc = store_stack_delete (st, tenant, stack, err);
  if (rc != -CFP_E_NOTFOUND)
    store_event (st, "cli", tenant, stack, "stack.remove",
                 rc == 0 ? "ok" : "failed",
                 volumes ? "{\"volumes\":true}" : NULL, NULL);
  json_decref (o.containers);
  json_decref (o.networks);
  json_decref (o.volumes);
  stack_row_free (&row);
  prov_unlock (lock);
  if (rc < 0)
    return cfp_err_wrap (err, "remove `%s/%s`", tenant, stack);
  return 0;
}

/* ---- status ---- */

static json_t *
service_status (struct dock *d, const struct service_row *s)
{
  json_t *o
      = json_pack ("{s:s, s:s, s:s, s:s}", "service", s->service, "container",
                   s->container, "image", s->image, "kind", s->kind);
  json_t *c = NULL, *state;
  struct cfp_err err = { 0 };

  if (dock_container_inspect (d, s->container_id, &c, &err) < 0)
    {
      json_object_set_new (
          o, "state",
          json_string (err.code == CFP_E_NOTFOUND ? "missing" : "unknown"));
      return o;
    }
  state = json_object_get (c, "State");
  json_object_set (o, "state", json_object_get (state, "Status"));
  json_object_set (
      o, "health",
      json_object_get (json_object_get (state, "Health"), "Status"));
  json_object_set (o, "exit_code", json_object_get (state, "ExitCode"));
  json_object_set (o, "oom_killed", json_object_get (state, "OOMKilled"));
  json_object_set (o, "started_at", json_object_get (state, "StartedAt"));
  json_object_set (o, "restarts", json_object_get (c, "RestartCount"));
  json_decref (c);
  return o;
}

int
prov_status (struct store *st, struct dock *d, const char *tenant,
             const char *stack, json_t **out, struct cfp_err *err)
{
  struct stack_row row;
  json_t *o, *svcs, *vols;
  int rc;

  rc = store_stack_get (st, tenant, stack, &row, err);
  if (rc < 0)
    return rc;
  svcs = json_array ();
  vols = json_array ();
  for (size_t i = 0; i < row.n_services; i++)
    json_array_append_new (svcs, service_status (d, &row.services[i]));
  for (size_t i = 0; i < row.n_volumes; i++)
    json_array_append_new (vols, json_string (row.volumes[i]));
  o = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "tenant",
                 row.tenant, "stack", row.name, "template", row.template_name,
                 "state", row.state, "network", row.network, "created_at",
                 (json_int_t)row.created_at, "updated_at",
                 (json_int_t)row.updated_at, "services", svcs, "volumes", vols);
  stack_row_free (&row);
  *out = o;
  return 0;
}
