/* Unit tests for src/compose/load.c, emit.c and yaml.c: YAML -> JSON with
 * positions, JSON -> YAML, and the limits on hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/load.h"
#include "core/util.h"

/* struct cmp_kv holds `char *`: arrays, not literals (-Wwrite-strings). */
static char k_x[] = "X", v_x[] = "xval";
static char k_n[] = "N", v_n[] = "3";
static char k_t[] = "T", v_t[] = "true";
static char k_empty[] = "EMPTY", v_empty[] = "";

static const struct cmp_kv param_items[] = {
  { k_x, v_x },
  { k_n, v_n },
  { k_t, v_t },
  { k_empty, v_empty },
};
static const struct cmp_params params
    = { param_items, sizeof param_items / sizeof *param_items };

static struct cmp_doc *
load_ok (const char *yaml)
{
  struct cfp_err err = { 0 };
  struct cmp_doc *doc = NULL;
  int rc
      = compose_load (yaml, strlen (yaml), "compose.yml", &params, &doc, &err);

  if (rc != 0)
    print_error ("unexpected error: %s\n", err.msg);
  assert_int_equal (rc, 0);
  assert_non_null (doc);
  assert_true (json_is_object (doc->root));
  return doc;
}

/* Asserts that loading `len` bytes fails with CFP_E_INVALID and a one-line
 * message that starts with `want`. */
static void
load_err_n (const char *yaml, size_t len, const char *want)
{
  struct cfp_err err = { 0 };
  struct cmp_doc *doc = (struct cmp_doc *)1;
  int rc = compose_load (yaml, len, "compose.yml", &params, &doc, &err);

  assert_int_equal (rc, -CFP_E_INVALID);
  assert_int_equal (err.code, CFP_E_INVALID);
  assert_null (doc);
  if (strncmp (err.msg, want, strlen (want)) != 0)
    {
      print_error ("message: %s\nwanted:  %s\n", err.msg, want);
      fail ();
    }
  assert_null (strchr (err.msg, '\n'));
}

static void
load_err (const char *yaml, const char *want)
{
  load_err_n (yaml, strlen (yaml), want);
}

static json_t *
at (const struct cmp_doc *doc, const char *path)
{
  json_t *v = json_object_get (doc->root, path);

  assert_non_null (v);
  return v;
}

static void
pos_is (const struct cmp_doc *doc, const char *pointer, unsigned line,
        unsigned col)
{
  struct cmp_pos pos = compose_doc_pos (doc, pointer);

  if (pos.line != line || pos.col != col)
    {
      print_error ("%s: at %u:%u, wanted %u:%u\n", pointer, pos.line, pos.col,
                   line, col);
      fail ();
    }
}

/* --- types ------------------------------------------------------------- */

static const char types_yaml[] = "n1: ~\n"
                                 "n2: null\n"
                                 "n3: NULL\n"
                                 "n4:\n"
                                 "b1: true\n"
                                 "b2: True\n"
                                 "b3: FALSE\n"
                                 "i1: 42\n"
                                 "i2: -7\n"
                                 "i3: +8\n"
                                 "i4: 012\n"
                                 "i5: 0o17\n"
                                 "i6: 0x1F\n"
                                 "i7: 9223372036854775807\n"
                                 "f1: 1.5\n"
                                 "f2: 1e3\n"
                                 "f3: .5\n"
                                 "f4: -2.5e-3\n"
                                 "f5: 1.\n"
                                 "s1: yes\n"
                                 "s2: on\n"
                                 "s3: 1_000\n"
                                 "s4: \"12\"\n"
                                 "s5: 'true'\n"
                                 "s6: 0x\n"
                                 "s7: -0x1F\n"
                                 "s8: hello world\n"
                                 "s9: \"\"\n"
                                 "t1: !!str 12\n"
                                 "t2: !!float 1\n"
                                 "t3: !!int \"7\"\n"
                                 "t4: !!bool true\n"
                                 "t5: !!null ''\n"
                                 "l: |\n"
                                 "  line\n";

