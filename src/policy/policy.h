/* The admission policy: tenant compose files are checked against a rule
 * catalogue and rewritten to the hardened defaults before anything reaches
 * the engine.
 *
 * The policy works on the document from compose_load(): rules look at the
 * JSON tree and report findings with the position of the offending value;
 * rewriting changes the tree and records each change as a JSON Patch
 * (RFC 6902) operation against the tenant's document.  Templates shipped by
 * the platform pass the same policy with no finding. */
#ifndef CFP_POLICY_H
#define CFP_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "compose/load.h"
#include "core/err.h"
#include "ops/plan.h"

enum pol_severity
{
  POL_HIGH,   /* an escape or cross-tenant risk */
  POL_MEDIUM, /* resource exhaustion or exposure */
  POL_LOW,    /* hygiene */
};

enum pol_action
{
  POL_REJECT,  /* the file is refused while this holds */
  POL_REWRITE, /* cfp changes the file and reports the patch */
};

/* One entry of the catalogue.  IDs are stable: CFP-HC-nn follows the
 * numbering of the hardening reference (shared/anchors), and a number is
 * never reused for another control. */
struct pol_rule
{
  const char *id; /* "CFP-HC-01" */
  enum pol_severity severity;
  enum pol_action action; /* what a finding of this rule does */
  const char *title;      /* short name: "privileged container" */
  const char *reason;     /* one line: why this is refused or changed */
  const char *remedy;     /* one line: what the tenant should write instead */
  const char *fields;     /* the Compose fields it covers */
  const char *refs;       /* "CIS Docker 5.5; PSS baseline privileged" */
};

extern const struct pol_rule pol_rules[];
extern const size_t pol_n_rules;

/* NULL when no rule has this ID (case-insensitive). */
const struct pol_rule *pol_rule_find (const char *id);

/* Operator settings the rules depend on. */
struct pol_config
{
  const struct plan *plan;           /* limits; never NULL */
  const char *const *cap_allow;      /* capabilities tenants may add */
  const char *const *runtime_allow;  /* runtimes besides the default */
  const char *const *registry_allow; /* registries images may come from */
  bool allow_extensions;             /* x-* keys (default true) */
};

/* The default configuration for a plan: no capabilities, runc only,
 * docker.io and ghcr.io. */
void pol_config_default (struct pol_config *cfg, const struct plan *plan);

/* The operator's allowlists, from <state-dir>/policy.json (every key
 * optional; a missing file means the defaults):
 *   {"cap_allow": ["NET_BIND_SERVICE"], "runtime_allow": ["runsc"],
 *    "registry_allow": ["docker.io", "ghcr.io", "registry.example.com"]}
 * Unknown keys, wrong types and names outside [A-Za-z0-9._:-] are refused
 * with the file and key named. */
#define POL_SETTINGS_FILE "policy.json"
#define POL_SETTINGS_MAX 64 /* entries per list */

struct pol_settings
{
  char **cap_allow; /* NULL-terminated, or NULL for the default */
  char **runtime_allow;
  char **registry_allow;
};

int pol_settings_load (const char *state_dir, struct pol_settings *out,
                       struct cfp_err *err);
void pol_settings_free (struct pol_settings *s);

/* pol_config_default() with the operator's lists where given. */
void pol_config_for (struct pol_config *cfg, const struct plan *plan,
                     const struct pol_settings *s);

struct pol_finding
{
  const struct pol_rule *rule;
  char *pointer; /* JSON pointer of the offending value */
  struct cmp_pos pos;
  char *service; /* NULL for top-level findings */
  char *message; /* one line, specific: "`privileged: true`" */
};

struct pol_patch
{
  const struct pol_rule *rule;
  char *op;      /* "add", "replace" or "remove" */
  char *pointer; /* RFC 6901 path in the tenant's document */
  json_t *value; /* NULL for "remove" */
};

struct pol_result
{
  char *file;
  struct pol_finding *findings; /* rejections, in document order */
  size_t n_findings;
  struct pol_patch *patches; /* rewrites applied, in order */
  size_t n_patches;
};

void pol_result_free (struct pol_result *r);

/* Checks `doc` and reports every rejection.  Nothing is changed. */
int pol_check (const struct cmp_doc *doc, const struct pol_config *cfg,
               struct pol_result *out, struct cfp_err *err);

/* Rewrites `doc` in place to the hardened defaults and records each change
 * in out->patches.  Call only on a document pol_check() found clean: what
 * it would reject is not rewritten. */
int pol_rewrite (struct cmp_doc *doc, const struct pol_config *cfg,
                 struct pol_result *out, struct cfp_err *err);

/* Values given as parameters (--set) may be secrets, and rules quote the
 * values they judge (an image, a user).  This replaces each occurrence of
 * a parameter value of POL_REDACT_MIN bytes or more in every finding's
 * message with "(parameter NAME)".  Call before reporting. */
#define POL_REDACT_MIN 4
void pol_redact (struct pol_result *r, const struct cmp_params *params);
/* The same for any text; the caller frees the result. */
char *pol_redact_string (const char *msg, const struct cmp_params *params);

/* Report formats. */
enum pol_format
{
  POL_TEXT,  /* file:line:col: CFP-HC-nn: reason (remedy) */
  POL_JSON,  /* {"file":..,"findings":[..],"patches":[..]} */
  POL_SARIF, /* SARIF 2.1.0 */
};

int pol_format_parse (const char *s, enum pol_format *out);
void pol_report (FILE *out, const struct pol_result *results, size_t n,
                 enum pol_format fmt);

/* The catalogue as Markdown (docs/policy.md is this output). */
void pol_catalogue_markdown (FILE *out);
/* One rule in full, for `cfp policy explain`. */
void pol_explain (FILE *out, const struct pol_rule *rule);

#endif
