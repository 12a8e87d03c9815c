#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

/* Numbered migrations: entry i moves the schema from version i to i + 1.
 * Append only; never edit a migration that has shipped. */
static const char *const migrations[] = {
  /* 1: tenants, stacks, their services and volumes, events */
  "CREATE TABLE tenants ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  plan TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE stacks ("
  "  id INTEGER PRIMARY KEY,"
  "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
  "  name TEXT NOT NULL,"
  "  template TEXT NOT NULL,"
  "  params TEXT NOT NULL,"
  "  images TEXT NOT NULL,"
  "  spec_hash TEXT NOT NULL,"
  "  network TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  UNIQUE (tenant_id, name));"
  "CREATE TABLE stack_services ("
  "  stack_id INTEGER NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,"
  "  service TEXT NOT NULL,"
  "  container TEXT NOT NULL,"
  "  container_id TEXT NOT NULL,"
  "  image TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  level INTEGER NOT NULL,"
  "  PRIMARY KEY (stack_id, service));"
  "CREATE TABLE stack_volumes ("
  "  stack_id INTEGER NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,"
  "  volume TEXT NOT NULL,"
  "  PRIMARY KEY (stack_id, volume));"
  "CREATE TABLE events ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  actor TEXT NOT NULL,"
  "  tenant TEXT,"
  "  stack TEXT,"
  "  action TEXT NOT NULL,"
  "  result TEXT NOT NULL,"
  "  detail TEXT);",
  /* 2: tenants' own compose files, kept as the policy rewrote them */
  "ALTER TABLE stacks ADD COLUMN compose TEXT;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int
store_schema_latest (void)
{
  return N_MIGRATIONS;
}

int
store_fail (struct store *st, const char *what, struct cfp_err *err)
{
  return cfp_err_set (err, CFP_E_STATE, "state database: %s: %s", what,
                      sqlite3_errmsg (st->db));
}

int
store_exec (struct store *st, const char *sql, const char *what,
            struct cfp_err *err)
{
  if (sqlite3_exec (st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return store_fail (st, what, err);
  return 0;
}

int
store_prepare (struct store *st, const char *sql, sqlite3_stmt **out,
               const char *what, struct cfp_err *err)
{
  if (sqlite3_prepare_v2 (st->db, sql, -1, out, NULL) != SQLITE_OK)
    return store_fail (st, what, err);
  return 0;
}

int
store_begin (struct store *st, struct cfp_err *err)
{
  return store_exec (st, "BEGIN IMMEDIATE", "begin transaction", err);
}

int
store_commit (struct store *st, struct cfp_err *err)
{
  return store_exec (st, "COMMIT", "commit", err);
}

void
store_rollback (struct store *st)
{
  sqlite3_exec (st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_schema_version (struct store *st)
{
  sqlite3_stmt *q;
  int v = -1;

  if (sqlite3_prepare_v2 (st->db, "PRAGMA user_version", -1, &q, NULL)
      != SQLITE_OK)
    return -1;
  if (sqlite3_step (q) == SQLITE_ROW)
    v = sqlite3_column_int (q, 0);
  sqlite3_finalize (q);
  return v;
}

/* Applies each pending migration in its own transaction together with the
 * version bump, so a crash leaves the schema at a numbered version. */
static int
migrate (struct store *st, struct cfp_err *err)
{
  int v = store_schema_version (st);

  if (v < 0)
    return store_fail (st, "read schema version", err);
  if (v > N_MIGRATIONS)
    return cfp_err_set (err, CFP_E_STATE,
                        "state database is at schema version %d, newer than "
                        "this cfp (%d): upgrade cfp",
                        v, N_MIGRATIONS);
  for (; v < N_MIGRATIONS; v++)
    {
      char bump[64];

      snprintf (bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
      if (store_begin (st, err) < 0)
        return -CFP_E_STATE;
      if (store_exec (st, migrations[v], "migration", err) < 0
          || store_exec (st, bump, "migration", err) < 0
          || store_commit (st, err) < 0)
        {
          store_rollback (st);
          return cfp_err_wrap (err, "apply migration %d", v + 1);
        }
    }
  return 0;
}

static int
open_db (const char *dir, int flags, struct store **out, struct cfp_err *err)
{
  cleanup_free char *path = xasprintf ("%s/" STORE_DB_FILE, dir);
  struct store *st = xcalloc (1, sizeof *st);

  st->dir = xstrdup (dir);
  if (sqlite3_open_v2 (path, &st->db, flags, NULL) != SQLITE_OK)
    {
      cfp_err_set (err, CFP_E_STATE, "open state database `%s`: %s", path,
                   st->db ? sqlite3_errmsg (st->db) : "out of memory");
      store_close (st);
      return -CFP_E_STATE;
    }
  sqlite3_busy_timeout (st->db, 5000);
  if (store_exec (st,
                  "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                  "PRAGMA synchronous=NORMAL",
                  "configure", err)
          < 0
      || migrate (st, err) < 0)
    {
      store_close (st);
      return -CFP_E_STATE;
    }
  *out = st;
  return 0;
}

int
store_open (const char *dir, struct store **out, struct cfp_err *err)
{
  cleanup_free char *path = xasprintf ("%s/" STORE_DB_FILE, dir);

  if (access (path, F_OK) != 0)
    return cfp_err_set (err, CFP_E_STATE,
                        "state directory `%s` is not initialised (run `cfp "
                        "init --state-dir %s`)",
                        dir, dir);
  return open_db (dir, SQLITE_OPEN_READWRITE, out, err);
}

void
store_close (struct store *st)
{
  if (st == NULL)
    return;
  sqlite3_close (st->db);
  free (st->dir);
  free (st);
}

static int
write_key (const char *dir, struct cfp_err *err)
{
  cleanup_free char *path = xasprintf ("%s/" STORE_KEY_FILE, dir);
  unsigned char key[STORE_KEY_BYTES];
  ssize_t n;
  int fd;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return cfp_err_sys (err, CFP_E_STATE, errno, "create master key `%s`",
                        path);
  randombytes_buf (key, sizeof key);
  n = write (fd, key, sizeof key);
  sodium_memzero (key, sizeof key);
  if (n != (ssize_t)sizeof key || fsync (fd) < 0)
    {
      int e = n < 0 ? errno : EIO;
      close (fd);
      unlink (path);
      return cfp_err_sys (err, CFP_E_STATE, e, "write master key `%s`", path);
    }
  close (fd);
  return 0;
}

static int
refuse_existing (const char *dir, struct cfp_err *err)
{
  const char *files[] = { STORE_DB_FILE, STORE_KEY_FILE };

  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *p = xasprintf ("%s/%s", dir, files[i]);

      if (access (p, F_OK) == 0)
        return cfp_err_set (err, CFP_E_STATE,
                            "state directory `%s` is initialised already "
                            "(`%s` exists); cfp init never overwrites it",
                            dir, files[i]);
    }
  return 0;
}

int
store_init (const char *dir, struct cfp_err *err)
{
  struct store *st = NULL;
  int rc;

  if (sodium_init () < 0)
    return cfp_err_set (err, CFP_E_FAIL, "libsodium failed to initialise");
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return cfp_err_sys (err, CFP_E_STATE, errno, "create state directory `%s`",
                        dir);
  rc = refuse_existing (dir, err);
  if (rc < 0)
    return rc;
  rc = write_key (dir, err);
  if (rc < 0)
    return rc;
  rc = open_db (dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &st, err);
  if (rc < 0)
    {
      cleanup_free char *key = xasprintf ("%s/" STORE_KEY_FILE, dir);
      unlink (key);
      return rc;
    }
  store_close (st);
  return 0;
}

int
store_event (struct store *st, const char *actor, const char *tenant,
             const char *stack, const char *action, const char *result,
             const char *detail, struct cfp_err *err)
{
  sqlite3_stmt *q;
  int rc;

  rc = store_prepare (st,
                      "INSERT INTO events (time, actor, tenant, stack, "
                      "action, result, detail) VALUES "
                      "(strftime('%s','now'), ?, ?, ?, ?, ?, ?)",
                      &q, "record event", err);
  if (rc < 0)
    return rc;
  sqlite3_bind_text (q, 1, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, tenant, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 3, stack, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 5, result, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 6, detail, -1, SQLITE_STATIC);
  rc = sqlite3_step (q) == SQLITE_DONE ? 0
                                       : store_fail (st, "record event", err);
  sqlite3_finalize (q);
  return rc;
}