static void
test_types (void **state)
{
  static const char *const nulls[] = { "n1", "n2", "n3", "n4", "t5" };
  struct cmp_doc *doc = load_ok (types_yaml);

  (void)state;
  for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
    assert_true (json_is_null (at (doc, nulls[i])));
  assert_true (json_is_true (at (doc, "b1")));
  assert_true (json_is_true (at (doc, "b2")));
  assert_true (json_is_false (at (doc, "b3")));
  assert_true (json_is_true (at (doc, "t4")));
  assert_int_equal (json_integer_value (at (doc, "i1")), 42);
  assert_int_equal (json_integer_value (at (doc, "i2")), -7);
  assert_int_equal (json_integer_value (at (doc, "i3")), 8);
  assert_int_equal (json_integer_value (at (doc, "i4")), 12);
  assert_int_equal (json_integer_value (at (doc, "i5")), 15);
  assert_int_equal (json_integer_value (at (doc, "i6")), 31);
  assert_true (json_integer_value (at (doc, "i7")) == INT64_MAX);
  assert_int_equal (json_integer_value (at (doc, "t3")), 7);
  assert_true (json_is_real (at (doc, "f1")));
  assert_true (json_real_value (at (doc, "f1")) == 1.5);
  assert_true (json_real_value (at (doc, "f2")) == 1000.0);
  assert_true (json_real_value (at (doc, "f3")) == 0.5);
  assert_true (json_real_value (at (doc, "f4")) == -2.5e-3);
  assert_true (json_real_value (at (doc, "f5")) == 1.0);
  assert_true (json_is_real (at (doc, "t2")));
  assert_string_equal (json_string_value (at (doc, "s1")), "yes");
  assert_string_equal (json_string_value (at (doc, "s2")), "on");
  assert_string_equal (json_string_value (at (doc, "s3")), "1_000");
  assert_string_equal (json_string_value (at (doc, "s4")), "12");
  assert_string_equal (json_string_value (at (doc, "s5")), "true");
  assert_string_equal (json_string_value (at (doc, "s6")), "0x");
  assert_string_equal (json_string_value (at (doc, "s7")), "-0x1F");
  assert_string_equal (json_string_value (at (doc, "s8")), "hello world");
  assert_string_equal (json_string_value (at (doc, "s9")), "");
  assert_string_equal (json_string_value (at (doc, "t1")), "12");
  assert_string_equal (json_string_value (at (doc, "l")), "line\n");
  compose_doc_free (doc);
}

static void
test_member_order (void **state)
{
  struct cmp_doc *doc = load_ok ("zeta: 1\nalpha: 2\nmid: {z: 1, a: 2}\n");
  const char *want[] = { "zeta", "alpha", "mid" };
  const char *k;
  json_t *v;
  size_t i = 0;

  (void)state;
  json_object_foreach (doc->root, k, v) { assert_string_equal (k, want[i++]); }
  assert_int_equal (i, 3);
  assert_string_equal (
      json_object_iter_key (json_object_iter (at (doc, "mid"))), "z");
  compose_doc_free (doc);
}

/* --- positions --------------------------------------------------------- */

static const char pos_yaml[] = "services:\n"                  /* 1 */
                               "  web:\n"                     /* 2 */
                               "    image: nginx\n"           /* 3 */
                               "    ports:\n"                 /* 4 */
                               "      - \"80:80\"\n"          /* 5 */
                               "      - 443\n"                /* 6 */
                               "    command: [sh, '-c', x]\n" /* 7 */
                               "    environment:\n"           /* 8 */
                               "      - A=1\n"                /* 9 */
                               "      - {k: v}\n"             /* 10 */
                               "      - []\n"                 /* 11 */
                               "    empty:\n"                 /* 12 */
                               "  \"a/b~c\":\n"               /* 13 */
                               "    x: 1\n";                  /* 14 */

static void
test_positions (void **state)
{
  struct cmp_doc *doc = load_ok (pos_yaml);

  (void)state;
  pos_is (doc, "/services", 1, 1);
  pos_is (doc, "/services/web", 2, 3);
  pos_is (doc, "/services/web/image", 3, 5);
  pos_is (doc, "/services/web/ports", 4, 5);
  pos_is (doc, "/services/web/ports/0", 5, 9); /* at the quote */
  pos_is (doc, "/services/web/ports/1", 6, 9);
  pos_is (doc, "/services/web/command/0", 7, 15);
  pos_is (doc, "/services/web/command/1", 7, 19);
  pos_is (doc, "/services/web/command/2", 7, 25);
  pos_is (doc, "/services/web/environment/0", 9, 9);
  pos_is (doc, "/services/web/environment/1", 10, 10); /* its first key */
  pos_is (doc, "/services/web/environment/1/k", 10, 10);
  /* No text of its own: the position of the member that holds it. */
  pos_is (doc, "/services/web/environment/2", 8, 5);
  pos_is (doc, "/services/web/empty", 12, 5);
  pos_is (doc, "/services/a~1b~0c", 13, 3);
  pos_is (doc, "/services/a~1b~0c/x", 14, 5);
  /* The nearest ancestor for what the document does not have. */
  pos_is (doc, "/services/web/read_only", 2, 3);
  pos_is (doc, "/services/web/ports/7", 4, 5);
  pos_is (doc, "/services/nope/x/y", 1, 1);
  pos_is (doc, "/nope", 0, 0);
  pos_is (doc, "", 0, 0);
  /* The table is sorted and has one entry per member and item. */
  assert_int_equal (doc->n_pos, 18);
  for (size_t i = 1; i < doc->n_pos; i++)
    assert_true (strcmp (doc->pos[i - 1].pointer, doc->pos[i].pointer) < 0);
  compose_doc_free (doc);
}

