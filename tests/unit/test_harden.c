/* Unit tests of src/provision/harden.c and template rendering: the
 * hardened defaults come out of every template whatever it asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/util.h"
#include "provision/harden.h"
#include "provision/template.h"

static void
test_user_rules (void **state)
{
  struct cfp_err err = { 0 };
  char *u = NULL, *note = NULL;

  (void)state;
  assert_int_equal (harden_user ("s", NULL, "10001", &u, &note, &err), 0);
  assert_string_equal (u, "10001:10001"); /* never gid 0 */
  assert_null (note);
  free (u);
  assert_int_equal (harden_user ("s", NULL, "", &u, &note, &err), 0);
  assert_string_equal (u, HARDEN_NOBODY);
  assert_non_null (note);
  free (u);
  free (note);
  assert_int_equal (harden_user ("s", NULL, "root", &u, &note, &err), 0);
  assert_string_equal (u, HARDEN_NOBODY);
  free (u);
  free (note);
  assert_int_equal (harden_user ("s", NULL, "0:0", &u, &note, &err), 0);
  assert_string_equal (u, HARDEN_NOBODY);
  free (u);
  free (note);
  assert_int_equal (harden_user ("s", NULL, "10:0", &u, &note, &err), 0);
  assert_string_equal (u, HARDEN_NOBODY);
  free (u);
  free (note);
  assert_int_equal (harden_user ("s", "0", "10001", &u, &note, &err),
                    -CFP_E_INVALID);
  assert_non_null (strstr (err.msg, "is root"));
  assert_int_equal (harden_user ("s", "1000:0", NULL, &u, &note, &err),
                    -CFP_E_INVALID);
  assert_int_equal (harden_user ("s", "toor", NULL, &u, &note, &err),
                    -CFP_E_INVALID);
  assert_non_null (strstr (err.msg, "must be numeric"));
  assert_int_equal (harden_user ("s", "1000:2000", "0", &u, &note, &err), 0);
  assert_string_equal (u, "1000:2000");
  free (u);
}

static struct cmp_stack *
render (const char *name, struct tmpl **t)
{
  struct cfp_err err = { 0 };
  struct cmp_stack *s = NULL;

  assert_int_equal (tmpl_load (NULL, name, t, &err), 0);
  assert_int_equal (tmpl_render (*t, NULL, 0, &s, &err), 0);
  return s;
}

static void
test_spec_is_hardened (void **state)
{
  const struct plan *plan;
  struct cfp_err err = { 0 };
  struct tmpl *t;
  struct cmp_stack *s = render ("test-agent", &t);
  struct harden_ctx c = { .tenant = "acme",
                          .stack = "bot",
                          .template_name = "test-agent",
                          .total_share = 1 };
  char vol[] = "/scratch";
  char *vols[] = { vol, NULL };
  struct harden_image img = { "img", "1:1", vols, NULL };
  json_t *spec, *h, *tmpfs;

  (void)state;
  assert_int_equal (plan_find ("starter", &plan, &err), 0);
  c.plan = plan;
  assert_int_equal (harden_container_spec (&c, &s->services[0], &t->services[0],
                                           &img, &spec, &err),
                    0);
  h = json_object_get (spec, "HostConfig");
  tmpfs = json_object_get (h, "Tmpfs");
  /* The image's VOLUME gets a tmpfs, never an anonymous writable volume. */
  assert_string_equal (json_string_value (json_object_get (tmpfs, "/scratch")),
                       "rw,noexec,nosuid,nodev,size=67108864");
  assert_string_equal (json_string_value (json_object_get (
                           json_object_get (spec, "Labels"), "traefik.enable")),
                       "false");
  assert_true (json_is_true (json_object_get (h, "ReadonlyRootfs")));
  assert_true (json_is_false (json_object_get (h, "Privileged")));
  assert_string_equal (
      json_string_value (json_array_get (json_object_get (h, "CapDrop"), 0)),
      "ALL");
  assert_int_equal (json_array_size (json_object_get (h, "CapAdd")), 0);
  assert_int_equal (json_integer_value (json_object_get (h, "Memory")),
                    512LL << 20);
  assert_int_equal (json_integer_value (json_object_get (h, "NanoCpus")),
                    500000000);
  assert_string_equal (json_string_value (json_object_get (h, "NetworkMode")),
                       "cfp_acme_bot");
  assert_int_equal (json_object_size (json_object_get (h, "PortBindings")), 0);
  assert_string_equal (json_string_value (json_object_get (
                           json_object_get (spec, "Labels"), LABEL_TENANT)),
                       "acme");
  json_decref (spec);
  compose_free (s);
  tmpl_free (t);
}

/* An image's own HEALTHCHECK gets the 5 s floor; the engine's default (0)
 * and slower ones are left alone. */
