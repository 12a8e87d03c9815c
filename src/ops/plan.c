#include "ops/plan.h"

#include <string.h>

#define MIB (1024LL * 1024)
#define GIB (1024LL * MIB)
#define VCPU 1000000000LL

/* The sovereign plan is "custom" on the price list; until plans become
 * operator configuration it gets the generous defaults below. */
const struct plan plan_builtin[] = {
  { "starter", 2, VCPU / 2, 512 * MIB, 256, 64 * MIB, 1, "none", 7, "10m", 3,
    5 },
  { "team", 10, VCPU, 1 * GIB, 512, 128 * MIB, 5, "none", 14, "10m", 3, 5 },
  { "business", 25, 2 * VCPU, 4 * GIB, 1024, 256 * MIB, 20, "daily, encrypted",
    30, "20m", 5, 5 },
  { "sovereign", 100, 8 * VCPU, 16 * GIB, 4096, 1 * GIB, 100, "custom", 90,
    "50m", 5, 5 },
  { 0 },
};

int
plan_find (const char *name, const struct plan **out, struct cfp_err *err)
{
  for (const struct plan *p = plan_builtin; p->name; p++)
    if (strcmp (p->name, name) == 0)
      {
        *out = p;
        return 0;
      }
  return cfp_err_set (err, CFP_E_NOTFOUND,
                      "unknown plan `%.80s` (plans: starter, team, business, "
                      "sovereign)",
                      name);
}