static void
test_pointer_escaping (void **state)
{
  char *p;
  struct cmp_doc *doc = load_ok ("\"a/b\": {\"~x\": 1, \"/\": 2, \"~1\": 3}\n");

  (void)state;
  p = compose_pointer ("/services", "a/b~c");
  assert_string_equal (p, "/services/a~1b~0c");
  free (p);
  p = compose_pointer ("", "~01/");
  assert_string_equal (p, "/~001~1");
  free (p);
  p = compose_pointer (NULL, "");
  assert_string_equal (p, "/");
  free (p);
  pos_is (doc, "/a~1b", 1, 1);
  pos_is (doc, "/a~1b/~0x", 1, 9);
  pos_is (doc, "/a~1b/~1", 1, 18);
  pos_is (doc, "/a~1b/~01", 1, 26);
  compose_doc_free (doc);
}

/* --- merge keys and aliases -------------------------------------------- */

static const char merge_yaml[]
    = "x-a: &a {image: a, user: ua, working_dir: /a}\n"          /* 1 */
      "x-b: &b {image: b, user: ub, entrypoint: eb, extra: 1}\n" /* 2 */
      "services:\n"                                              /* 3 */
      "  s:\n"                                                   /* 4 */
      "    image: mine\n"                                        /* 5 */
      "    <<: [*a, *b]\n"                                       /* 6 */
      "    last: 1\n"                                            /* 7 */
      "  t: *b\n"                                                /* 8 */
      "  u:\n"                                                   /* 9 */
      "    <<: {inline: 1, image: i}\n"                          /* 10 */
      "    image: mine\n"                                        /* 11 */
      "  v:\n"                                                   /* 12 */
      "    <<: [*a, {image: in, z: 1}]\n"                        /* 13 */
      "    \"<<\": literal\n"                                    /* 14 */
      "  w: {<<: *s2}\n"                                         /* 15 */
      "x-s2: &s2\n"                                              /* 16 */
      "  <<: *a\n"                                               /* 17 */
      "  user: own\n";                                           /* 18 */

static void
test_merge_keys (void **state)
{
  struct cmp_doc *doc;
  json_t *svcs, *s;
  const char *k;
  json_t *v;
  const char *order[]
      = { "image", "user", "working_dir", "entrypoint", "extra", "last" };
  size_t i = 0;

  (void)state;
  /* An alias to an anchor defined after it is refused: YAML says so. */
  load_err (merge_yaml, "compose.yml:15:11: alias `*s2` refers to an anchor "
                        "defined after it");
  doc = load_ok ("x-a: &a {image: a, user: ua, working_dir: /a}\n"
                 "x-b: &b {image: b, user: ub, entrypoint: eb, extra: 1}\n"
                 "x-s2: &s2\n"
                 "  <<: *a\n"
                 "  user: own\n"
                 "services:\n"
                 "  s:\n"
                 "    image: mine\n"
                 "    <<: [*a, *b]\n"
                 "    last: 1\n"
                 "  t: *b\n"
                 "  u:\n"
                 "    <<: {inline: 1, image: i}\n"
                 "    image: mine\n"
                 "  v:\n"
                 "    <<: [*a, {image: in, z: 1}]\n"
                 "    \"<<\": literal\n"
                 "  w: {<<: *s2, image: w}\n");
  svcs = at (doc, "services");
  s = json_object_get (svcs, "s");
  /* Explicit keys win wherever they are; of merged maps the first wins;
   * merged members take the place of `<<`, in their own order. */
  json_object_foreach (s, k, v) { assert_string_equal (k, order[i++]); }
  assert_int_equal (i, 6);
  assert_string_equal (json_string_value (json_object_get (s, "image")),
                       "mine");
  assert_string_equal (json_string_value (json_object_get (s, "user")), "ua");
  assert_string_equal (json_string_value (json_object_get (s, "entrypoint")),
                       "eb");
  s = json_object_get (svcs, "t");
  assert_string_equal (json_string_value (json_object_get (s, "image")), "b");
  s = json_object_get (svcs, "u");
  assert_string_equal (json_string_value (json_object_get (s, "image")),
                       "mine");
  assert_int_equal (json_integer_value (json_object_get (s, "inline")), 1);
  s = json_object_get (svcs, "v");
  assert_string_equal (json_string_value (json_object_get (s, "image")), "a");
  assert_int_equal (json_integer_value (json_object_get (s, "z")), 1);
  assert_string_equal (json_string_value (json_object_get (s, "<<")),
                       "literal");
  /* A merge source's own merge keys resolve first. */
  s = json_object_get (svcs, "w");
  assert_string_equal (json_string_value (json_object_get (s, "user")), "own");
  assert_string_equal (json_string_value (json_object_get (s, "image")), "w");
  assert_string_equal (json_string_value (json_object_get (s, "working_dir")),
                       "/a");
  /* Merged members are placed where the anchored mapping wrote them. */
  pos_is (doc, "/services/s/image", 8, 5);
  pos_is (doc, "/services/s/user", 1, 20);
  pos_is (doc, "/services/s/entrypoint", 2, 30);
  pos_is (doc, "/services/s/last", 10, 5);
  pos_is (doc, "/services/t", 11, 3);
  pos_is (doc, "/services/t/image", 2, 10);
  pos_is (doc, "/services/u/inline", 13, 10);
  compose_doc_free (doc);
}

