#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "compose/load.h"
#include "core/util.h"
#include "policy/policy.h"
#include "provision/template.h"

static const char usage[]
    = "usage: cfp policy check FILE... [--plan P] [--set K=V]...\n"
      "                         [--format text|json|sarif]\n"
      "       cfp policy check --template NAME [--plan P]\n"
      "       cfp policy rewrite FILE [--plan P] [--set K=V]... [--format "
      "yaml|json]\n"
      "       cfp policy rules [--format text|json|markdown]\n"
      "       cfp policy explain ID\n"
      "\n"
      "check judges tenant compose files against the rule catalogue and\n"
      "prints every finding as FILE:LINE:COL: RULE: what (remedy).  rewrite\n"
      "prints the file with the hardened defaults made explicit, and the\n"
      "changes as JSON Patch operations (a comment block, or with --format\n"
      "json {\"yaml\": ..., \"patches\": [...]}).  ${VAR} in a file takes\n"
      "its value from --set only.  The plan (default `team`) sets the\n"
      "limits files are judged against.\n"
      "\n"
      "exit codes of check and rewrite: 0 clean, 1 findings, 2 unusable\n"
      "input (not YAML, over a limit, a missing variable, bad usage).\n";

enum
{
  OPT_PLAN = OPT_FIRST_LOCAL,
  OPT_SET,
  OPT_FORMAT,
  OPT_TEMPLATE,
};

#define MAX_SETS 128

struct policy_args
{
  const char *plan;
  const char *format;
  const char *template_name;
  struct cmp_kv sets[MAX_SETS];
  size_t n_sets;
  char **files;
  size_t n_files;
  const char *sub;
  struct pol_settings settings; /* <state-dir>/policy.json */
};

/* ---- arguments ---- */

static int
add_set (struct cli *cli, struct policy_args *a, char *arg)
{
  char *eq = strchr (arg, '=');

  if (a->n_sets >= MAX_SETS)
    return cli_usage (cli, "policy", "more than 128 --set");
  if (eq == NULL || eq == arg)
    return cfp_err_set (&cli->err, CFP_E_USAGE,
                        "policy: `--set` expects KEY=VALUE");
  *eq = '\0'; /* argv is ours to cut */
  a->sets[a->n_sets++] = (struct cmp_kv){ arg, eq + 1 };
  return 0;
}

