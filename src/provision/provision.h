/* Deploy and lifecycle of stacks: the only users of engine/.
 *
 * A deploy renders the template, hardens every service, then converges the
 * engine on that: it creates what is missing, replaces what changed, keeps
 * what is equal (by the cfp.spec label) and removes services the template
 * no longer has.  A failed deploy removes everything it created and leaves
 * the database as it was. */
#ifndef CFP_PROVISION_H
#define CFP_PROVISION_H

#include <jansson.h>
#include <stdbool.h>

#include "compose/compose.h"
#include "core/err.h"
#include "engine/docker.h"
#include "ops/plan.h"
#include "provision/template.h"
#include "store/store.h"

/* One thing a command did, for progress output and --json. */
struct prov_item
{
  char *kind;   /* "network", "volume", "service" */
  char *name;   /* the cfp-side name (service or volume name) */
  char *action; /* "created", "replaced", "unchanged", "started", ... */
  char *detail; /* human detail, may be NULL */
};

struct prov_report
{
  struct prov_item *items;
  size_t n;
  bool changed;
  /* Called as each item is recorded (may be NULL), for progress. */
  void (*on_item) (void *ud, const struct prov_item *item);
  void *ud;
};

/* Records an item and calls on_item; "unchanged" does not set changed. */
void prov_report_add (struct prov_report *r, const char *kind, const char *name,
                      const char *action, const char *detail);
void prov_report_free (struct prov_report *r);
json_t *prov_report_json (const struct prov_report *r);

struct pol_result;
struct pol_settings;

struct deploy_req
{
  const char *tenant;
  const char *stack;
  const char *template_name; /* NULL when compose_text is set */
  /* A tenant's own compose file instead of a template: it passes the
   * admission policy (src/policy/) or nothing is created.  Its findings go
   * to *policy when that is not NULL. */
  const char *compose_text;
  size_t compose_len;
  const char *compose_file; /* its name in messages */
  struct pol_result *policy;
  const struct pol_settings *settings; /* operator allowlists, may be NULL */
  char *const *sets;                   /* "KEY=VALUE" */
  size_t n_sets;
  char *const *images; /* "SERVICE=IMAGE" */
  size_t n_images;
  const char *template_dir; /* operator templates, may be NULL */
  const char *actor;        /* who asked, for the event */
};

int prov_deploy (struct store *st, struct dock *d, const struct deploy_req *req,
                 struct prov_report *rep, struct cfp_err *err);

/* Admission of a tenant's compose file for `plan`: load, check (any
 * finding refuses it: CFP_E_INVALID, findings in *findings), rewrite to the
 * hardened defaults, and parse the rewritten file into the typed model,
 * with a template synthesised from it (kind from `restart`, ingress ports
 * from `expose`, every volume holding state).  *rewritten receives the
 * rewritten YAML. */
int prov_admit (const char *text, size_t len, const char *file,
                char *const *sets, size_t n_sets, const struct plan *plan,
                const struct pol_settings *settings,
                struct pol_result *findings, struct cmp_stack **model,
                struct tmpl **tmpl, char **rewritten, struct cfp_err *err);

/* Grace given to a service on stop before the engine kills it. */
#define PROV_STOP_GRACE_S 10
/* How long a deploy waits for a dependency with condition service_healthy
 * to become healthy. */
#define PROV_HEALTH_WAIT_S 120

enum prov_op
{
  PROV_START,
  PROV_STOP,
  PROV_RESTART,
};

/* Starts (in depends_on order), stops or restarts every service. */
int prov_lifecycle (struct store *st, struct dock *d, const char *tenant,
                    const char *stack, enum prov_op op, struct prov_report *rep,
                    struct cfp_err *err);

/* Removes the stack's containers and network, and its volumes when
 * `volumes` is set; works from the engine's labels too, so that objects a
 * crashed deploy left behind go as well. */
int prov_remove (struct store *st, struct dock *d, const char *tenant,
                 const char *stack, bool volumes, struct prov_report *rep,
                 struct cfp_err *err);

/* The stack as recorded, with each service's live state from the engine. */
int prov_status (struct store *st, struct dock *d, const char *tenant,
                 const char *stack, json_t **out, struct cfp_err *err);

/* Serialises every change to one tenant's stacks across cfp processes:
 * an exclusive flock on <state>/locks/TENANT.lock, waited for at most
 * PROV_LOCK_WAIT_S seconds.  Without it two deploys could both pass the
 * plan's stack count.  Returns the descriptor to pass to prov_unlock(). */
#define PROV_LOCK_WAIT_S 60
int prov_lock_tenant (struct store *st, const char *tenant, int *fd,
                      struct cfp_err *err);
void prov_unlock (int fd);

/* Makes SIGINT, SIGTERM and SIGHUP request a clean stop instead of
 * killing the process: a deploy checks between its steps and, when asked
 * to stop, removes what it created and fails with "interrupted". */
void prov_catch_signals (void);
/* 0, or an "interrupted" error once a caught signal has arrived. */
int prov_check_stop (struct cfp_err *err);

/* Resolves an image's USER name (NAME or NAME:GROUP, names or numbers)
 * to "UID:GID" through the image's own /etc/passwd and /etc/group.  *out
 * stays NULL when the image has no such user or no passwd file. */
int prov_image_user (struct dock *d, const char *image, const char *user,
                     char **out, struct cfp_err *err);

/* Splits "TENANT/STACK"; both parts must be DNS labels. */
int prov_split_ref (const char *ref, char **tenant, char **stack,
                    struct cfp_err *err);

/* Runs fn(i, dock, arg) for i in [0, n) on n threads, each with its own
 * engine client, and waits for all; returns the first failure by index,
 * with its message in *err.  n == 1 runs inline. */
typedef int (*prov_task) (size_t i, struct dock *d, void *arg,
                          struct cfp_err *err);
int prov_parallel (struct dock *d, size_t n, prov_task fn, void *arg,
                   struct cfp_err *err);

#endif