static void
test_aliases (void **state)
{
  struct cmp_doc *doc = load_ok ("x-img: &img \"nginx:1\"\n"
                                 "x-list: &l [a, b]\n"
                                 "x-k: &k name\n"
                                 "a: *img\n"
                                 "b: [*img, *l]\n"
                                 "c: {*k : 1}\n"
                                 "d: &img other\n"
                                 "e: *img\n");

  (void)state;
  assert_string_equal (json_string_value (at (doc, "a")), "nginx:1");
  assert_string_equal (
      json_string_value (json_array_get (json_array_get (at (doc, "b"), 1), 1)),
      "b");
  assert_int_equal (
      json_integer_value (json_object_get (at (doc, "c"), "name")), 1);
  /* A redefined anchor: the latest definition before the alias. */
  assert_string_equal (json_string_value (at (doc, "e")), "other");
  /* An aliased item has the position of the anchored text. */
  pos_is (doc, "/b/0", 1, 13);
  compose_doc_free (doc);
}

/* --- interpolation ----------------------------------------------------- */

static void
test_interpolation (void **state)
{
  struct cmp_doc *doc = load_ok ("image: \"nginx:${X}\"\n"
                                 "replicas: ${N}\n"
                                 "flag: $T\n"
                                 "quoted: '${N}'\n"
                                 "dollar: $$HOME\n"
                                 "default: ${NOPE:-12}\n"
                                 "empty: ${EMPTY}\n"
                                 "${X}: key\n"
                                 "list:\n"
                                 "  - ${N}\n"
                                 "  - 4\n");

  (void)state;
  assert_string_equal (json_string_value (at (doc, "image")), "nginx:xval");
  /* What interpolation changed stays a string, whatever it looks like. */
  assert_string_equal (json_string_value (at (doc, "replicas")), "3");
  assert_string_equal (json_string_value (at (doc, "flag")), "true");
  assert_string_equal (json_string_value (at (doc, "quoted")), "3");
  assert_string_equal (json_string_value (at (doc, "dollar")), "$HOME");
  assert_string_equal (json_string_value (at (doc, "default")), "12");
  assert_string_equal (json_string_value (at (doc, "empty")), "");
  /* Keys are not interpolated. */
  assert_string_equal (json_string_value (at (doc, "${X}")), "key");
  assert_string_equal (json_string_value (json_array_get (at (doc, "list"), 0)),
                       "3");
  assert_true (json_is_integer (json_array_get (at (doc, "list"), 1)));
  compose_doc_free (doc);
  /* Errors name the scalar's position, never a parameter's value. */
  load_err ("services:\n  web:\n    image: ${NOPE}\n",
            "compose.yml:3:12: variable `NOPE` is not set");
  load_err ("a:\n  - \"${NOPE:?set it}\"\n",
            "compose.yml:2:5: variable `NOPE` is required: set it");
  load_err ("a: $\n", "compose.yml:1:4: ");
  load_err ("a: !!int ${N}\n",
            "compose.yml:1:10: `${N}` is not a valid `!!int`");
}

/* --- bad input --------------------------------------------------------- */

