/* Unit tests of src/policy/rewrite.c and src/policy/report.c: every
 * rewrite with its exact patches, the limits split, idempotence, and the
 * shapes of the text, JSON, SARIF and Markdown outputs.  Documents are
 * built with json_loads() (no positions): the loader is tested on its
 * own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/util.h"
#include "policy/policy.h"

#define MIB (1024LL * 1024)
#define TMPFS "rw,noexec,nosuid,nodev,size="

/* ---- helpers ---- */

static const struct plan *
plan (const char *name)
{
  const struct plan *p = NULL;
  struct cfp_err err = { 0 };

  assert_int_equal (plan_find (name, &p, &err), 0);
  return p;
}

static struct pol_config
config (const char *plan_name)
{
  return (struct pol_config){ .plan = plan (plan_name) };
}

static json_t *
parse (const char *text)
{
  json_error_t e;
  json_t *j = json_loads (text, JSON_DECODE_ANY, &e);

  if (j == NULL)
    fail_msg ("bad test JSON at %d: %s: %s", e.position, e.text, text);
  return j;
}

static struct cmp_doc *
doc_new (const char *text)
{
  struct cmp_doc *d = xcalloc (1, sizeof *d);

  d->file = xstrdup ("t.yml");
  d->root = parse (text);
  return d;
}

static void
doc_free (struct cmp_doc *d)
{
  free (d->file);
  json_decref (d->root);
  free (d);
}

/* Rewrites `text` under `plan_name` into *r; returns the document. */
static struct cmp_doc *
rewrite (const char *text, const char *plan_name, struct pol_result *r)
{
  struct pol_config cfg = config (plan_name);
  struct cfp_err err = { 0 };
  struct cmp_doc *d = doc_new (text);

  memset (r, 0, sizeof *r);
  assert_int_equal (pol_rewrite (d, &cfg, r, &err), 0);
  assert_string_equal (r->file, "t.yml");
  for (size_t i = 0; i < r->n_patches; i++)
    assert_non_null (r->patches[i].rule);
  return d;
}

