/* Admission of tenants' own compose files: nothing a tenant writes reaches
 * the engine as written.  What deploys is the typed model parsed from the
 * file as the policy rewrote it. */
#include <stdio.h>
#include <string.h>

#include "compose/load.h"
#include "core/util.h"
#include "policy/policy.h"
#include "provision/provision.h"

/* --set KEY=VALUE pairs as interpolation parameters (any key: a tenant
 * file declares no parameters). */
static struct cmp_kv *
split_sets (char *const *sets, size_t n)
{
  struct cmp_kv *kv = xcalloc (n + 1, sizeof *kv);

  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (sets[i], '=');

      kv[i].key
          = eq ? xstrndup (sets[i], (size_t)(eq - sets[i])) : xstrdup (sets[i]);
      kv[i].value = xstrdup (eq ? eq + 1 : "");
    }
  return kv;
}

static void
free_sets (struct cmp_kv *kv, size_t n)
{
  for (size_t i = 0; kv && i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

static int
refuse (const char *file, const struct pol_result *res, struct cfp_err *err)
{
  const struct pol_finding *f = &res->findings[0];

  return cfp_err_set (err, CFP_E_INVALID,
                      "`%s` fails the admission policy with %zu finding%s, "
                      "first %s:%u:%u: %s: %s",
                      file, res->n_findings, res->n_findings == 1 ? "" : "s",
                      file, f->pos.line, f->pos.col, f->rule->id, f->message);
}

/* Loads, checks and rewrites; on success *yaml is the rewritten file. */
static int
police (const char *text, size_t len, const char *file,
        const struct cmp_params *params, const struct plan *plan,
        const struct pol_settings *settings, struct pol_result *res,
        char **yaml, struct cfp_err *err)
{
  struct cmp_doc *doc = NULL;
  struct pol_config cfg;
  struct buf out;
  int rc;

  buf_init (&out, 0);
  pol_config_for (&cfg, plan, settings);
  rc = compose_load (text, len, file, params, &doc, err);
  if (rc == 0)
    rc = pol_check (doc, &cfg, res, err);
  if (rc == 0)
    pol_redact (res, params);
  if (rc == 0 && res->n_findings > 0)
    rc = refuse (file, res, err);
  if (rc == 0)
    rc = pol_rewrite (doc, &cfg, res, err);
  if (rc == 0)
    rc = compose_emit_yaml (doc->root, &out, err);
  if (rc == 0)
    *yaml = buf_steal (&out);
  buf_free (&out);
  compose_doc_free (doc);
  return rc;
}

static void
synth_service (const struct cmp_service *svc, struct tmpl_service *ts)
{
  ts->name = xstrdup (svc->name);
  ts->kind = svc->restart && strcmp (svc->restart, "no") == 0 ? TMPL_BATCH
                                                              : TMPL_SERVICE;
  ts->share = 1;
  ts->expose = xcalloc (svc->n_expose + 1, sizeof *ts->expose);
  if (svc->n_expose > 0)
    memcpy (ts->expose, svc->expose, svc->n_expose * sizeof *svc->expose);
  ts->n_expose = svc->n_expose;
}

/* The metadata a template would carry, derived from the file itself. */
static struct tmpl *
synth_template (const struct cmp_stack *s, const char *file, const char *yaml)
{
  struct tmpl *t = xcalloc (1, sizeof *t);

  t->name = xstrdup ("compose");
  t->description = xasprintf ("tenant compose file `%s`", file);
  t->origin = xstrdup (file);
  t->services = xcalloc (s->n_services + 1, sizeof *t->services);
  t->n_services = s->n_services;
  for (size_t i = 0; i < s->n_services; i++)
    synth_service (&s->services[i], &t->services[i]);
  t->volumes = xcalloc (s->n_volumes + 1, sizeof *t->volumes);
  t->n_volumes = s->n_volumes;
  for (size_t i = 0; i < s->n_volumes; i++)
    t->volumes[i] = (struct tmpl_volume){ xstrdup (s->volumes[i].name), true };
  t->compose = xstrdup (yaml);
  t->compose_len = strlen (yaml);
  return t;
}

int
prov_admit (const char *text, size_t len, const char *file, char *const *sets,
            size_t n_sets, const struct plan *plan,
            const struct pol_settings *settings, struct pol_result *findings,
            struct cmp_stack **model, struct tmpl **tmpl, char **rewritten,
            struct cfp_err *err)
{
  struct pol_result local = { 0 };
  struct pol_result *res = findings ? findings : &local;
  cleanup_free char *yaml = NULL;
  struct cmp_kv *kv = split_sets (sets, n_sets);
  struct cmp_params params = { kv, n_sets };
  struct cmp_params none = { NULL, 0 };
  cleanup_free char *again = xasprintf ("%s (as rewritten)", file);
  int rc;

  rc = police (text, len, file, &params, plan, settings, res, &yaml, err);
  /* The rewritten file escapes every '$' as "$$": parsing it again with
   * no parameters gives back exactly the values the policy saw.  Its
   * messages quote values the parameters filled in: they are redacted. */
  if (rc == 0)
    rc = compose_parse (yaml, strlen (yaml), again, &none, model, err);
  if (rc < 0)
    {
      cleanup_free char *m = pol_redact_string (err->msg, &params);
      snprintf (err->msg, sizeof err->msg, "%s", m);
    }
  free_sets (kv, n_sets);
  if (rc == 0)
    {
      *tmpl = synth_template (*model, file, yaml);
      *rewritten = steal_pointer (&yaml);
    }
  pol_result_free (&local);
  return rc;
}
