/* Keeps parameter values out of messages.  A value reaches a message in
 * several shapes: as given, with backticks and control characters turned
 * into '?' (how messages quote), with '$' doubled (how the rewritten file
 * writes it), and cut short (messages quote at most 64 bytes); each shape
 * is looked for, and a cut one from its first REDACT_HEAD bytes on. */
#include <string.h>

#include "core/util.h"
#include "policy/policy.h"

#define REDACT_HEAD 12

static char *
sanitized (const char *v)
{
  char *s = xstrdup (v);

  for (char *p = s; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '`')
      *p = '?';
  return s;
}

static char *
dollars_doubled (const char *v)
{
  struct buf b;

  buf_init (&b, 0);
  for (; *v; v++)
    if (*v == '$')
      buf_puts (&b, "$$");
    else
      buf_append (&b, v, 1);
  return buf_steal (&b);
}

/* Replaces every run of `msg` that starts like `w` (at least its first
 * REDACT_HEAD bytes, or all of a shorter `w`) and agrees with it for as
 * long as both go on. */
static char *
replace_shape (const char *msg, const char *w, const char *with)
{
  size_t n = strlen (w), head = n < REDACT_HEAD ? n : REDACT_HEAD;
  struct buf b;

  buf_init (&b, 0);
  while (*msg)
    {
      size_t j = 0;

      while (msg[j] && j < n && msg[j] == w[j])
        j++;
      if (j >= head)
        {
          buf_puts (&b, with);
          msg += j;
          continue;
        }
      buf_append (&b, msg++, 1);
    }
  return buf_steal (&b);
}

char *
pol_redact_string (const char *msg, const struct cmp_params *params)
{
  char *out = xstrdup (msg);

  for (size_t k = 0; params && k < params->n; k++)
    {
      const struct cmp_kv *kv = &params->items[k];
      cleanup_free char *with = NULL;
      char *shapes[3];

      if (kv->value == NULL || strlen (kv->value) < POL_REDACT_MIN)
        continue;
      with = xasprintf ("(parameter %s)", kv->key);
      shapes[0] = xstrdup (kv->value);
      shapes[1] = sanitized (kv->value);
      shapes[2] = dollars_doubled (kv->value);
      for (size_t i = 0; i < 3; i++)
        {
          char *next = replace_shape (out, shapes[i], with);

          free (out);
          out = next;
          free (shapes[i]);
        }
    }
  return out;
}

void
pol_redact (struct pol_result *r, const struct cmp_params *params)
{
  for (size_t i = 0; i < r->n_findings; i++)
    {
      char *m = r->findings[i].message;

      if (m == NULL)
        continue;
      r->findings[i].message = pol_redact_string (m, params);
      free (m);
    }
}
