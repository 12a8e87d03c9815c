/* Unit tests of src/store on a real SQLite file in a temp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "store/store.h"

static char *
fresh_dir (void)
{
  char tmpl[] = "/tmp/cfp-unit-store.XXXXXX";
  char *d = mkdtemp (tmpl);

  assert_non_null (d);
  return xasprintf ("%s/state", d);
}

static void
remove_dir (char *dir)
{
  char *cmd = xasprintf ("rm -rf '%.*s'", (int)(strrchr (dir, '/') - dir), dir);

  assert_int_equal (system (cmd), 0);
  free (cmd);
  free (dir);
}

static void
test_init_refuses_existing (void **state)
{
  char *dir = fresh_dir ();
  struct cfp_err err = { 0 };
  struct stat sb;
  char *key = xasprintf ("%s/" STORE_KEY_FILE, dir);

  (void)state;
  assert_int_equal (store_init (dir, &err), 0);
  assert_int_equal (stat (key, &sb), 0);
  assert_int_equal (sb.st_mode & 0777, 0600);
  assert_int_equal (sb.st_size, STORE_KEY_BYTES);
  assert_int_equal (store_init (dir, &err), -CFP_E_STATE);
  assert_non_null (strstr (err.msg, "initialised already"));
  free (key);
  remove_dir (dir);
}

static void
test_open_uninitialised (void **state)
{
  struct cfp_err err = { 0 };
  struct store *st = NULL;

  (void)state;
  assert_int_equal (store_open ("/nonexistent/cfp", &st, &err), -CFP_E_STATE);
  assert_non_null (strstr (err.msg, "not initialised"));
  assert_null (st);
}

static void
test_migrations_reach_latest (void **state)
{
  char *dir = fresh_dir ();
  struct cfp_err err = { 0 };
  struct store *st;

  (void)state;
  assert_int_equal (store_init (dir, &err), 0);
  assert_int_equal (store_open (dir, &st, &err), 0);
  assert_int_equal (store_schema_version (st), store_schema_latest ());
  store_close (st);
  remove_dir (dir);
}

static void
test_tenants_and_stacks (void **state)
{
  char *dir = fresh_dir ();
  struct cfp_err err = { 0 };
  struct store *st;
  struct tenant_row t;
  struct stack_row row = { 0 }, got;
  char s_agent[] = "agent", s_cont[] = "cfp_a_s_agent", s_id1[] = "id1",
       s_id2[] = "id2", s_img[] = "img", s_kind[] = "service";
  char s_a[] = "a", s_s[] = "s", s_tmpl[] = "test-agent", s_json[] = "{}",
       s_h[] = "h", s_net[] = "cfp_a_s", s_run[] = "running";
  char s_vol[] = "cfp_a_s_data";
  struct service_row svc = { s_agent, s_cont, s_id1, s_img, s_kind, 0 };
  char *vols[] = { s_vol };
  int count;

  (void)state;
  assert_int_equal (store_init (dir, &err), 0);
  assert_int_equal (store_open (dir, &st, &err), 0);
  assert_int_equal (store_tenant_create (st, "a", "team", &err), 0);
  assert_int_equal (store_tenant_create (st, "a", "team", &err),
                    -CFP_E_CONFLICT);
  assert_int_equal (store_tenant_get (st, "zz", &t, &err), -CFP_E_NOTFOUND);
  row.tenant = s_a;
  row.name = s_s;
  row.template_name = s_tmpl;
  row.params_json = s_json;
  row.images_json = s_json;
  row.spec_hash = s_h;
  row.network = s_net;
  row.state = s_run;
  row.services = &svc;
  row.n_services = 1;
  row.volumes = vols;
  row.n_volumes = 1;
  assert_int_equal (store_stack_put (st, &row, &err), 0);
  svc.container_id = s_id2;
  assert_int_equal (store_stack_put (st, &row, &err), 0);
  assert_int_equal (store_stack_get (st, "a", "s", &got, &err), 0);
  assert_string_equal (got.services[0].container_id, "id2");
  assert_int_equal (got.n_services, 1);
  assert_string_equal (got.volumes[0], "cfp_a_s_data");
  stack_row_free (&got);
  assert_int_equal (store_stack_count (st, "a", NULL, &count, &err), 0);
  assert_int_equal (count, 1);
  assert_int_equal (store_stack_count (st, "a", "s", &count, &err), 0);
  assert_int_equal (count, 0);
  assert_int_equal (store_tenant_get (st, "a", &t, &err), 0);
  assert_int_equal (t.n_stacks, 1);
  assert_int_equal (store_stack_delete (st, "a", "s", &err), 0);
  assert_int_equal (store_stack_get (st, "a", "s", &got, &err),
                    -CFP_E_NOTFOUND);
  store_close (st);
  remove_dir (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_init_refuses_existing),
    cmocka_unit_test (test_open_uninitialised),
    cmocka_unit_test (test_migrations_reach_latest),
    cmocka_unit_test (test_tenants_and_stacks),
  };

  return cmocka_run_group_tests_name ("store", tests, NULL, NULL);
}