static char *
canon (json_t *j)
{
  return json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void
expect_patch (const struct pol_result *r, size_t i, const char *rule,
              const char *op, const char *path, const char *value)
{
  const struct pol_patch *p;

  if (i >= r->n_patches)
    fail_msg ("patch %zu missing (%zu patches)", i, r->n_patches);
  p = &r->patches[i];
  assert_string_equal (p->rule->id, rule);
  assert_string_equal (p->op, op);
  assert_string_equal (p->pointer, path);
  if (value == NULL)
    assert_null (p->value);
  else
    {
      json_t *want = parse (value);
      char *a = canon (want), *b = canon (p->value);

      assert_string_equal (b, a);
      free (a);
      free (b);
      json_decref (want);
    }
}

/* The patches of one rule only, in order. */
static size_t
patches_of (const struct pol_result *r, const char *rule,
            const struct pol_patch **out, size_t max)
{
  size_t n = 0;

  for (size_t i = 0; i < r->n_patches && n < max; i++)
    if (strcmp (r->patches[i].rule->id, rule) == 0)
      out[n++] = &r->patches[i];
  return n;
}

static void
expect_only (const struct pol_result *r, const char *rule, size_t want)
{
  const struct pol_patch *p[32];

  assert_int_equal (patches_of (r, rule, p, 32), want);
}

static json_t *
at (struct cmp_doc *d, const char *path)
{
  json_t *j = d->root;
  char *copy = xstrdup (path), *save = NULL;

  for (char *t = strtok_r (copy, "/", &save); j && t;
       t = strtok_r (NULL, "/", &save))
    j = json_is_array (j) ? json_array_get (j, strtoul (t, NULL, 10))
                          : json_object_get (j, t);
  free (copy);
  return j;
}

static json_t *
get (json_t *j, const char *path)
{
  struct cmp_doc d = { .root = j };

  return at (&d, path);
}

/* ---- a small RFC 6902 applier, to replay patches ---- */

static char *
unescape_token (const char *s, size_t len)
{
  char *t = xstrndup (s, len), *w = t;

  for (const char *p = t; *p; p++)
    if (p[0] == '~' && (p[1] == '0' || p[1] == '1'))
      *w++ = *++p == '0' ? '~' : '/';
    else
      *w++ = *p;
  *w = '\0';
  return t;
}

static void
apply_one (json_t *root, const struct pol_patch *p)
{
  const char *path = p->pointer, *last = strrchr (path, '/');
  json_t *parent = root;
  char *key;

  assert_non_null (last);
  for (const char *s = path + 1; s <= last;)
    {
      size_t len = strcspn (s, "/");
      char *tok;

      if (s + len > last)
        break;
      tok = unescape_token (s, len);
      parent = json_is_array (parent)
                   ? json_array_get (parent, strtoul (tok, NULL, 10))
                   : json_object_get (parent, tok);
      free (tok);
      assert_non_null (parent);
      s += len + 1;
    }
  key = unescape_token (last + 1, strlen (last + 1));
  if (json_is_array (parent))
    {
      size_t i = strtoul (key, NULL, 10);

      if (strcmp (p->op, "add") == 0 && strcmp (key, "-") == 0)
        json_array_append (parent, p->value);
      else if (strcmp (p->op, "add") == 0)
        json_array_insert (parent, i, p->value);
      else if (strcmp (p->op, "replace") == 0)
        assert_int_equal (json_array_set (parent, i, p->value), 0);
      else
        assert_int_equal (json_array_remove (parent, i), 0);
    }
  else
    {
      assert_true (json_is_object (parent));
      if (strcmp (p->op, "add") == 0)
        assert_null (json_object_get (parent, key));
      else
        assert_non_null (json_object_get (parent, key));
      if (strcmp (p->op, "remove") == 0)
        json_object_del (parent, key);
      else
        json_object_set (parent, key, p->value);
    }
  free (key);
}

/* Replaying the patches in order on the original gives the rewrite:
 * each path is valid in the document as it was before that patch. */
static void
expect_replay (const char *original, struct cmp_doc *rewritten,
               const struct pol_result *r)
{
  json_t *j = parse (original);
  char *a, *b;

  for (size_t i = 0; i < r->n_patches; i++)
    apply_one (j, &r->patches[i]);
  a = canon (j);
  b = canon (rewritten->root);
  assert_string_equal (a, b);
  free (a);
  free (b);
  json_decref (j);
}

/* A second rewrite of the result records nothing. */
static void
expect_idempotent (struct cmp_doc *d, const char *plan_name)
{
  struct pol_config cfg = config (plan_name);
  struct cfp_err err = { 0 };
  struct pol_result again = { 0 };

  assert_int_equal (pol_rewrite (d, &cfg, &again, &err), 0);
  for (size_t i = 0; i < again.n_patches; i++)
    print_error ("unexpected %s %s\n", again.patches[i].op,
                 again.patches[i].pointer);
  assert_int_equal (again.n_patches, 0);
  pol_result_free (&again);
}

/* ---- rewrites ---- */

static void
test_defaults_added (void **state)
{
  const char *src = "{\"services\": {\"web\": {\"image\": \"nginx\"}}}";
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "starter", &r);

  (void)state;
  expect_patch (&r, 0, "CFP-HC-03", "add", "/services/web/cap_drop",
                "[\"ALL\"]");
  expect_patch (&r, 1, "CFP-HC-05", "add", "/services/web/security_opt",
                "[\"no-new-privileges:true\"]");
  expect_patch (&r, 2, "CFP-HC-14", "add", "/services/web/read_only", "true");
  expect_patch (&r, 3, "CFP-HC-15", "add", "/services/web/tmpfs",
                "[\"/tmp:" TMPFS "67108864\"]");
  expect_patch (&r, 4, "CFP-HC-21", "add", "/services/web/cgroup",
                "\"private\"");
  expect_patch (&r, 5, "CFP-HC-31", "add", "/services/web/deploy",
                "{\"resources\": {\"limits\": {\"memory\": 536870912}}}");
  expect_patch (&r, 6, "CFP-HC-34", "add",
                "/services/web/deploy/resources/limits/cpus", "\"0.5\"");
  expect_patch (&r, 7, "CFP-HC-36", "add",
                "/services/web/deploy/resources/limits/pids", "256");
  expect_patch (&r, 8, "CFP-HC-39", "add", "/services/web/ulimits",
                "{\"nofile\": {\"soft\": 4096, \"hard\": 8192}}");
  expect_patch (&r, 9, "CFP-HC-41", "add", "/services/web/logging",
                "{\"driver\": \"json-file\", \"options\": {\"max-size\": "
                "\"10m\", \"max-file\": \"3\"}}");
  expect_patch (&r, 10, "CFP-HC-42", "add", "/services/web/restart",
                "\"on-failure:5\"");
  assert_int_equal (r.n_patches, 11);
  expect_replay (src, d, &r);
  expect_idempotent (d, "starter");
  pol_result_free (&r);
  doc_free (d);
}

static void
test_read_only_forms (void **state)
{
  static const char *const forms[] = { "\"true\"", "\"yes\"", "false" };
  struct pol_result r;
  struct cmp_doc *d;

  (void)state;
  for (size_t i = 0; i < 3; i++)
    {
      char *src = xasprintf (
          "{\"services\": {\"a\": {\"image\": \"x\", \"read_only\": %s}}}",
          forms[i]);
      const struct pol_patch *p[4];

      d = rewrite (src, "team", &r);
      assert_int_equal (patches_of (&r, "CFP-HC-14", p, 4), 1);
      assert_string_equal (p[0]->op, "replace");
      assert_string_equal (p[0]->pointer, "/services/a/read_only");
      assert_true (json_is_true (p[0]->value));
      pol_result_free (&r);
      doc_free (d);
      free (src);
    }
  d = rewrite ("{\"services\": {\"a\": {\"image\": \"x\", \"read_only\": "
               "true}}}",
               "team", &r);
  expect_only (&r, "CFP-HC-14", 0);
  pol_result_free (&r);
  doc_free (d);
}