static void
test_syntax_errors (void **state)
{
  (void)state;
  load_err ("services:\n\tweb: {}\n",
            "compose.yml:2:1: YAML syntax error: tab character may not be "
            "used as indentation");
  load_err ("a: 1\n---\nb: 2\n", "compose.yml:2:1: more than one YAML "
                                 "document");
  load_err ("services:\n  web: {}\n  db: {}\n  web: {}\n",
            "compose.yml:4:3: YAML syntax error: duplicate key `web`");
  load_err ("a: {x: 1, \"x\": 2}\n",
            "compose.yml:1:11: YAML syntax error: duplicate key `x`");
  load_err ("1: a\n\"1\": b\n", "compose.yml:2:1: YAML syntax error: "
                                "duplicate key `1`");
  load_err ("a: \"abc\n", "compose.yml:1:5: YAML syntax error: double-quoted "
                          "scalar without closing quote");
  load_err ("a: [1, 2\n", "compose.yml:2:1: YAML syntax error: flow sequence "
                          "without a closing bracket");
  load_err ("", "compose.yml:1:1: the file is empty");
  load_err ("# only a comment\n", "compose.yml:1:1: the file is empty");
  load_err ("---\n", "compose.yml:1:1: the top level must be a mapping");
  load_err ("- a\n", "compose.yml:1:3: the top level must be a mapping");
  load_err ("x\n", "compose.yml:1:1: the top level must be a mapping");
}

static void
test_bad_values (void **state)
{
  (void)state;
  load_err ("a: !reset x\n",
            "compose.yml:1:11: YAML tag `!reset` is not supported");
  load_err ("a: !!binary eA==\n", "compose.yml:1:13: YAML tag "
                                  "`tag:yaml.org,2002:binary` is not "
                                  "supported");
  load_err ("a: !!map x\n", "compose.yml:1:10: YAML tag `!!map` on a scalar");
  load_err ("a: !!str [x]\n",
            "compose.yml:1:11: YAML tag `!!str` on a sequence");
  load_err ("a: !!int 1.5\n", "compose.yml:1:10: `1.5` is not a valid `!!int`");
  load_err ("a: 99999999999999999999\n",
            "compose.yml:1:4: integer `99999999999999999999` is out of range");
  load_err ("a: 1e999\n", "compose.yml:1:4: number `1e999` is out of range");
  load_err ("a: -.inf\n", "compose.yml:1:4: `-.inf` is not a finite number");
  load_err ("a: \"x\\0y\"\n",
            "compose.yml:1:4: a scalar contains a NUL character");
  load_err ("[a, b]: 1\n", "compose.yml:1:2: a mapping key must be a string, "
                           "not a sequence");
  load_err ("x:\n  ? {a: 1}\n  : v\n", "compose.yml:2:6: a mapping key must "
                                       "be a string, not a mapping");
  load_err ("x:\n  ? \n  : v\n", "compose.yml:1:1: a mapping key is empty");
  load_err ("a: *nope\n", "compose.yml:1:4: unknown alias `*nope`");
  load_err ("a: &a [1, *a]\n",
            "compose.yml:1:11: alias `*a` refers to a node that contains it");
  load_err ("a:\n  <<: 5\n", "compose.yml:2:3: the value of `<<` must be a "
                             "mapping or a list of mappings");
  load_err ("x: &x [1]\na:\n  <<: [*x]\n",
            "compose.yml:3:3: the value of `<<` must be a mapping or a list "
            "of mappings");
}

static void
test_bad_bytes (void **state)
{
  static const char nul[] = "a: 1\nb: x\0y\n";

  (void)state;
  load_err_n (nul, sizeof nul - 1, "compose.yml:2:5: NUL byte in the file");
  load_err ("a: \"x\xffy\"\n", "compose.yml:1:6: invalid UTF-8 (byte 0xff)");
  /* Where libfyaml says nothing (keys, comments) or reads garbage
   * (surrogates in plain scalars). */
  load_err ("# \xc3\x28\na: 1\n", "compose.yml:1:3: invalid UTF-8 (byte 0xc3)");
  load_err ("\xe9t\xe9: 1\n", "compose.yml:1:1: invalid UTF-8 (byte 0xe9)");
  load_err ("a: \xed\xa0\x80\n", "compose.yml:1:4: invalid UTF-8 (byte 0xed)");
  load_err ("a: \xc0\xaf\n", "compose.yml:1:4: invalid UTF-8 (byte 0xc0)");
  load_err ("\xc3\xa9\xc3\xa9: x\xf0\x9f\n",
            "compose.yml:1:6: invalid UTF-8 (byte 0xf0)");
  load_err ("\xef\xbb\xbf"
            "a: \"\xff\"\n",
            "compose.yml:1:5: invalid UTF-8 (byte 0xff)");
  load_err ("a: \"\\ud800\"\n", "compose.yml:1:5: YAML syntax error");
}

