/* libFuzzer target for the admission policy: hostile compose text through
 * the whole path a deploy takes before anything reaches the engine.
 *
 *   compose_load -> pol_check -> (clean) pol_rewrite -> compose_emit_yaml
 *   -> compose_load -> pol_check and pol_rewrite again
 *
 * Besides what the sanitizers catch, the target aborts when a contract of
 * load.h or policy.h breaks:
 *   - a failed load leaves no document and a one-line CFP_E_INVALID message
 *     that starts with the file name;
 *   - findings and patches are well formed (rule, pointer, message; op and
 *     value agree);
 *   - pol_check() and pol_rewrite() do not fail on a document that loaded,
 *     except for pol_check()'s limit on the number of findings
 *     (CFP_E_LIMIT);
 *   - the emitted YAML of a rewritten document loads back to an equal tree
 *     with no interpolation left to do ("$" written as "$$"), the policy
 *     finds nothing in it, and rewriting it again changes nothing.
 * A document near the size, node or depth limits may legitimately grow past
 * them when rewritten (the rewrite adds keys); for those the round trip is
 * allowed to fail, see near_limits().
 *
 * Inputs are interpolated with a few fixed parameters so that the fuzzer
 * reaches the paths where interpolation succeeds. */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"
#include "compose/load.h"
#include "core/util.h"
#include "ops/plan.h"
#include "policy/policy.h"

#define FUZZ_FILE "fuzz.yml"
/* Where the emitted YAML of a big document may stop: twice the input
 * limit, so that only a genuinely runaway emitter hits it. */
#define EMIT_LIMIT (2 * COMPOSE_MAX_BYTES)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* NAME=VALUE pairs; cmp_kv holds non-const strings, so setup() copies
 * them once. */
static const char *const fuzz_param_text[][2] = {
  { "A", "a" },       { "EMPTY", "" }, { "IMAGE", "alpine:3.20" },
  { "PORT", "8080" }, { "SRC", "/" },
};
#define N_PARAMS (sizeof fuzz_param_text / sizeof fuzz_param_text[0])

static struct cmp_kv fuzz_param_items[N_PARAMS];
static const struct cmp_params fuzz_params = { fuzz_param_items, N_PARAMS };
static struct pol_config cfg;
static FILE *devnull;