static void
test_cap_drop_and_no_new_privileges (void **state)
{
  const char *src = "{\"services\": {"
                    "\"a\": {\"image\": \"x\", \"cap_drop\": [\"NET_RAW\"], "
                    "\"security_opt\": []},"
                    "\"b\": {\"image\": \"x\", \"cap_drop\": [\"all\"], "
                    "\"security_opt\": [\"no-new-privileges=true\"]},"
                    "\"c\": {\"image\": \"x\", \"cap_drop\": [\"ALL\"], "
                    "\"security_opt\": [\"no-new-privileges:false\"]}}}";
  const struct pol_patch *p[8];
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "team", &r);

  (void)state;
  assert_int_equal (patches_of (&r, "CFP-HC-03", p, 8), 1);
  assert_string_equal (p[0]->op, "replace");
  assert_string_equal (p[0]->pointer, "/services/a/cap_drop");
  assert_int_equal (patches_of (&r, "CFP-HC-05", p, 8), 2);
  assert_string_equal (p[0]->op, "add");
  assert_string_equal (p[0]->pointer, "/services/a/security_opt/-");
  assert_string_equal (json_string_value (p[0]->value),
                       "no-new-privileges:true");
  assert_string_equal (p[1]->op, "replace");
  assert_string_equal (p[1]->pointer, "/services/c/security_opt/0");
  assert_string_equal (json_string_value (p[1]->value),
                       "no-new-privileges:true");
  expect_replay (src, d, &r);
  expect_idempotent (d, "team");
  pol_result_free (&r);
  doc_free (d);
}

static void
test_tmpfs_normalised (void **state)
{
  const char *src
      = "{\"services\": {"
        "\"a\": {\"image\": \"x\", \"tmpfs\": \"/run:size=1g\"},"
        "\"b\": {\"image\": \"x\", \"tmpfs\": [\"/tmp:size=16m,mode=1777\", "
        "\"/cache\"]},"
        "\"c\": {\"image\": \"x\", \"volumes\": [\"data:/tmp\", {\"type\": "
        "\"tmpfs\", \"target\": \"/scratch\", \"tmpfs\": {\"size\": "
        "\"1g\"}}]},"
        "\"d\": {\"image\": \"x\", \"tmpfs\": \"/tmp\"},"
        "\"e\": {\"image\": \"x\", \"tmpfs\": [\"/tmp:" TMPFS "1024\"]}}}";
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "starter", &r);
  const struct pol_patch *p[16];
  size_t n = patches_of (&r, "CFP-HC-15", p, 16);

  (void)state;
  assert_int_equal (n, 5);
  assert_string_equal (p[0]->op, "replace");
  assert_string_equal (p[0]->pointer, "/services/a/tmpfs");
  assert_string_equal (json_string_value (json_array_get (p[0]->value, 0)),
                       "/run:" TMPFS "67108864");
  assert_string_equal (json_string_value (json_array_get (p[0]->value, 1)),
                       "/tmp:" TMPFS "67108864");
  assert_string_equal (p[1]->pointer, "/services/b/tmpfs/0");
  assert_string_equal (json_string_value (p[1]->value),
                       "/tmp:" TMPFS "16777216");
  assert_string_equal (p[2]->pointer, "/services/b/tmpfs/1");
  assert_string_equal (json_string_value (p[2]->value),
                       "/cache:" TMPFS "67108864");
  /* c: /tmp is a volume already; the long-syntax tmpfs is capped. */
  assert_string_equal (p[3]->op, "replace");
  assert_string_equal (p[3]->pointer, "/services/c/volumes/1/tmpfs/size");
  assert_int_equal (json_integer_value (p[3]->value), 64 * MIB);
  assert_null (at (d, "services/c/tmpfs"));
  /* d: the single string stays a string. */
  assert_string_equal (p[4]->pointer, "/services/d/tmpfs");
  assert_string_equal (json_string_value (p[4]->value),
                       "/tmp:" TMPFS "67108864");
  expect_replay (src, d, &r);
  expect_idempotent (d, "starter");
  pol_result_free (&r);
  doc_free (d);
}

static void
expect_limits (struct cmp_doc *d, const char *svc, int64_t mem,
               const char *cpus, int64_t pids)
{
  char *path = xasprintf ("services/%s/deploy/resources/limits", svc);
  json_t *l = at (d, path);

  assert_non_null (l);
  assert_int_equal (json_integer_value (json_object_get (l, "memory")), mem);
  assert_string_equal (json_string_value (json_object_get (l, "cpus")), cpus);
  assert_int_equal (json_integer_value (json_object_get (l, "pids")), pids);
  free (path);
}

