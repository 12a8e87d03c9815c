/* Reports of what a command did, and the parallel runner of engine
 * calls shared by deploy and lifecycle. */
#include <pthread.h>
#include <string.h>

#include "core/util.h"
#include "provision/provision.h"

void
prov_report_add (struct prov_report *r, const char *kind, const char *name,
                 const char *action, const char *detail)
{
  struct prov_item *it;

  r->items = xrealloc (r->items, (r->n + 1) * sizeof *r->items);
  it = &r->items[r->n++];
  it->kind = xstrdup (kind);
  it->name = xstrdup (name);
  it->action = xstrdup (action);
  it->detail = detail ? xstrdup (detail) : NULL;
  if (strcmp (action, "unchanged") != 0)
    r->changed = true;
  if (r->on_item)
    r->on_item (r->ud, it);
}

void
prov_report_free (struct prov_report *r)
{
  for (size_t i = 0; i < r->n; i++)
    {
      free (r->items[i].kind);
      free (r->items[i].name);
      free (r->items[i].action);
      free (r->items[i].detail);
    }
  free (r->items);
  r->items = NULL;
  r->n = 0;
}

json_t *
prov_report_json (const struct prov_report *r)
{
  json_t *a = json_array ();

  for (size_t i = 0; i < r->n; i++)
    json_array_append_new (
        a, json_pack ("{s:s, s:s, s:s, s:s?}", "kind", r->items[i].kind, "name",
                      r->items[i].name, "action", r->items[i].action, "detail",
                      r->items[i].detail));
  return a;
}

/* ---- parallel runner ---- */

struct worker
{
  size_t i;
  struct dock *d; /* this thread's own engine client */
  prov_task fn;
  void *arg;
  struct cfp_err err;
  int rc;
  pthread_t th;
  bool started;
};

static void *
worker_main (void *p)
{
  struct worker *w = p;

  w->rc = w->fn (w->i, w->d, w->arg, &w->err);
  return NULL;
}

static void
worker_start (struct worker *w, const struct dock *d)
{
  w->rc = dock_dup (d, &w->d, &w->err);
  if (w->rc < 0)
    return;
  if (pthread_create (&w->th, NULL, worker_main, w) != 0)
    w->rc = cfp_err_set (&w->err, CFP_E_FAIL, "cannot start a thread");
  else
    w->started = true;
}

int
prov_parallel (struct dock *d, size_t n, prov_task fn, void *arg,
               struct cfp_err *err)
{
  cleanup_free struct worker *w = NULL;
  int first = 0;

  if (n == 1)
    return fn (0, d, arg, err);
  w = xcalloc (n, sizeof *w);
  for (size_t i = 0; i < n; i++)
    {
      w[i].i = i;
      w[i].fn = fn;
      w[i].arg = arg;
      worker_start (&w[i], d);
    }
  for (size_t i = 0; i < n; i++)
    {
      if (w[i].started)
        pthread_join (w[i].th, NULL);
      dock_close (w[i].d);
      if (w[i].rc < 0 && first == 0)
        {
          first = w[i].rc;
          *err = w[i].err;
        }
    }
  return first;
}
