#include <string.h>

#include "core/util.h"
#include "store/store.h"

static char *
col_dup (sqlite3_stmt *q, int i)
{
  const unsigned char *s = sqlite3_column_text (q, i);

  return xstrdup (s ? (const char *)s : "");
}

void
stack_row_free (struct stack_row *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n_services; i++)
    {
      free (r->services[i].service);
      free (r->services[i].container);
      free (r->services[i].container_id);
      free (r->services[i].image);
      free (r->services[i].kind);
    }
  for (size_t i = 0; i < r->n_volumes; i++)
    free (r->volumes[i]);
  free (r->services);
  free (r->volumes);
  free (r->tenant);
  free (r->name);
  free (r->template_name);
  free (r->params_json);
  free (r->images_json);
  free (r->spec_hash);
  free (r->network);
  free (r->state);
  free (r->compose);
  memset (r, 0, sizeof *r);
}

void
stack_rows_free (struct stack_row *rows, size_t n)
{
  for (size_t i = 0; i < n; i++)
    stack_row_free (&rows[i]);
  free (rows);
}

static const char stack_select[]
    = "SELECT s.id, t.name, s.name, s.template, s.params, s.images,"
      " s.spec_hash, s.network, s.state, s.created_at, s.updated_at,"
      " s.compose"
      " FROM stacks s JOIN tenants t ON t.id = s.tenant_id";

static void
read_stack (sqlite3_stmt *q, struct stack_row *r)
{
  memset (r, 0, sizeof *r);
  r->id = sqlite3_column_int64 (q, 0);
  r->tenant = col_dup (q, 1);
  r->name = col_dup (q, 2);
  r->template_name = col_dup (q, 3);
  r->params_json = col_dup (q, 4);
  r->images_json = col_dup (q, 5);
  r->spec_hash = col_dup (q, 6);
  r->network = col_dup (q, 7);
  r->state = col_dup (q, 8);
  r->created_at = sqlite3_column_int64 (q, 9);
  r->updated_at = sqlite3_column_int64 (q, 10);
  if (sqlite3_column_type (q, 11) != SQLITE_NULL)
    r->compose = col_dup (q, 11);
}

static int
read_services (struct store *st, struct stack_row *r, struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "SELECT service, container, container_id, image, kind,"
                      " level FROM stack_services WHERE stack_id = ?"
                      " ORDER BY level, service",
                      &q, "read stack services", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_int64 (q, 1, r->id);
  while ((rc = sqlite3_step (q)) == SQLITE_ROW)
    {
      struct service_row *s;

      r->services
          = xrealloc (r->services, (r->n_services + 1) * sizeof *r->services);
      s = &r->services[r->n_services++];
      s->service = col_dup (q, 0);
      s->container = col_dup (q, 1);
      s->container_id = col_dup (q, 2);
      s->image = col_dup (q, 3);
      s->kind = col_dup (q, 4);
      s->level = sqlite3_column_int (q, 5);
    }
  sqlite3_finalize (q);
  return rc == SQLITE_DONE ? 0 : store_fail (st, "read stack services", err);
}

static int
read_volumes (struct store *st, struct stack_row *r, struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "SELECT volume FROM stack_volumes WHERE stack_id = ?"
                      " ORDER BY volume",
                      &q, "read stack volumes", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_int64 (q, 1, r->id);
  while ((rc = sqlite3_step (q)) == SQLITE_ROW)
    {
      r->volumes
          = xrealloc (r->volumes, (r->n_volumes + 1) * sizeof *r->volumes);
      r->volumes[r->n_volumes++] = col_dup (q, 0);
    }
  sqlite3_finalize (q);
  return rc == SQLITE_DONE ? 0 : store_fail (st, "read stack volumes", err);
}

static int
read_children (struct store *st, struct stack_row *r, struct cfp_err *err)
{
  if (read_services (st, r, err) < 0 || read_volumes (st, r, err) < 0)
    return -CFP_E_STATE;
  return 0;
}

int
store_stack_get (struct store *st, const char *tenant, const char *name,
                 struct stack_row *out, struct cfp_err *err)
{
  cleanup_free char *sql
      = xasprintf ("%s WHERE t.name = ? AND s.name = ?", stack_select);
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st, sql, &q, "read stack", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, tenant, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  if (rc == SQLITE_ROW)
    read_stack (q, out);
  sqlite3_finalize (q);
  if (rc == SQLITE_DONE)
    return cfp_err_set (err, CFP_E_NOTFOUND,
                        "tenant `%.64s` has no stack `%.64s`", tenant, name);
  if (rc != SQLITE_ROW)
    return store_fail (st, "read stack", err);
  if (read_children (st, out, err) < 0)
    {
      stack_row_free (out);
      return -CFP_E_STATE;
    }
  return 0;
}

int
store_stack_list (struct store *st, const char *tenant, struct stack_row **out,
                  size_t *n, struct cfp_err *err)
{
  cleanup_free char *sql = xasprintf ("%s WHERE (?1 IS NULL OR t.name = ?1)"
                                      " ORDER BY t.name, s.name",
                                      stack_select);
  struct stack_row *rows = NULL;
  size_t count = 0;
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st, sql, &q, "list stacks", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, tenant, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (q)) == SQLITE_ROW)
    {
      rows = xrealloc (rows, (count + 1) * sizeof *rows);
      read_stack (q, &rows[count++]);
    }
  sqlite3_finalize (q);
  if (rc != SQLITE_DONE)
    {
      stack_rows_free (rows, count);
      return store_fail (st, "list stacks", err);
    }
  for (size_t i = 0; i < count; i++)
    if (read_children (st, &rows[i], err) < 0)
      {
        stack_rows_free (rows, count);
        return -CFP_E_STATE;
      }
  *out = rows;
  *n = count;
  return 0;
}