static void
test_limits_split_starter (void **state)
{
  const char *three = "{\"services\": {\"a\": {\"image\": \"x\"}, "
                      "\"b\": {\"image\": \"x\"}, \"c\": {\"image\": \"x\"}}}";
  struct pol_result r;
  struct cmp_doc *d;

  (void)state;
  d = rewrite ("{\"services\": {\"a\": {\"image\": \"x\"}}}", "starter", &r);
  expect_limits (d, "a", 512 * MIB, "0.5", 256);
  pol_result_free (&r);
  doc_free (d);

  /* 512 MiB / 3 rounded down to a MiB, 0.5 CPU / 3 to 0.01, 256 / 3. */
  d = rewrite (three, "starter", &r);
  expect_limits (d, "a", 170 * MIB, "0.16", 85);
  expect_limits (d, "b", 170 * MIB, "0.16", 85);
  expect_limits (d, "c", 170 * MIB, "0.16", 85);
  expect_patch (&r, 5, "CFP-HC-31", "add", "/services/a/deploy",
                "{\"resources\": {\"limits\": {\"memory\": 178257920}}}");
  expect_replay (three, d, &r);
  expect_idempotent (d, "starter");
  pol_result_free (&r);
  doc_free (d);

  d = rewrite ("{\"services\": {\"a\": {\"image\": \"x\"}}}", "team", &r);
  expect_limits (d, "a", 1024 * MIB, "1.0", 512);
  pol_result_free (&r);
  doc_free (d);
}

static void
test_limits_lowered_by_requests (void **state)
{
  const char *src
      = "{\"services\": {"
        "\"a\": {\"image\": \"x\", \"mem_limit\": \"64m\", \"cpus\": 0.25, "
        "\"pids_limit\": 100, \"memswap_limit\": \"1g\", "
        "\"mem_reservation\": \"32m\"},"
        "\"b\": {\"image\": \"x\", \"mem_limit\": \"300m\", \"deploy\": "
        "{\"resources\": {\"limits\": {\"memory\": \"200m\", \"cpus\": "
        "\"4\", \"pids\": 9999}, \"reservations\": {\"memory\": "
        "\"1g\"}}}}}}";
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "starter", &r);
  const struct pol_patch *p[8];

  (void)state;
  expect_limits (d, "a", 64 * MIB, "0.25", 100);
  expect_limits (d, "b", 200 * MIB, "0.25", 128);
  assert_int_equal (patches_of (&r, "CFP-HC-31", p, 8), 4);
  expect_patch (&r, 5, "CFP-HC-31", "add", "/services/a/deploy",
                "{\"resources\": {\"limits\": {\"memory\": 67108864}}}");
  expect_patch (&r, 6, "CFP-HC-31", "remove", "/services/a/mem_limit", NULL);
  expect_patch (&r, 7, "CFP-HC-32", "remove", "/services/a/memswap_limit",
                NULL);
  expect_patch (&r, 8, "CFP-HC-33", "add",
                "/services/a/deploy/resources/reservations",
                "{\"memory\": 33554432}");
  expect_patch (&r, 9, "CFP-HC-33", "remove", "/services/a/mem_reservation",
                NULL);
  expect_patch (&r, 10, "CFP-HC-34", "add",
                "/services/a/deploy/resources/limits/cpus", "\"0.25\"");
  expect_patch (&r, 11, "CFP-HC-34", "remove", "/services/a/cpus", NULL);
  expect_patch (&r, 12, "CFP-HC-36", "add",
                "/services/a/deploy/resources/limits/pids", "100");
  expect_patch (&r, 13, "CFP-HC-36", "remove", "/services/a/pids_limit", NULL);
  /* b: the lower of the two memory requests; 4 CPUs and 9999 pids are
   * above the share; a reservation above the limit is halved. */
  assert_int_equal (patches_of (&r, "CFP-HC-33", p, 8), 3);
  assert_string_equal (p[2]->op, "replace");
  assert_string_equal (p[2]->pointer,
                       "/services/b/deploy/resources/reservations/memory");
  assert_int_equal (json_integer_value (p[2]->value), 100 * MIB);
  assert_null (at (d, "services/b/mem_limit"));
  expect_replay (src, d, &r);
  expect_idempotent (d, "starter");
  pol_result_free (&r);
  doc_free (d);
}