__attribute__ ((noreturn, format (printf, 1, 2))) static void
die (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  fputs ("fuzz_policy: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  abort ();
}

static void
setup (void)
{
  const struct plan *team;
  struct cfp_err err = { 0 };

  if (devnull != NULL)
    return;
  if (plan_find ("team", &team, &err) < 0)
    die ("plan `team`: %s", err.msg);
  pol_config_default (&cfg, team);
  for (size_t i = 0; i < N_PARAMS; i++)
    fuzz_param_items[i] = (struct cmp_kv){ xstrdup (fuzz_param_text[i][0]),
                                           xstrdup (fuzz_param_text[i][1]) };
  devnull = fopen ("/dev/null", "w");
  if (devnull == NULL)
    die ("cannot open /dev/null");
}

/* Prints a tree for a failure report, shortened. */
static void
dump_tree (const char *what, const json_t *root)
{
  char *s = json_dumps (root, JSON_COMPACT | JSON_SORT_KEYS);

  fprintf (stderr, "%s: %.2000s\n", what, s ? s : "(null)");
  free (s);
}

/* ---- contracts of single results ---- */

static void
expect_load_error (int rc, const struct cmp_doc *doc, const struct cfp_err *err)
{
  if (doc != NULL)
    die ("compose_load failed (%d) but returned a document", rc);
  if (rc != -CFP_E_INVALID || err->code != CFP_E_INVALID)
    die ("compose_load returned %d, code %d: want CFP_E_INVALID", rc,
         err->code);
  if (strncmp (err->msg, FUZZ_FILE, strlen (FUZZ_FILE)) != 0)
    die ("load error does not start with the file name: %s", err->msg);
  if (strchr (err->msg, '\n') != NULL)
    die ("load error is more than one line: %s", err->msg);
}

static void
expect_findings_well_formed (const struct pol_result *r)
{
  for (size_t i = 0; i < r->n_findings; i++)
    {
      const struct pol_finding *f = &r->findings[i];

      if (f->rule == NULL || f->pointer == NULL || f->message == NULL)
        die ("finding %zu has no rule, pointer or message", i);
      if (f->pointer[0] != '\0' && f->pointer[0] != '/')
        die ("finding %zu: pointer `%s` is not a JSON pointer", i, f->pointer);
      if (strchr (f->message, '\n') != NULL)
        die ("finding %zu (%s): message is more than one line", i, f->rule->id);
    }
}

static void
expect_patches_well_formed (const struct pol_result *r)
{
  for (size_t i = 0; i < r->n_patches; i++)
    {
      const struct pol_patch *p = &r->patches[i];
      bool remove;

      if (p->rule == NULL || p->op == NULL || p->pointer == NULL)
        die ("patch %zu has no rule, op or pointer", i);
      remove = strcmp (p->op, "remove") == 0;
      if (!remove && strcmp (p->op, "add") != 0
          && strcmp (p->op, "replace") != 0)
        die ("patch %zu (%s): op `%s`", i, p->rule->id, p->op);
      if (remove != (p->value == NULL))
        die ("patch %zu (%s): op `%s` with%s a value", i, p->rule->id, p->op,
             p->value ? "" : "out");
    }
}

/* Every report format walks every finding and patch. */
static void
report_all (const struct pol_result *r)
{
  pol_report (devnull, r, 1, POL_TEXT);
  pol_report (devnull, r, 1, POL_JSON);
  pol_report (devnull, r, 1, POL_SARIF);
}

/* ---- the round trip ---- */

struct tree_size
{
  size_t nodes; /* JSON values, keys counted as nodes as YAML does */
  size_t bytes; /* string and key bytes */
  size_t depth; /* deepest nesting */
};

static void
measure (json_t *v, size_t depth, struct tree_size *ts)
{
  const char *key;
  json_t *child;

  ts->nodes++;
  if (depth > ts->depth)
    ts->depth = depth;
  if (json_is_string (v))
    ts->bytes += json_string_length (v);
  else if (json_is_object (v))
    json_object_foreach (v, key, child)
    {
      ts->nodes++;
      ts->bytes += strlen (key);
      measure (child, depth + 1, ts);
    }
  else if (json_is_array (v))
    for (size_t i = 0; i < json_array_size (v); i++)
      measure (json_array_get (v, i), depth + 1, ts);
}

/* True when the rewritten tree is close enough to a load limit that the
 * emitted YAML may fairly be refused: a quarter of the node or byte
 * budget, or within eight levels of the depth limit. */
static bool
near_limits (json_t *root)
{
  struct tree_size ts = { 0 };

  measure (root, 1, &ts);
  return ts.nodes > COMPOSE_MAX_NODES / 4 || ts.bytes > COMPOSE_MAX_BYTES / 4
         || ts.depth + 8 > COMPOSE_MAX_DEPTH;
}

static void
print_findings (const struct pol_result *r)
{
  for (size_t i = 0; i < r->n_findings && i < 10; i++)
    fprintf (stderr, "  %s %s: %s\n", r->findings[i].rule->id,
             r->findings[i].pointer, r->findings[i].message);
}

/* The emitted YAML loads back equal, clean and already rewritten. */
static void
check_reloaded (const struct cmp_doc *doc, const struct buf *yaml)
{
  struct cfp_err err = { 0 };
  struct pol_result chk = { 0 }, again = { 0 };
  struct cmp_doc *back = NULL;

  if (compose_load (yaml->data, yaml->len, FUZZ_FILE, NULL, &back, &err) < 0)
    {
      fprintf (stderr, "emitted YAML:\n%.4000s\n", yaml->data);
      die ("the emitted YAML does not load: %s", err.msg);
    }
  if (!json_equal (doc->root, back->root))
    {
      dump_tree ("rewritten", doc->root);
      dump_tree ("reloaded ", back->root);
      die ("the emitted YAML loads to a different tree");
    }
  if (pol_check (back, &cfg, &chk, &err) < 0)
    die ("pol_check failed on the reloaded document: %s", err.msg);
  if (chk.n_findings > 0)
    {
      fprintf (stderr, "emitted YAML:\n%.4000s\n", yaml->data);
      print_findings (&chk);
      die ("the rewritten document has %zu findings", chk.n_findings);
    }
  if (pol_rewrite (back, &cfg, &again, &err) < 0)
    die ("pol_rewrite failed on the reloaded document: %s", err.msg);
  if (again.n_patches > 0)
    die ("a second rewrite changed the document again: %s %s (%s)",
         again.patches[0].op, again.patches[0].pointer,
         again.patches[0].rule->id);
  pol_result_free (&again);
  pol_result_free (&chk);
  compose_doc_free (back);
}

static void
rewrite_and_round_trip (struct cmp_doc *doc)
{
  struct cfp_err err = { 0 };
  struct pol_result rw = { 0 };
  struct buf yaml;
  bool big;

  if (pol_rewrite (doc, &cfg, &rw, &err) < 0)
    die ("pol_rewrite failed on a clean document: %s", err.msg);
  expect_patches_well_formed (&rw);
  report_all (&rw);

  big = near_limits (doc->root);
  buf_init (&yaml, EMIT_LIMIT);
  if (compose_emit_yaml (doc->root, &yaml, &err) < 0)
    {
      if (!big)
        die ("compose_emit_yaml failed: %s", err.msg);
    }
  else if (!big)
    check_reloaded (doc, &yaml);
  buf_free (&yaml);
  pol_result_free (&rw);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct cfp_err err = { 0 };
  struct pol_result chk = { 0 };
  struct cmp_doc *doc = NULL;
  int rc;

  setup ();
  /* `data` is exactly `size` bytes with no terminator: the loader must
   * not read past `len`. */
  rc = compose_load ((const char *)data, size, FUZZ_FILE, &fuzz_params, &doc,
                     &err);
  if (rc < 0)
    {
      expect_load_error (rc, doc, &err);
      return 0;
    }
  if (doc == NULL || !json_is_object (doc->root))
    die ("compose_load succeeded without an object document");

  rc = pol_check (doc, &cfg, &chk, &err);
  if (rc < 0 && err.code != CFP_E_LIMIT)
    die ("pol_check failed on a loaded document: %s", err.msg);
  expect_findings_well_formed (&chk);
  report_all (&chk);
  if (rc == 0 && chk.n_findings == 0)
    rewrite_and_round_trip (doc);

  pol_result_free (&chk);
  compose_doc_free (doc);
  return 0;
}