static int
parse_args (struct cli *cli, int argc, char **argv, struct policy_args *a)
{
  static const struct option opts[]
      = { CLI_COMMON_OPTIONS,
          { "plan", required_argument, NULL, OPT_PLAN },
          { "set", required_argument, NULL, OPT_SET },
          { "format", required_argument, NULL, OPT_FORMAT },
          { "template", required_argument, NULL, OPT_TEMPLATE },
          { 0 } };
  int opt, rc = 0;

  optind = 0;
  while (rc == 0 && (opt = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (opt == OPT_PLAN)
      a->plan = optarg;
    else if (opt == OPT_SET)
      rc = add_set (cli, a, optarg);
    else if (opt == OPT_FORMAT)
      a->format = optarg;
    else if (opt == OPT_TEMPLATE)
      a->template_name = optarg;
    else if (cli_common_opt (cli, opt, usage) == 0)
      return cli_usage (cli, "policy", "unknown option");
  if (rc < 0)
    return rc;
  if (optind >= argc)
    return cli_usage (cli, "policy",
                      "expected check, rewrite, rules or "
                      "explain");
  a->sub = argv[optind];
  a->files = argv + optind + 1;
  a->n_files = (size_t)(argc - optind - 1);
  return 0;
}

/* ---- loading ---- */

static int
load_file (struct cli *cli, const struct policy_args *a, const char *path,
           struct cmp_doc **doc)
{
  struct cmp_params params = { a->sets, a->n_sets };
  cleanup_free char *text = NULL;
  size_t len = 0;
  int rc;

  rc = read_file_limit (path, COMPOSE_MAX_BYTES, &text, &len, &cli->err);
  if (rc < 0)
    return rc;
  return compose_load (text, len, path, &params, doc, &cli->err);
}

/* A template is judged with its parameters' defaults, overridden by --set,
 * exactly as a deploy would render it. */
static int
load_template (struct cli *cli, const struct policy_args *a,
               struct cmp_doc **doc)
{
  cleanup_free char *dir = cli_template_dir (cli);
  cleanup_free char *file = NULL;
  cleanup_free struct cmp_kv *params = NULL;
  struct cmp_params p;
  struct tmpl *t;
  int rc;

  rc = tmpl_load (dir, a->template_name, &t, &cli->err);
  if (rc < 0)
    return rc;
  params = xcalloc (t->n_params + a->n_sets + 1, sizeof *params);
  for (size_t i = 0; i < t->n_params; i++)
    params[i] = (struct cmp_kv){ t->params[i].name, t->params[i].def };
  for (size_t i = 0; i < a->n_sets; i++)
    for (size_t k = 0; k < t->n_params; k++)
      if (strcmp (params[k].key, a->sets[i].key) == 0)
        params[k].value = a->sets[i].value;
  p = (struct cmp_params){ params, t->n_params };
  file = xasprintf ("%s/compose.yml", t->name);
  rc = compose_load (t->compose, t->compose_len, file, &p, doc, &cli->err);
  tmpl_free (t);
  return rc;
}

static int
config_for (struct cli *cli, const struct policy_args *a,
            struct pol_config *cfg)
{
  const struct plan *plan;
  int rc = plan_find (a->plan ? a->plan : "team", &plan, &cli->err);

  if (rc < 0)
    return rc;
  pol_config_for (cfg, plan, &a->settings);
  return 0;
}

/* ---- check ---- */

static int
check_one (struct cli *cli, const struct policy_args *a,
           const struct pol_config *cfg, const char *path,
           struct pol_result *res)
{
  struct cmp_doc *doc = NULL;
  int rc;

  struct cmp_params params = { a->sets, a->n_sets };

  rc = path ? load_file (cli, a, path, &doc) : load_template (cli, a, &doc);
  if (rc == 0)
    rc = pol_check (doc, cfg, res, &cli->err);
  if (rc == 0)
    pol_redact (res, &params);
  compose_doc_free (doc);
  return rc;
}

static int
policy_check (struct cli *cli, const struct policy_args *a)
{
  size_t n = a->template_name ? 1 : a->n_files;
  cleanup_free struct pol_result *res = NULL;
  struct pol_config cfg;
  enum pol_format fmt = POL_TEXT;
  int worst = 0;

  if (n == 0 || (a->template_name && a->n_files))
    return cli_usage (cli, "policy", "check takes FILE... or --template");
  if (a->format && pol_format_parse (a->format, &fmt) < 0)
    return cli_usage (cli, "policy", "--format is text, json or sarif");
  if (config_for (cli, a, &cfg) < 0)
    return -CFP_E_USAGE;
  res = xcalloc (n, sizeof *res);
  for (size_t i = 0; i < n; i++)
    {
      const char *path = a->template_name ? NULL : a->files[i];

      if (check_one (cli, a, &cfg, path, &res[i]) < 0)
        {
          fprintf (stderr, "cfp: %s\n", cli->err.msg);
          worst = 2;
        }
      else if (res[i].n_findings > 0 && worst < 1)
        worst = 1;
    }
  pol_report (stdout, res, n, fmt);
  for (size_t i = 0; i < n; i++)
    pol_result_free (&res[i]);
  cfp_err_clear (&cli->err);
  return worst;
}

/* ---- rewrite ---- */

static void
print_patches_comment (const struct pol_result *res)
{
  printf ("# hardened by cfp policy rewrite: %zu change%s\n", res->n_patches,
          res->n_patches == 1 ? "" : "s");
  for (size_t i = 0; i < res->n_patches; i++)
    {
      const struct pol_patch *p = &res->patches[i];
      cleanup_free char *v
          = p->value ? json_dumps (p->value, JSON_COMPACT | JSON_ENCODE_ANY)
                     : NULL;

      printf ("#   %s: %s %s%s%s\n", p->rule->id, p->op, p->pointer,
              v ? " " : "", v ? v : "");
    }
}

static json_t *
patches_json (const struct pol_result *res)
{
  json_t *a = json_array ();

  for (size_t i = 0; i < res->n_patches; i++)
    {
      const struct pol_patch *p = &res->patches[i];
      json_t *o = json_pack ("{s:s, s:s, s:s}", "op", p->op, "path", p->pointer,
                             "rule", p->rule->id);

      if (p->value)
        json_object_set (o, "value", p->value);
      json_array_append_new (a, o);
    }
  return a;
}

static int
rewrite_doc (struct cli *cli, const struct policy_args *a, bool json)
{
  struct pol_result res = { 0 };
  struct cmp_doc *doc = NULL;
  struct pol_config cfg;
  struct buf yaml;
  int rc;

  buf_init (&yaml, 0);
  rc = config_for (cli, a, &cfg);
  if (rc == 0)
    rc = load_file (cli, a, a->files[0], &doc);
  if (rc == 0)
    rc = pol_check (doc, &cfg, &res, &cli->err);
  if (rc == 0)
    pol_redact (&res, &(struct cmp_params){ a->sets, a->n_sets });
  if (rc == 0 && res.n_findings > 0)
    {
      /* What check rejects is never rewritten into something that runs. */
      pol_report (stderr, &res, 1, POL_TEXT);
      rc = 1;
    }
  if (rc == 0)
    rc = pol_rewrite (doc, &cfg, &res, &cli->err);
  if (rc == 0)
    rc = compose_emit_yaml (doc->root, &yaml, &cli->err);
  if (rc == 0 && json)
    cli_print_json (json_pack ("{s:s, s:o}", "yaml", yaml.data ? yaml.data : "",
                               "patches", patches_json (&res)));
  else if (rc == 0)
    {
      print_patches_comment (&res);
      fputs (yaml.data ? yaml.data : "", stdout);
    }
  buf_free (&yaml);
  pol_result_free (&res);
  compose_doc_free (doc);
  return rc;
}

static int
policy_rewrite (struct cli *cli, const struct policy_args *a)
{
  bool json = cli->json;
  int rc;

  if (a->n_files != 1 || a->template_name)
    return cli_usage (cli, "policy", "rewrite takes one FILE");
  if (a->format && strcmp (a->format, "json") == 0)
    json = true;
  else if (a->format && strcmp (a->format, "yaml") != 0)
    return cli_usage (cli, "policy", "rewrite --format is yaml or json");
  rc = rewrite_doc (cli, a, json);
  if (rc < 0)
    {
      fprintf (stderr, "cfp: %s\n", cli->err.msg);
      cfp_err_clear (&cli->err);
      return 2;
    }
  return rc;
}

/* ---- rules and explain ---- */

static json_t *
rule_json (const struct pol_rule *r)
{
  static const char *const sev[] = { "high", "medium", "low" };

  return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", r->id,
                    "severity", sev[r->severity], "action",
                    r->action == POL_REJECT ? "reject" : "rewrite", "title",
                    r->title, "reason", r->reason, "remedy", r->remedy,
                    "fields", r->fields, "references", r->refs);
}

static int
policy_rules (struct cli *cli, const struct policy_args *a)
{
  const char *fmt = a->format ? a->format : cli->json ? "json" : "text";

  if (a->n_files != 0)
    return cli_usage (cli, "policy", "rules takes no argument");
  if (strcmp (fmt, "markdown") == 0)
    pol_catalogue_markdown (stdout);
  else if (strcmp (fmt, "json") == 0)
    {
      json_t *arr = json_array ();
      for (size_t i = 0; i < pol_n_rules; i++)
        json_array_append_new (arr, rule_json (&pol_rules[i]));
      cli_print_json (arr);
    }
  else if (strcmp (fmt, "text") == 0)
    for (size_t i = 0; i < pol_n_rules; i++)
      printf ("%-10s %-7s %-7s %s\n", pol_rules[i].id,
              pol_rules[i].action == POL_REJECT ? "reject" : "rewrite",
              pol_rules[i].severity == POL_HIGH     ? "high"
              : pol_rules[i].severity == POL_MEDIUM ? "medium"
                                                    : "low",
              pol_rules[i].title);
  else
    return cli_usage (cli, "policy",
                      "rules --format is text, json or "
                      "markdown");
  return 0;
}

static int
policy_explain (struct cli *cli, const struct policy_args *a)
{
  const struct pol_rule *r;

  if (a->n_files != 1)
    return cli_usage (cli, "policy", "explain takes one rule ID");
  r = pol_rule_find (a->files[0]);
  if (r == NULL)
    return cfp_err_set (&cli->err, CFP_E_NOTFOUND,
                        "policy: no rule `%.32s` (see `cfp policy rules`)",
                        a->files[0]);
  if (cli->json)
    cli_print_json (rule_json (r));
  else
    pol_explain (stdout, r);
  return 0;
}

static int
policy_run (struct cli *cli, struct policy_args *a)
{
  if (strcmp (a->sub, "check") == 0)
    return policy_check (cli, a);
  if (strcmp (a->sub, "rewrite") == 0)
    return policy_rewrite (cli, a);
  if (strcmp (a->sub, "rules") == 0)
    return policy_rules (cli, a);
  if (strcmp (a->sub, "explain") == 0)
    return policy_explain (cli, a);
  return cli_usage (cli, "policy",
                    "expected check, rewrite, rules or "
                    "explain");
}

int
cmd_policy (struct cli *cli, int argc, char **argv)
{
  struct policy_args a = { 0 };
  cleanup_free char *dir = NULL;
  int rc = parse_args (cli, argc, argv, &a);

  if (rc < 0)
    return rc;
  if (cli->json && a.format == NULL)
    a.format = "json";
  /* The operator's allowlists apply where a state directory has them. */
  dir = cli_state_dir (cli);
  if (pol_settings_load (dir, &a.settings, &cli->err) < 0)
    {
      fprintf (stderr, "cfp: %s\n", cli->err.msg);
      cfp_err_clear (&cli->err);
      return 2;
    }
  rc = policy_run (cli, &a);
  pol_settings_free (&a.settings);
  return rc;
}