int
store_stack_count (struct store *st, const char *tenant, const char *except,
                   int *out, struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "SELECT count(*) FROM stacks s JOIN tenants t"
                      " ON t.id = s.tenant_id WHERE t.name = ?"
                      " AND (?2 IS NULL OR s.name <> ?2)",
                      &q, "count stacks", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, tenant, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, except, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  *out = rc == SQLITE_ROW ? sqlite3_column_int (q, 0) : 0;
  sqlite3_finalize (q);
  return rc == SQLITE_ROW ? 0 : store_fail (st, "count stacks", err);
}

static int
put_stack (struct store *st, const struct stack_row *r, int64_t *id,
           struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (
      st,
      "INSERT INTO stacks (tenant_id, name, template, params, images,"
      " spec_hash, network, state, compose, created_at, updated_at)"
      " SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, strftime('%s','now'),"
      " strftime('%s','now') FROM tenants WHERE name = ?1"
      " ON CONFLICT (tenant_id, name) DO UPDATE SET template = ?3,"
      " params = ?4, images = ?5, spec_hash = ?6, network = ?7, state = ?8,"
      " compose = ?9, updated_at = strftime('%s','now')"
      " RETURNING id",
      &q, "write stack", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, r->tenant, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, r->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 3, r->template_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 4, r->params_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 5, r->images_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 6, r->spec_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 7, r->network, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 8, r->state, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 9, r->compose, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  if (rc == SQLITE_ROW)
    *id = sqlite3_column_int64 (q, 0);
  sqlite3_finalize (q);
  return rc == SQLITE_ROW ? 0 : store_fail (st, "write stack", err);
}

static int
put_service (struct store *st, int64_t id, const struct service_row *s,
             struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "INSERT INTO stack_services (stack_id, service,"
                      " container, container_id, image, kind, level)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)",
                      &q, "write stack service", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_int64 (q, 1, id);
  sqlite3_bind_text (q, 2, s->service, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 3, s->container, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 4, s->container_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 5, s->image, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 6, s->kind, -1, SQLITE_STATIC);
  sqlite3_bind_int (q, 7, s->level);
  rc = sqlite3_step (q);
  sqlite3_finalize (q);
  return rc == SQLITE_DONE ? 0 : store_fail (st, "write stack service", err);
}

static int
put_volume (struct store *st, int64_t id, const char *vol, struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "INSERT INTO stack_volumes (stack_id, volume)"
                      " VALUES (?, ?)",
                      &q, "write stack volume", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_int64 (q, 1, id);
  sqlite3_bind_text (q, 2, vol, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  sqlite3_finalize (q);
  return rc == SQLITE_DONE ? 0 : store_fail (st, "write stack volume", err);
}

static int
put_children (struct store *st, int64_t id, const struct stack_row *r,
              struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  static const char *const clear[]
      = { "DELETE FROM stack_services WHERE stack_id = ?",
          "DELETE FROM stack_volumes WHERE stack_id = ?" };

  for (size_t i = 0; i < 2; i++)
    {
      rc = store_prepare (st, clear[i], &q, "replace stack children", err);
      if (rc < 0)
        return rc;
      sqlite3_bind_int64 (q, 1, id);
      rc = sqlite3_step (q);
      sqlite3_finalize (q);
      if (rc != SQLITE_DONE)
        return store_fail (st, "replace stack children", err);
    }
  for (size_t i = 0; i < r->n_services; i++)
    if (put_service (st, id, &r->services[i], err) < 0)
      return -CFP_E_STATE;
  for (size_t i = 0; i < r->n_volumes; i++)
    if (put_volume (st, id, r->volumes[i], err) < 0)
      return -CFP_E_STATE;
  return 0;
}

int
store_stack_put (struct store *st, const struct stack_row *r,
                 struct cfp_err *err)
{
  int64_t id = 0;

  if (store_begin (st, err) < 0)
    return -CFP_E_STATE;
  if (put_stack (st, r, &id, err) < 0 || put_children (st, id, r, err) < 0
      || store_commit (st, err) < 0)
    {
      store_rollback (st);
      return -CFP_E_STATE;
    }
  return 0;
}

int
store_stack_set_state (struct store *st, const char *tenant, const char *name,
                       const char *state, struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "UPDATE stacks SET state = ?3,"
                      " updated_at = strftime('%s','now') WHERE name = ?2"
                      " AND tenant_id = (SELECT id FROM tenants"
                      " WHERE name = ?1)",
                      &q, "update stack state", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, tenant, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 3, state, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  sqlite3_finalize (q);
  return rc == SQLITE_DONE ? 0 : store_fail (st, "update stack state", err);
}

int
store_stack_delete (struct store *st, const char *tenant, const char *name,
                    struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "DELETE FROM stacks WHERE name = ?2 AND tenant_id ="
                      " (SELECT id FROM tenants WHERE name = ?1)",
                      &q, "delete stack", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, tenant, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  sqlite3_finalize (q);
  return rc == SQLITE_DONE ? 0 : store_fail (st, "delete stack", err);
}