static void
test_ulimits (void **state)
{
  const char *src
      = "{\"services\": {"
        "\"a\": {\"image\": \"x\", \"ulimits\": {\"nofile\": 65536, "
        "\"nproc\": 100000, \"core\": 0}},"
        "\"b\": {\"image\": \"x\", \"ulimits\": {\"nofile\": {\"soft\": "
        "1024, \"hard\": 2048}, \"nproc\": 50}},"
        "\"c\": {\"image\": \"x\", \"ulimits\": {\"nofile\": 1024}},"
        "\"d\": {\"image\": \"x\", \"ulimits\": {\"nofile\": {\"soft\": "
        "9000, \"hard\": 100000}}},"
        "\"e\": {\"image\": \"x\", \"ulimits\": {\"nofile\": {\"soft\": "
        "5000, \"hard\": 2048}}}}}";
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "starter", &r);
  const struct pol_patch *p[8];

  (void)state;
  assert_int_equal (patches_of (&r, "CFP-HC-39", p, 8), 4);
  assert_string_equal (p[0]->pointer, "/services/a/ulimits/nofile");
  expect_patch (&r, 0, "CFP-HC-03", "add", "/services/a/cap_drop", "[\"ALL\"]");
  assert_string_equal (p[0]->op, "replace");
  assert_int_equal (json_integer_value (json_object_get (p[0]->value, "soft")),
                    4096);
  assert_int_equal (json_integer_value (json_object_get (p[0]->value, "hard")),
                    8192);
  assert_string_equal (p[1]->pointer, "/services/a/ulimits/nproc");
  assert_int_equal (json_integer_value (json_object_get (p[1]->value, "hard")),
                    256);
  assert_string_equal (p[2]->pointer, "/services/d/ulimits/nofile");
  assert_int_equal (json_integer_value (json_object_get (p[2]->value, "soft")),
                    4096);
  /* e: soft never above hard. */
  assert_string_equal (p[3]->pointer, "/services/e/ulimits/nofile");
  assert_int_equal (json_integer_value (json_object_get (p[3]->value, "soft")),
                    2048);
  assert_int_equal (json_integer_value (json_object_get (p[3]->value, "hard")),
                    2048);
  assert_int_equal (at (d, "services/a/ulimits/core") != NULL, 1);
  assert_null (at (d, "services/c/ulimits/nproc"));
  expect_replay (src, d, &r);
  expect_idempotent (d, "starter");
  pol_result_free (&r);
  doc_free (d);
}

static void
test_logging (void **state)
{
  const char *src
      = "{\"services\": {"
        "\"a\": {\"image\": \"x\", \"logging\": {\"driver\": \"local\", "
        "\"options\": {\"max-size\": \"1g\"}}},"
        "\"b\": {\"image\": \"x\", \"logging\": {\"driver\": \"json-file\", "
        "\"options\": {\"max-size\": \"20m\", \"max-file\": \"5\"}}}}}";
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "business", &r);
  const struct pol_patch *p[4];

  (void)state;
  assert_int_equal (patches_of (&r, "CFP-HC-41", p, 4), 1);
  assert_string_equal (p[0]->op, "replace");
  assert_string_equal (p[0]->pointer, "/services/a/logging");
  assert_string_equal (
      json_string_value (at (d, "services/a/logging/options/max-size")), "20m");
  assert_string_equal (
      json_string_value (at (d, "services/a/logging/options/max-file")), "5");
  expect_idempotent (d, "business");
  pol_result_free (&r);
  doc_free (d);
}

static void
test_restart (void **state)
{
  static const struct
  {
    const char *in, *out; /* out NULL: no patch */
  } cases[] = {
    { "\"always\"", "on-failure:5" },
    { "\"unless-stopped\"", "on-failure:5" },
    { "\"no\"", NULL },
    { "\"on-failure\"", "on-failure:5" },
    { "\"on-failure:3\"", NULL },
    { "\"on-failure:9\"", "on-failure:5" },
    { "\"on-failure:0\"", "on-failure:5" },
  };

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      char *src = xasprintf (
          "{\"services\": {\"a\": {\"image\": \"x\", \"restart\": %s}}}",
          cases[i].in);
      struct pol_result r;
      struct cmp_doc *d = rewrite (src, "team", &r);
      const struct pol_patch *p[4];

      assert_int_equal (patches_of (&r, "CFP-HC-42", p, 4),
                        cases[i].out ? 1 : 0);
      if (cases[i].out)
        {
          assert_string_equal (p[0]->op, "replace");
          assert_string_equal (p[0]->pointer, "/services/a/restart");
          assert_string_equal (json_string_value (p[0]->value), cases[i].out);
        }
      expect_idempotent (d, "team");
      pol_result_free (&r);
      doc_free (d);
      free (src);
    }
}

