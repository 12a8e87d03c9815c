/* The state database: one SQLite file (WAL) in the state directory, schema
 * changed only by numbered migrations, plus the master key file.
 *
 * Layout of a state directory (mode 0700):
 *   cfp.db        the database
 *   master.key    32 random bytes, mode 0600
 *   templates/    optional operator templates */
#ifndef CFP_STORE_H
#define CFP_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define STORE_DB_FILE "cfp.db"
#define STORE_KEY_FILE "master.key"
#define STORE_KEY_BYTES 32

struct store
{
  sqlite3 *db;
  char *dir;
};

/* Creates the directory, the database and the master key.  Refuses with
 * CFP_E_STATE when a database or key is there already. */
int store_init (const char *dir, struct cfp_err *err);

/* Opens an initialised state directory and applies pending migrations. */
int store_open (const char *dir, struct store **out, struct cfp_err *err);
void store_close (struct store *st);

/* The schema version the database is at, and the newest this binary has. */
int store_schema_version (struct store *st);
int store_schema_latest (void);

int store_begin (struct store *st, struct cfp_err *err);
int store_commit (struct store *st, struct cfp_err *err);
void store_rollback (struct store *st);

/* Runs one statement with no result rows; `what` names it in errors. */
int store_exec (struct store *st, const char *sql, const char *what,
                struct cfp_err *err);
/* Prepares; on failure sets an error naming `what`. */
int store_prepare (struct store *st, const char *sql, sqlite3_stmt **out,
                   const char *what, struct cfp_err *err);
/* Sets an error from the connection's last message. */
int store_fail (struct store *st, const char *what, struct cfp_err *err);

/* ---- tenants ---- */

struct tenant_row
{
  int64_t id;
  char name[64];
  char plan[32];
  int64_t created_at; /* unix seconds */
  int n_stacks;
};

int store_tenant_create (struct store *st, const char *name, const char *plan,
                         struct cfp_err *err);
int store_tenant_get (struct store *st, const char *name,
                      struct tenant_row *out, struct cfp_err *err);
int store_tenant_list (struct store *st, struct tenant_row **out, size_t *n,
                       struct cfp_err *err);

/* ---- stacks ---- */

struct service_row
{
  char *service;
  char *container; /* container name */
  char *container_id;
  char *image;
  char *kind; /* "service" or "batch" */
  int level;  /* depends_on depth: lower levels start first */
};

struct stack_row
{
  int64_t id;
  char *tenant;
  char *name;
  char *template_name;
  char *params_json; /* the --set values, a JSON object */
  char *images_json; /* the --image overrides, a JSON object */
  char *spec_hash;   /* hash of everything that was created */
  char *network;
  char *state;   /* "running" or "stopped" */
  char *compose; /* a tenant file as admitted (rewritten), else NULL */
  int64_t created_at;
  int64_t updated_at;
  struct service_row *services;
  size_t n_services;
  char **volumes; /* engine volume names */
  size_t n_volumes;
};

void stack_row_free (struct stack_row *row);
void stack_rows_free (struct stack_row *rows, size_t n);

/* CFP_E_NOTFOUND when the tenant has no such stack. */
int store_stack_get (struct store *st, const char *tenant, const char *name,
                     struct stack_row *out, struct cfp_err *err);
/* All stacks, or one tenant's when tenant != NULL, by tenant and name. */
int store_stack_list (struct store *st, const char *tenant,
                      struct stack_row **out, size_t *n, struct cfp_err *err);
/* Number of the tenant's stacks other than `except` (may be NULL). */
int store_stack_count (struct store *st, const char *tenant, const char *except,
                       int *out, struct cfp_err *err);
/* Inserts or replaces the stack with its services and volumes, in one
 * transaction. */
int store_stack_put (struct store *st, const struct stack_row *row,
                     struct cfp_err *err);
int store_stack_set_state (struct store *st, const char *tenant,
                           const char *name, const char *state,
                           struct cfp_err *err);
int store_stack_delete (struct store *st, const char *tenant, const char *name,
                        struct cfp_err *err);

/* ---- events ---- */

/* Records an event; `detail` is a short JSON object or NULL.  Never pass a
 * secret value. */
int store_event (struct store *st, const char *actor, const char *tenant,
                 const char *stack, const char *action, const char *result,
                 const char *detail, struct cfp_err *err);

#endif
