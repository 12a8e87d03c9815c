#include <string.h>

#include "core/util.h"
#include "policy/policy.h"

static char *
replace_all (const char *msg, const char *value, const char *with)
{
  size_t vlen = strlen (value);
  struct buf b;
  const char *p;

  buf_init (&b, 0);
  while ((p = strstr (msg, value)) != NULL)
    {
      buf_append (&b, msg, (size_t)(p - msg));
      buf_puts (&b, with);
      msg = p + vlen;
    }
  buf_puts (&b, msg);
  return buf_steal (&b);
}

void
pol_redact (struct pol_result *r, const struct cmp_params *params)
{
  for (size_t k = 0; params && k < params->n; k++)
    {
      const struct cmp_kv *kv = &params->items[k];
      cleanup_free char *with = NULL;

      if (kv->value == NULL || strlen (kv->value) < POL_REDACT_MIN)
        continue;
      with = xasprintf ("(parameter %s)", kv->key);
      for (size_t i = 0; i < r->n_findings; i++)
        {
          char *m = r->findings[i].message;

          if (m == NULL || strstr (m, kv->value) == NULL)
            continue;
          r->findings[i].message = replace_all (m, kv->value, with);
          free (m);
        }
    }
}