static void
test_ignored_keys_and_cgroup (void **state)
{
  const char *src
      = "{\"name\": \"proj\", \"services\": {\"a\": {\"image\": \"x\", "
        "\"hostname\": \"h\", \"domainname\": \"d\", \"stdin_open\": true, "
        "\"tty\": true, \"init\": false, \"stop_signal\": \"SIGINT\", "
        "\"user\": \"1000:1000\", \"cgroup\": \"private\"}}}";
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "team", &r);
  const struct pol_patch *p[8];
  static const char *const removed[]
      = { "/services/a/hostname", "/services/a/domainname",
          "/services/a/stdin_open", "/services/a/tty", "/services/a/init" };

  (void)state;
  expect_patch (&r, 0, "CFP-HC-59", "remove", "/name", NULL);
  assert_int_equal (patches_of (&r, "CFP-HC-59", p, 8), 6);
  for (size_t i = 0; i < 5; i++)
    {
      assert_string_equal (p[i + 1]->op, "remove");
      assert_string_equal (p[i + 1]->pointer, removed[i]);
    }
  expect_only (&r, "CFP-HC-21", 0);
  assert_string_equal (json_string_value (at (d, "services/a/stop_signal")),
                       "SIGINT");
  assert_string_equal (json_string_value (at (d, "services/a/user")),
                       "1000:1000");
  expect_replay (src, d, &r);
  pol_result_free (&r);
  doc_free (d);
}

static void
test_pointer_escaping (void **state)
{
  const char *src = "{\"services\": {\"a/b~c\": {\"image\": \"x\"}}}";
  struct pol_result r;
  struct cmp_doc *d = rewrite (src, "team", &r);

  (void)state;
  expect_patch (&r, 0, "CFP-HC-03", "add", "/services/a~1b~0c/cap_drop",
                "[\"ALL\"]");
  expect_replay (src, d, &r);
  pol_result_free (&r);
  doc_free (d);
}

static void
test_idempotent_every_plan (void **state)
{
  const char *src
      = "{\"name\": \"x\", \"services\": {"
        "\"web\": {\"image\": \"nginx\", \"restart\": \"always\", "
        "\"read_only\": \"yes\", \"tmpfs\": [\"/run\"], \"cpus\": \"3.5\", "
        "\"mem_limit\": 1073741824000, \"ulimits\": {\"nproc\": "
        "{\"soft\": 1, \"hard\": 100000}}},"
        "\"db\": {\"image\": \"postgres\", \"deploy\": {\"resources\": "
        "{\"limits\": {\"cpus\": 0.1}}}}, \"q\": null}}";
  static const char *const plans[]
      = { "starter", "team", "business", "sovereign" };

  (void)state;
  for (size_t i = 0; i < 4; i++)
    {
      struct pol_result r;
      struct cmp_doc *d = rewrite (src, plans[i], &r);

      assert_true (r.n_patches > 20);
      expect_replay (src, d, &r);
      expect_idempotent (d, plans[i]);
      pol_result_free (&r);
      doc_free (d);
    }
}

static void
test_not_a_mapping (void **state)
{
  struct pol_config cfg = config ("team");
  struct cfp_err err = { 0 };
  struct pol_result r = { 0 };
  struct cmp_doc *d = doc_new ("[1]");

  (void)state;
  assert_int_equal (pol_rewrite (d, &cfg, &r, &err), -CFP_E_INVALID);
  assert_non_null (strstr (err.msg, "t.yml"));
  pol_result_free (&r);
  doc_free (d);
}

/* ---- reports ---- */

/* One file with a finding and two patches, one file clean. */
static void
sample_results (struct pol_result res[2])
{
  struct pol_finding *f;

  memset (res, 0, 2 * sizeof *res);
  res[0].file = xstrdup ("dir/my app.yml");
  res[0].findings = f = xcalloc (1, sizeof *f);
  res[0].n_findings = 1;
  f->rule = pol_rule_find ("CFP-HC-01");
  f->pointer = xstrdup ("/services/web/privileged");
  f->pos = (struct cmp_pos){ 3, 5 };
  f->service = xstrdup ("web");
  f->message = xstrdup ("`privileged: true`\x1b[2J");
  res[0].patches = xcalloc (2, sizeof *res[0].patches);
  res[0].n_patches = 2;
  res[0].patches[0]
      = (struct pol_patch){ pol_rule_find ("CFP-HC-14"), xstrdup ("add"),
                            xstrdup ("/services/web/read_only"), json_true () };
  res[0].patches[1]
      = (struct pol_patch){ pol_rule_find ("CFP-HC-59"), xstrdup ("remove"),
                            xstrdup ("/name"), NULL };
  res[1].file = xstrdup ("b.yml");
}

static char *
report (const struct pol_result *res, size_t n, enum pol_format fmt)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);

  assert_non_null (f);
  pol_report (f, res, n, fmt);
  fclose (f);
  return text;
}

static void
free_results (struct pol_result *res, size_t n)
{
  for (size_t i = 0; i < n; i++)
    pol_result_free (&res[i]);
}

