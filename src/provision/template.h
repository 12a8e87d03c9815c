/* Templates: a compose file plus metadata (template.yml), see
 * docs/templates.md.  Built-in templates are compiled into the binary;
 * an operator directory (<state>/templates/NAME/) may add or replace them. */
#ifndef CFP_PROVISION_TEMPLATE_H
#define CFP_PROVISION_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "compose/compose.h"
#include "core/err.h"

#define TMPL_MAX_BYTES (256 * 1024)
#define TMPL_MAX_PARAMS 64

/* One embedded file; the array ends with a zeroed entry. */
struct tmpl_file
{
  const char *path; /* "NAME/template.yml" or "NAME/compose.yml" */
  const char *data;
  size_t len;
};
extern const struct tmpl_file tmpl_embedded[];

struct tmpl_param
{
  char *name;
  char *def; /* default value, "" when none was given */
  char *description;
};

enum tmpl_kind
{
  TMPL_SERVICE, /* long-running: restarted on failure */
  TMPL_BATCH,   /* runs to completion: never restarted */
};

struct tmpl_service
{
  char *name;
  enum tmpl_kind kind;
  int *expose; /* ports offered for ingress */
  size_t n_expose;
  unsigned share; /* weight in the stack's resource envelope, >= 1 */
};

struct tmpl_volume
{
  char *name;
  bool state; /* holds data worth backing up */
};

struct tmpl
{
  char *name;
  char *description;
  char *origin; /* "built-in" or the operator directory */
  struct tmpl_param *params;
  size_t n_params;
  char **secrets;
  size_t n_secrets;
  struct tmpl_service *services;
  size_t n_services;
  struct tmpl_volume *volumes;
  size_t n_volumes;
  char *compose; /* compose.yml text */
  size_t compose_len;
};

/* Loads template `name`; `dir` is the operator directory (may be NULL).
 * Unknown name: CFP_E_NOTFOUND listing the known ones. */
int tmpl_load (const char *dir, const char *name, struct tmpl **out,
               struct cfp_err *err);
void tmpl_free (struct tmpl *t);

/* Names of all templates, sorted; *out is NULL-terminated, free with
 * tmpl_names_free(). */
int tmpl_list (const char *dir, char ***out, struct cfp_err *err);
void tmpl_names_free (char **names);

const struct tmpl_service *tmpl_service (const struct tmpl *t,
                                         const char *name);

/* Renders the compose file with the defaults overridden by `sets`
 * ("KEY=VALUE", n_sets of them).  An unknown key is CFP_E_INVALID naming
 * it and the known ones.  The model is checked against the metadata: every
 * service and volume must be described there and the other way round. */
int tmpl_render (const struct tmpl *t, char *const *sets, size_t n_sets,
                 struct cmp_stack **out, struct cfp_err *err);

#endif