static void
test_image_healthcheck_floor (void **state)
{
  const struct plan *plan;
  struct cfp_err err = { 0 };
  struct tmpl *t;
  struct cmp_stack *s = render ("base-llm", &t);
  struct harden_ctx c = {
    .tenant = "a", .stack = "b", .template_name = "base-llm", .total_share = 3
  };
  json_t *hc = json_pack ("{s:[ss], s:I}", "Test", "CMD", "/probe", "Interval",
                          (json_int_t)1000000000);
  struct harden_image img = { "img", "1:1", NULL, hc };
  json_t *spec;

  (void)state;
  assert_int_equal (plan_find ("team", &plan, &err), 0);
  c.plan = plan;
  assert_int_equal (harden_container_spec (&c, compose_service (s, "litellm"),
                                           tmpl_service (t, "litellm"), &img,
                                           &spec, &err),
                    0);
  assert_int_equal (json_integer_value (json_object_get (
                        json_object_get (spec, "Healthcheck"), "Interval")),
                    5000000000LL);
  assert_string_equal (
      json_string_value (json_object_get (json_object_get (spec, "HostConfig"),
                                          "CgroupnsMode")),
      "private");
  json_decref (spec);
  json_decref (hc);
  compose_free (s);
  tmpl_free (t);
}

static void
test_reserved_labels (void **state)
{
  struct cfp_err err = { 0 };
  json_t *labels = json_pack ("{s:s}", "TRAEFIK.http.routers.x.rule", "y");

  (void)state;
  assert_true (harden_label_reserved ("traefik.enable"));
  assert_true (harden_label_reserved ("Traefik.Enable"));
  assert_true (harden_label_reserved ("CFP.tenant"));
  assert_false (harden_label_reserved ("com.example.traefik.x"));
  assert_int_equal (harden_check_image_labels ("s", "img", labels, &err),
                    -CFP_E_INVALID);
  assert_non_null (strstr (err.msg, "TRAEFIK.http.routers.x.rule"));
  json_decref (labels);
}

static void
test_share_split (void **state)
{
  const struct plan *plan;
  struct cfp_err err = { 0 };
  struct tmpl *t;
  struct cmp_stack *s = render ("base-llm", &t);
  struct harden_ctx c = {
    .tenant = "a", .stack = "b", .template_name = "base-llm", .total_share = 3
  };
  struct harden_limits l1, l2;

  (void)state;
  assert_int_equal (plan_find ("business", &plan, &err), 0);
  c.plan = plan;
  harden_limits_for (&c, compose_service (s, "litellm"),
                     tmpl_service (t, "litellm"), &l1);
  harden_limits_for (&c, compose_service (s, "webui"),
                     tmpl_service (t, "webui"), &l2);
  assert_true (l1.memory + l2.memory <= plan->memory);
  assert_true (l1.nano_cpus + l2.nano_cpus <= plan->nano_cpus);
  assert_true (l1.pids + l2.pids <= plan->pids);
  assert_true (l2.memory > l1.memory);
  compose_free (s);
  tmpl_free (t);
}

/* A plan larger than the host is capped to the host: the engine refuses a
 * CPU limit above its CPU count. */
static void
test_plan_capped_to_host (void **state)
{
  const struct plan *plan;
  struct cfp_err err = { 0 };
  struct tmpl *t;
  struct cmp_stack *s = render ("test-agent", &t);
  struct harden_ctx c = { .tenant = "a",
                          .stack = "b",
                          .template_name = "test-agent",
                          .total_share = 1,
                          .host_nano_cpus = 2000000000LL,
                          .host_memory = 1LL << 30 };
  struct harden_limits l;

  (void)state;
  assert_int_equal (plan_find ("sovereign", &plan, &err), 0);
  c.plan = plan;
  harden_limits_for (&c, &s->services[0], &t->services[0], &l);
  assert_int_equal (l.nano_cpus, 2000000000LL);
  assert_int_equal (l.memory, 1LL << 30);
  compose_free (s);
  tmpl_free (t);
}

static void
test_unknown_template_lists_known (void **state)
{
  struct cfp_err err = { 0 };
  struct tmpl *t = NULL;

  (void)state;
  assert_int_equal (tmpl_load (NULL, "nope", &t, &err), -CFP_E_NOTFOUND);
  assert_non_null (strstr (err.msg, "base-llm, openclaw-agent"));
}

static void
test_all_builtin_templates_render (void **state)
{
  const char *names[]
      = { "test-agent", "openclaw-agent", "telegram-bot", "base-llm" };

  (void)state;
  for (size_t i = 0; i < 4; i++)
    {
      struct tmpl *t;
      struct cmp_stack *s = render (names[i], &t);

      assert_true (s->n_services >= 1);
      compose_free (s);
      tmpl_free (t);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_user_rules),
    cmocka_unit_test (test_spec_is_hardened),
    cmocka_unit_test (test_reserved_labels),
    cmocka_unit_test (test_image_healthcheck_floor),
    cmocka_unit_test (test_share_split),
    cmocka_unit_test (test_plan_capped_to_host),
    cmocka_unit_test (test_unknown_template_lists_known),
    cmocka_unit_test (test_all_builtin_templates_render),
  };

  return cmocka_run_group_tests_name ("harden", tests, NULL, NULL);
}