static void
test_format_parse (void **state)
{
  enum pol_format f = POL_TEXT;

  (void)state;
  assert_int_equal (pol_format_parse ("json", &f), 0);
  assert_int_equal (f, POL_JSON);
  assert_int_equal (pol_format_parse ("sarif", &f), 0);
  assert_int_equal (f, POL_SARIF);
  assert_int_equal (pol_format_parse ("text", &f), 0);
  assert_int_equal (f, POL_TEXT);
  assert_true (pol_format_parse ("xml", &f) < 0);
}

static void
test_report_text (void **state)
{
  struct pol_result res[2];
  char *text;
  const struct pol_rule *r = pol_rule_find ("CFP-HC-01");
  char *want;

  (void)state;
  sample_results (res);
  text = report (res, 2, POL_TEXT);
  want = xasprintf ("dir/my app.yml:3:5: CFP-HC-01: `privileged: true`?[2J: "
                    "%s (%s)\n"
                    "dir/my app.yml: CFP-HC-14: add /services/web/read_only "
                    "true\n"
                    "dir/my app.yml: CFP-HC-59: remove /name\n",
                    r->reason, r->remedy);
  assert_string_equal (text, want);
  free (want);
  free (text);
  free_results (res, 2);
}

static void
test_report_json (void **state)
{
  struct pol_result res[2];
  char *text;
  json_t *j, *f, *p;

  (void)state;
  sample_results (res);
  text = report (res, 2, POL_JSON);
  j = parse (text);
  assert_int_equal (json_integer_value (json_object_get (j, "version")), 1);
  assert_int_equal (json_array_size (json_object_get (j, "results")), 2);
  assert_string_equal (json_string_value (get (j, "results/0/file")),
                       "dir/my app.yml");
  f = json_array_get (
      json_object_get (json_array_get (json_object_get (j, "results"), 0),
                       "findings"),
      0);
  assert_int_equal (json_object_size (f), 9);
  assert_string_equal (json_string_value (json_object_get (f, "rule")),
                       "CFP-HC-01");
  assert_string_equal (json_string_value (json_object_get (f, "severity")),
                       "high");
  assert_string_equal (json_string_value (json_object_get (f, "action")),
                       "reject");
  assert_string_equal (json_string_value (json_object_get (f, "title")),
                       "privileged container");
  assert_int_equal (json_integer_value (json_object_get (f, "line")), 3);
  assert_int_equal (json_integer_value (json_object_get (f, "column")), 5);
  assert_string_equal (json_string_value (json_object_get (f, "service")),
                       "web");
  assert_string_equal (json_string_value (json_object_get (f, "pointer")),
                       "/services/web/privileged");
  assert_string_equal (json_string_value (json_object_get (f, "message")),
                       "`privileged: true`\x1b[2J");
  p = json_object_get (json_array_get (json_object_get (j, "results"), 0),
                       "patches");
  assert_int_equal (json_array_size (p), 2);
  assert_string_equal (
      json_string_value (json_object_get (json_array_get (p, 0), "op")), "add");
  assert_string_equal (
      json_string_value (json_object_get (json_array_get (p, 0), "path")),
      "/services/web/read_only");
  assert_true (json_is_true (json_object_get (json_array_get (p, 0), "value")));
  assert_string_equal (
      json_string_value (json_object_get (json_array_get (p, 0), "rule")),
      "CFP-HC-14");
  assert_null (json_object_get (json_array_get (p, 1), "value"));
  json_decref (j);
  free (text);
  free_results (res, 2);
}

static void
expect_text (json_t *j, const char *path)
{
  if (!json_is_string (get (j, path)) || !*json_string_value (get (j, path)))
    fail_msg ("SARIF: `%s` missing or empty", path);
}

static void
test_report_sarif (void **state)
{
  struct pol_result res[2];
  char *text;
  json_t *j, *run, *rules, *results, *r;
  size_t i;

  (void)state;
  sample_results (res);
  text = report (res, 2, POL_SARIF);
  j = parse (text);
  assert_string_equal (json_string_value (json_object_get (j, "$schema")),
                       "https://json.schemastore.org/sarif-2.1.0.json");
  assert_string_equal (json_string_value (json_object_get (j, "version")),
                       "2.1.0");
  assert_int_equal (json_array_size (json_object_get (j, "runs")), 1);
  run = get (j, "runs/0");
  assert_string_equal (json_string_value (get (run, "tool/driver/name")),
                       "cfp");
  assert_null (get (run, "tool/driver/informationUri"));
  rules = get (run, "tool/driver/rules");
  assert_int_equal (json_array_size (rules), pol_n_rules);
  json_array_foreach (rules, i, r)
  {
    assert_string_equal (json_string_value (get (r, "id")), pol_rules[i].id);
    expect_text (r, "name");
    expect_text (r, "shortDescription/text");
    expect_text (r, "help/text");
    assert_true (json_array_size (get (r, "properties/tags")) >= 1);
    expect_text (r, "properties/tags/0");
  }
  assert_string_equal (json_string_value (get (rules, "0/properties/tags/1")),
                       "PSS baseline: privileged");
  results = get (run, "results");
  assert_int_equal (json_array_size (results), 1);
  r = json_array_get (results, 0);
  assert_string_equal (json_string_value (get (r, "ruleId")), "CFP-HC-01");
  assert_string_equal (json_string_value (get (rules, "0/id")),
                       pol_rules[json_integer_value (get (r, "ruleIndex"))].id);
  assert_string_equal (json_string_value (get (r, "level")), "error");
  expect_text (r, "message/text");
  assert_string_equal (
      json_string_value (
          get (r, "locations/0/physicalLocation/artifactLocation/uri")),
      "dir/my%20app.yml");
  assert_int_equal (json_integer_value (get (
                        r, "locations/0/physicalLocation/region/startLine")),
                    3);
  assert_int_equal (json_integer_value (get (
                        r, "locations/0/physicalLocation/region/startColumn")),
                    5);
  json_decref (j);
  free (text);
  free_results (res, 2);
}