static void
test_limits (void **state)
{
  struct buf b;
  char *text;
  int64_t t0;

  (void)state;
  /* Size. */
  text = xmalloc (COMPOSE_MAX_BYTES + 1);
  memset (text, '#', COMPOSE_MAX_BYTES + 1);
  load_err_n (text, COMPOSE_MAX_BYTES + 1,
              "compose.yml: the file is 1048577 bytes, over the limit of "
              "1048576");
  free (text);
  /* A scalar. */
  buf_init (&b, 0);
  buf_puts (&b, "a: ");
  for (int i = 0; i < COMPOSE_MAX_SCALAR + 1; i++)
    buf_puts (&b, "x");
  buf_puts (&b, "\n");
  load_err (b.data, "compose.yml:1:4: a scalar is longer than the limit of "
                    "65536 bytes");
  buf_free (&b);
  /* Depth: libfyaml's own limit in the text, ours through aliases. */
  buf_init (&b, 0);
  buf_puts (&b, "a: ");
  for (int i = 0; i < 80; i++)
    buf_puts (&b, "[");
  for (int i = 0; i < 80; i++)
    buf_puts (&b, "]");
  load_err (b.data, "compose.yml:1:66: YAML syntax error: Max depth (64) "
                    "exceeded");
  buf_free (&b);
  buf_init (&b, 0);
  buf_puts (&b, "a0: &a0 [x]\n");
  for (int i = 1; i < 40; i++)
    buf_printf (&b, "a%d: &a%d [*a%d]\n", i, i, i - 1);
  load_err (b.data, "compose.yml:32:12: nested deeper than the limit of 64 "
                    "levels (aliases expanded)");
  buf_free (&b);
  /* Anchors: libfyaml searches a list of them for every node it frees. */
  buf_init (&b, 0);
  for (int i = 0; i < 300; i++)
    buf_printf (&b, "a%d: &a%d x\n", i, i);
  t0 = now_ms ();
  load_err (b.data, "compose.yml:257:7: more than the limit of 256 anchors");
  assert_true (now_ms () - t0 < 2000);
  buf_free (&b);
  /* Copies of anchored scalars keep their anchor, for the same reason. */
  buf_init (&b, 0);
  buf_puts (&b, "a: &a x\nb: [*a");
  for (int i = 1; i < 1100; i++)
    buf_puts (&b, ", *a");
  buf_puts (&b, "]\n");
  load_err (b.data, "compose.yml:2:4097: anchored values are copied more "
                    "than the limit of 1024 times (aliases expanded)");
  buf_free (&b);
}

