#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "store/store.h"

int
store_tenant_create (struct store *st, const char *name, const char *plan,
                     struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "INSERT INTO tenants (name, plan, created_at) "
                      "VALUES (?, ?, strftime('%s','now'))",
                      &q, "create tenant", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, plan, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  sqlite3_finalize (q);
  if (rc == SQLITE_CONSTRAINT)
    return cfp_err_set (err, CFP_E_CONFLICT, "tenant `%s` exists already",
                        name);
  if (rc != SQLITE_DONE)
    return store_fail (st, "create tenant", err);
  return 0;
}

static const char tenant_select[]
    = "SELECT t.id, t.name, t.plan, t.created_at,"
      " (SELECT count(*) FROM stacks s WHERE s.tenant_id = t.id)"
      " FROM tenants t";

static void
read_row (sqlite3_stmt *q, struct tenant_row *r)
{
  memset (r, 0, sizeof *r);
  r->id = sqlite3_column_int64 (q, 0);
  snprintf (r->name, sizeof r->name, "%s", sqlite3_column_text (q, 1));
  snprintf (r->plan, sizeof r->plan, "%s", sqlite3_column_text (q, 2));
  r->created_at = sqlite3_column_int64 (q, 3);
  r->n_stacks = sqlite3_column_int (q, 4);
}

int
store_tenant_get (struct store *st, const char *name, struct tenant_row *out,
                  struct cfp_err *err)
{
  cleanup_free char *sql = xasprintf ("%s WHERE t.name = ?", tenant_select);
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st, sql, &q, "read tenant", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (q);
  if (rc == SQLITE_ROW)
    read_row (q, out);
  sqlite3_finalize (q);
  if (rc == SQLITE_DONE)
    return cfp_err_set (err, CFP_E_NOTFOUND, "unknown tenant `%.80s`", name);
  if (rc != SQLITE_ROW)
    return store_fail (st, "read tenant", err);
  return 0;
}

int
store_tenant_list (struct store *st, struct tenant_row **out, size_t *n,
                   struct cfp_err *err)
{
  cleanup_free char *sql = xasprintf ("%s ORDER BY t.name", tenant_select);
  struct tenant_row *rows = NULL;
  size_t count = 0;
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st, sql, &q, "list tenants", err);
  if (rc < 0)
    return rc;
  while ((rc = sqlite3_step (q)) == SQLITE_ROW)
    {
      rows = xrealloc (rows, (count + 1) * sizeof *rows);
      read_row (q, &rows[count++]);
    }
  sqlite3_finalize (q);
  if (rc != SQLITE_DONE)
    {
      free (rows);
      return store_fail (st, "list tenants", err);
    }
  *out = rows;
  *n = count;
  return 0;
}