static void
test_sarif_levels (void **state)
{
  static const struct
  {
    const char *rule, *level;
  } cases[] = { { "CFP-HC-01", "error" },
                { "CFP-HC-03", "error" },
                { "CFP-HC-59", "warning" } };
  struct pol_result res = { 0 };
  char *text;
  json_t *j;

  (void)state;
  res.file = xstrdup ("a.yml");
  res.findings = xcalloc (3, sizeof *res.findings);
  res.n_findings = 3;
  for (size_t i = 0; i < 3; i++)
    {
      res.findings[i].rule = pol_rule_find (cases[i].rule);
      res.findings[i].message = xstrdup ("m");
    }
  text = report (&res, 1, POL_SARIF);
  j = parse (text);
  for (size_t i = 0; i < 3; i++)
    {
      char *path = xasprintf ("runs/0/results/%zu/level", i);

      assert_string_equal (json_string_value (get (j, path)), cases[i].level);
      free (path);
    }
  /* An unknown position has no region. */
  assert_null (get (j, "runs/0/results/0/locations/0/physicalLocation/"
                       "region"));
  json_decref (j);
  free (text);
  pol_result_free (&res);
}

static void
test_catalogue_markdown (void **state)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);

  (void)state;
  pol_catalogue_markdown (f);
  fclose (f);
  assert_true (strncmp (text, "# Admission policy rules\n", 25) == 0);
  assert_non_null (strstr (text, "`cfp policy rules --format markdown`"));
  assert_non_null (strstr (text, "must not\nbe edited by hand"));
  assert_non_null (
      strstr (text, "| ID | Severity | Action | Title | Fields |"));
  for (size_t i = 0; i < pol_n_rules; i++)
    {
      char *row = xasprintf ("| [%s](#", pol_rules[i].id);
      char *head = xasprintf ("\n## %s: ", pol_rules[i].id);

      assert_non_null (strstr (text, row));
      assert_non_null (strstr (text, head));
      free (row);
      free (head);
    }
  assert_non_null (strstr (text, "(#cfp-hc-09-proc-masks-removed)"));
  assert_non_null (strstr (text, "volumes.\\*.driver"));
  free (text);
}

static void
test_explain (void **state)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  const struct pol_rule *r = pol_rule_find ("cfp-hc-50");

  (void)state;
  assert_non_null (r);
  pol_explain (f, r);
  fclose (f);
  assert_true (strncmp (text, "CFP-HC-50: reads host files", 27) == 0);
  assert_non_null (strstr (text, "  action      reject\n"));
  assert_non_null (strstr (text, "  remedy      put values in the file"));
  for (char *line = text, *nl; (nl = strchr (line, '\n')); line = nl + 1)
    assert_true (nl - line <= 79);
  free (text);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_defaults_added),
    cmocka_unit_test (test_read_only_forms),
    cmocka_unit_test (test_cap_drop_and_no_new_privileges),
    cmocka_unit_test (test_tmpfs_normalised),
    cmocka_unit_test (test_limits_split_starter),
    cmocka_unit_test (test_limits_lowered_by_requests),
    cmocka_unit_test (test_ulimits),
    cmocka_unit_test (test_logging),
    cmocka_unit_test (test_restart),
    cmocka_unit_test (test_ignored_keys_and_cgroup),
    cmocka_unit_test (test_pointer_escaping),
    cmocka_unit_test (test_idempotent_every_plan),
    cmocka_unit_test (test_not_a_mapping),
    cmocka_unit_test (test_format_parse),
    cmocka_unit_test (test_report_text),
    cmocka_unit_test (test_report_json),
    cmocka_unit_test (test_report_sarif),
    cmocka_unit_test (test_sarif_levels),
    cmocka_unit_test (test_catalogue_markdown),
    cmocka_unit_test (test_explain),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