/* Ten levels of ten aliases: 10^10 nodes once expanded. */
static void
test_alias_bomb (void **state)
{
  struct buf b;
  int64_t t0;

  (void)state;
  buf_init (&b, 0);
  buf_puts (&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
  for (char n = 'b'; n <= 'j'; n++)
    buf_printf (&b, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", n, n,
                n - 1, n - 1, n - 1, n - 1, n - 1, n - 1, n - 1, n - 1);
  t0 = now_ms ();
  load_err (b.data, "compose.yml:6:8: more than the limit of 100000 YAML "
                    "nodes (aliases expanded)");
  assert_true (now_ms () - t0 < 2000);
  buf_free (&b);
  /* A big string aliased many times: few nodes, gigabytes of JSON. */
  buf_init (&b, 0);
  buf_puts (&b, "a: &a \"");
  for (int i = 0; i < 60000; i++)
    buf_puts (&b, "x");
  buf_puts (&b, "\"\nb: [*a");
  for (int i = 0; i < 1000; i++)
    buf_puts (&b, ", *a");
  buf_puts (&b, "]\n");
  load_err (b.data, "compose.yml:1:7: the document is larger than the limit "
                    "of 16777216 bytes with aliases and variables expanded");
  buf_free (&b);
}

/* libfyaml compares each key with every earlier one (half a minute for
 * this mapping); yaml.c uses a hash set. */
static void
test_big_mapping_fast (void **state)
{
  struct cmp_doc *doc;
  struct buf b;
  int64_t t0;

  (void)state;
  buf_init (&b, 0);
  for (int i = 0; i < 20000; i++)
    buf_printf (&b, "k%d: %d\n", i, i);
  t0 = now_ms ();
  doc = load_ok (b.data);
  assert_true (now_ms () - t0 < 5000);
  assert_int_equal (json_object_size (doc->root), 20000);
  pos_is (doc, "/k19999", 20000, 1);
  compose_doc_free (doc);
  buf_free (&b);
}

/* --- emitting ---------------------------------------------------------- */

static char *
emit_ok (json_t *root)
{
  struct cfp_err err = { 0 };
  struct buf b;

  buf_init (&b, 0);
  if (compose_emit_yaml (root, &b, &err) != 0)
    print_error ("unexpected error: %s\n", err.msg);
  assert_int_equal (err.code, 0);
  return buf_steal (&b);
}

static void
test_emit_format (void **state)
{
  json_t *root = json_pack (
      "{s:{s:{s:s, s:[s, i], s:{}, s:[], s:[{s:s, s:b}, [s, s], n], s:f}},"
      " s:s, s:s, s:s}",
      "services", "web", "image", "nginx", "ports", "80:80", 443, "labels",
      "tmpfs", "x", "k", "v", "ro", 1, "a", "b", "cpus", 0.5, "true", "t",
      "a b", "$X", "012", "1");
  char *yaml = emit_ok (root);

  (void)state;
  assert_string_equal (yaml, "services:\n"
                             "  web:\n"
                             "    image: \"nginx\"\n"
                             "    ports:\n"
                             "      - \"80:80\"\n"
                             "      - 443\n"
                             "    labels: {}\n"
                             "    tmpfs: []\n"
                             "    x:\n"
                             "      - k: \"v\"\n"
                             "        ro: true\n"
                             "      - - \"a\"\n"
                             "        - \"b\"\n"
                             "      - null\n"
                             "    cpus: 0.5\n"
                             "\"true\": \"t\"\n"
                             "\"a b\": \"$$X\"\n"
                             "\"012\": \"1\"\n");
  free (yaml);
  json_decref (root);
  root = json_object ();
  yaml = emit_ok (root);
  assert_string_equal (yaml, "{}\n");
  free (yaml);
  json_decref (root);
}

static void
test_emit_errors (void **state)
{
  struct cfp_err err = { 0 };
  json_t *root = json_object (), *deep = json_array ();
  struct buf b;

  (void)state;
  json_object_set_new (root, "s", json_stringn ("a\0b", 3));
  buf_init (&b, 0);
  assert_int_equal (compose_emit_yaml (root, &b, &err), -CFP_E_INVALID);
  assert_string_equal (err.msg, "emit YAML: a string holds a NUL character");
  buf_free (&b);
  json_decref (root);
  /* Deeper than compose_load() would read back. */
  root = json_object ();
  json_object_set_new (root, "d", deep);
  for (int i = 0; i < COMPOSE_MAX_DEPTH; i++)
    {
      json_t *next = json_array ();

      json_array_append_new (deep, next);
      deep = next;
    }
  buf_init (&b, 0);
  assert_int_equal (compose_emit_yaml (root, &b, &err), -CFP_E_INVALID);
  assert_string_equal (err.msg, "emit YAML: nested deeper than the limit of "
                                "64 levels");
  buf_free (&b);
  json_decref (root);
  /* The buffer's limit. */
  root = json_pack ("{s:s}", "k", "a long enough value");
  buf_init (&b, 16);
  assert_int_equal (compose_emit_yaml (root, &b, &err), -CFP_E_INVALID);
  assert_string_equal (err.msg, "emit YAML: the output is longer than the "
                                "limit of 16 bytes");
  buf_free (&b);
  json_decref (root);
}

static const char *const tricky[] = {
  "true",
  "false",
  "True",
  "null",
  "Null",
  "~",
  "",
  " ",
  "012",
  "0o17",
  "0x1F",
  "1e3",
  "1.5",
  ".5",
  "-1",
  "+1",
  ".inf",
  "-.Inf",
  ".nan",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "n",
  "- x",
  "-",
  "a: b",
  "a:b",
  "#c",
  "a #c",
  "  padded",
  "trailing  ",
  "${X}",
  "$X",
  "$$",
  "$",
  "a$",
  "${",
  "\"q\"",
  "'s'",
  "back\\slash",
  "line1\nline2",
  "\n",
  "tab\there",
  "cr\r",
  "\x01\x1f\x7f",
  "\xc2\x80\xc2\x85\xc2\x9f",
  "\xe2\x80\xa8\xe2\x80\xa9",
  "\xef\xbb\xbf"
  "bom",
  "\xef\xbf\xbe",
  "caf\xc3\xa9",
  "\xe6\x97\xa5\xe6\x9c\xac",
  "\xf0\x9f\x90\xb3 whale",
  "[a]",
  "{a: 1}",
  "*alias",
  "&anchor",
  "!tag",
  "%dir",
  "@at",
  "`tick`",
  "|",
  ">",
  "?",
  "? x",
  ",",
  "<<",
  "---",
  "...",
  "a\\u0041",
};

/* A document with every kind of value, keys that need quoting and
 * strings that YAML would otherwise read as something else. */
static json_t *
big_document (void)
{
  json_t *root = json_object (), *svcs = json_object (), *strs = json_array ();
  json_t *keys = json_object (), *nums = json_array (), *nest = json_object ();
  json_t *cur = nest;

  json_object_set_new (root, "services", svcs);
  for (int i = 0; i < 40; i++)
    {
      char name[16];

      snprintf (name, sizeof name, "svc-%d", i);
      json_object_set_new (
          svcs, name,
          json_pack ("{s:s, s:[s, s], s:{s:s, s:s}, s:b, s:i, s:f, s:n, s:{},"
                     " s:[], s:[{s:[i, i]}, [[s]]]}",
                     "image", "registry.local/app:1.2", "command", "sh", "-c",
                     "environment", "A", "1", "B", "${NOT_A_VAR}", "read_only",
                     i % 2, "cpus_int", i, "cpus", i / 4.0, "nothing",
                     "empty_map", "empty_list", "deep", "ports", 1, 2, "x"));
    }
  for (size_t i = 0; i < sizeof tricky / sizeof *tricky; i++)
    {
      json_array_append_new (strs, json_string (tricky[i]));
      json_object_set_new (keys, tricky[i], json_string (tricky[i]));
    }
  json_object_set_new (root, "strings", strs);
  json_object_set_new (root, "keys", keys);
  for (size_t i = 0; i < 8; i++)
    json_array_append_new (nums, json_integer ((json_int_t)i * 1000003 - 7));
  json_array_append_new (nums, json_integer (INT64_MAX));
  json_array_append_new (nums, json_integer (INT64_MIN));
  json_array_append_new (nums, json_real (0.1));
  json_array_append_new (nums, json_real (-2.5e-300));
  json_array_append_new (nums, json_real (1e300));
  json_array_append_new (nums, json_real (100.0));
  json_array_append_new (nums, json_real (1.0 / 3));
  json_array_append_new (nums, json_true ());
  json_array_append_new (nums, json_false ());
  json_array_append_new (nums, json_null ());
  json_object_set_new (root, "values", nums);
  for (int i = 0; i < 20; i++)
    {
      json_t *next = json_object ();

      json_object_set_new (cur, i % 2 ? "k" : "0", next);
      cur = next;
    }
  json_object_set_new (root, "nested", nest);
  return root;
}

static void
test_round_trip (void **state)
{
  json_t *root = big_document ();
  char *yaml = emit_ok (root);
  struct cmp_doc *doc = load_ok (yaml);
  char *again;

  (void)state;
  if (!json_equal (root, doc->root))
    {
      char *a = json_dumps (root, JSON_SORT_KEYS);
      char *b = json_dumps (doc->root, JSON_SORT_KEYS);

      print_error ("emitted:\n%s\nwant %s\ngot  %s\n", yaml, a, b);
      free (a);
      free (b);
      fail ();
    }
  /* And emitting what was loaded gives the same text. */
  again = emit_ok (doc->root);
  assert_string_equal (again, yaml);
  free (again);
  free (yaml);
  compose_doc_free (doc);
  json_decref (root);
}

/* The deploy path: load, emit, then the typed parser reads the result. */
static void
test_emit_then_parse (void **state)
{
  struct cmp_doc *doc
      = load_ok ("x-base: &base {restart: \"no\", user: \"1000\"}\n"
                 "services:\n"
                 "  web:\n"
                 "    <<: *base\n"
                 "    image: nginx:${X}\n"
                 "    command: [\"echo\", \"$$HOME\"]\n"
                 "    environment: {A: \"1\", B: yes}\n"
                 "    deploy: {resources: {limits: {cpus: 0.5, memory: "
                 "64m}}}\n");
  struct cfp_err err = { 0 };
  struct cmp_stack *st = NULL;
  const struct cmp_service *s;
  char *yaml = emit_ok (doc->root);

  (void)state;
  assert_int_equal (
      compose_parse (yaml, strlen (yaml), "out.yml", &params, &st, &err), 0);
  s = compose_service (st, "web");
  assert_non_null (s);
  assert_string_equal (s->image, "nginx:xval");
  assert_string_equal (s->user, "1000");
  assert_string_equal (s->restart, "no");
  assert_string_equal (s->command[1], "$HOME");
  assert_true (s->cpus == 0.5);
  compose_free (st);
  free (yaml);
  compose_doc_free (doc);
}

static void
test_free_tolerates_null (void **state)
{
  (void)state;
  compose_doc_free (NULL);
  assert_int_equal (compose_doc_pos (NULL, "/a").line, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_types),
    cmocka_unit_test (test_member_order),
    cmocka_unit_test (test_positions),
    cmocka_unit_test (test_pointer_escaping),
    cmocka_unit_test (test_merge_keys),
    cmocka_unit_test (test_aliases),
    cmocka_unit_test (test_interpolation),
    cmocka_unit_test (test_syntax_errors),
    cmocka_unit_test (test_bad_values),
    cmocka_unit_test (test_bad_bytes),
    cmocka_unit_test (test_limits),
    cmocka_unit_test (test_alias_bomb),
    cmocka_unit_test (test_big_mapping_fast),
    cmocka_unit_test (test_emit_format),
    cmocka_unit_test (test_emit_errors),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_emit_then_parse),
    cmocka_unit_test (test_free_tolerates_null),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
