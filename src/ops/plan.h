/* Plans: the limits a tenant buys (design.md, "Plans").  The four plans
 * are built in; operator configuration of plans comes later. */
#ifndef CFP_OPS_PLAN_H
#define CFP_OPS_PLAN_H

#include <stdint.h>

#include "core/err.h"

struct plan
{
  const char *name;
  int max_stacks;           /* stacks per tenant */
  int64_t nano_cpus;        /* per stack, 1e9 = one vCPU */
  int64_t memory;           /* bytes per stack (limit; no swap on top) */
  int64_t pids;             /* pids per stack */
  int64_t tmp_size;         /* bytes of /tmp tmpfs per container */
  int max_domains;          /* routed domains per tenant */
  const char *backups;      /* "none", "daily, encrypted", "custom" */
  int log_retention_days;   /* how long logs are kept */
  const char *log_max_size; /* json-file max-size per container */
  int log_max_file;         /* json-file max-file per container */
  int restart_retries;      /* on-failure retry bound */
};

/* The built-in plans in price-list order; ends with a zeroed entry. */
extern const struct plan plan_builtin[];

/* Looks a plan up; an unknown name is CFP_E_NOTFOUND naming the known. */
int plan_find (const char *name, const struct plan **out, struct cfp_err *err);

#endif
