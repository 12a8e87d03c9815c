/* Throughput of the admission policy on one core, for bench/policy.sh.
 *
 * Reads FILE once, then N times over: compose_load() with no parameters,
 * pol_check() against PLAN (default team), and pol_rewrite() when the
 * check found nothing, which is the work `cfp deploy` does on a tenant's
 * file before it talks to the engine.  Every document and result is freed
 * inside the loop, as a long-running daemon would.  Prints the files per
 * second on stdout, and on stderr what one pass found and how the time
 * divides between the steps (the clock is read around each step; that
 * costs well under 1% of a run).
 *
 * Usage: policy_bench FILE N [PLAN] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compose/compose.h"
#include "compose/load.h"
#include "core/util.h"
#include "ops/plan.h"
#include "policy/policy.h"

#define MAX_RUNS 100000000L

struct outcome
{
  size_t findings;
  size_t patches;
};

/* Seconds spent in each step, summed over the runs. */
struct phases
{
  double load, check, rewrite, free;
};

static double
now_s (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One file through the policy; the document and results do not outlive
 * the call. */
static int
admit_once (const char *text, size_t len, const char *file,
            const struct pol_config *cfg, struct outcome *o, struct phases *ph,
            struct cfp_err *err)
{
  struct cmp_doc *doc = NULL;
  struct pol_result r = { 0 };
  double t0 = now_s (), t1, t2, t3;
  int rc;

  rc = compose_load (text, len, file, NULL, &doc, err);
  t1 = now_s ();
  if (rc == 0)
    rc = pol_check (doc, cfg, &r, err);
  t2 = now_s ();
  if (rc == 0 && r.n_findings == 0)
    rc = pol_rewrite (doc, cfg, &r, err);
  t3 = now_s ();
  o->findings = r.n_findings;
  o->patches = r.n_patches;
  pol_result_free (&r);
  compose_doc_free (doc);
  ph->load += t1 - t0;
  ph->check += t2 - t1;
  ph->rewrite += t3 - t2;
  ph->free += now_s () - t3;
  return rc;
}

static void
print_phases (const struct phases *ph)
{
  double all = ph->load + ph->check + ph->rewrite + ph->free;

  fprintf (stderr,
           "policy_bench: load %.0f%%, check %.0f%%, rewrite %.0f%%, "
           "free %.0f%%\n",
           100 * ph->load / all, 100 * ph->check / all, 100 * ph->rewrite / all,
           100 * ph->free / all);
}

static int
usage (void)
{
  fputs ("usage: policy_bench FILE N [PLAN]\n", stderr);
  return 2;
}

int
main (int argc, char **argv)
{
  struct cfp_err err = { 0 };
  cleanup_free char *text = NULL;
  const struct plan *plan;
  struct pol_config cfg;
  struct outcome o;
  struct phases ph = { 0 };
  double t0;
  size_t len = 0;
  char *end;
  long n;

  if (argc < 3 || argc > 4)
    return usage ();
  n = strtol (argv[2], &end, 10);
  if (*end != '\0' || n < 1 || n > MAX_RUNS)
    return usage ();
  if (read_file_limit (argv[1], COMPOSE_MAX_BYTES, &text, &len, &err) < 0
      || plan_find (argc == 4 ? argv[3] : "team", &plan, &err) < 0)
    {
      fprintf (stderr, "policy_bench: %s\n", err.msg);
      return 1;
    }
  pol_config_default (&cfg, plan);

  /* One pass outside the clock: it says what the loop measures. */
  if (admit_once (text, len, argv[1], &cfg, &o, &ph, &err) < 0)
    {
      fprintf (stderr, "policy_bench: %s\n", err.msg);
      return 1;
    }
  fprintf (stderr, "policy_bench: %s: %zu findings, %zu patches\n", argv[1],
           o.findings, o.patches);

  ph = (struct phases){ 0 };
  t0 = now_s ();
  for (long i = 0; i < n; i++)
    if (admit_once (text, len, argv[1], &cfg, &o, &ph, &err) < 0)
      {
        fprintf (stderr, "policy_bench: run %ld: %s\n", i, err.msg);
        return 1;
      }
  printf ("%.1f\n", (double)n / (now_s () - t0));
  print_phases (&ph);
  return 0;
}
