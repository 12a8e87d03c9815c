/* Reports of policy results, and the catalogue as documentation.
 *
 * The text format is for terminals and editors (the file:line:col prefix
 * is what compilers print, so editors jump to it); JSON is cfp's own
 * machine format; SARIF 2.1.0 is what code-scanning services read.  Text
 * output carries tenant-controlled strings (messages quote the file), so
 * control characters are replaced before they reach a terminal; the JSON
 * encoder escapes them in the other two formats. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "policy/policy.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define WRAP_COLUMNS 79
#define EXPLAIN_INDENT 14

static const char *
severity_name (enum pol_severity s)
{
  switch (s)
    {
    case POL_HIGH:
      return "high";
    case POL_MEDIUM:
      return "medium";
    case POL_LOW:
      return "low";
    }
  return "unknown";
}

static const char *
action_name (enum pol_action a)
{
  return a == POL_REJECT ? "reject" : "rewrite";
}

int
pol_format_parse (const char *s, enum pol_format *out)
{
  static const struct
  {
    const char *name;
    enum pol_format fmt;
  } formats[] = {
    { "text", POL_TEXT },
    { "json", POL_JSON },
    { "sarif", POL_SARIF },
  };

  for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
    if (strcmp (s, formats[i].name) == 0)
      {
        *out = formats[i].fmt;
        return 0;
      }
  return -CFP_E_USAGE;
}

static const char *
file_name (const struct pol_result *r)
{
  return r->file != NULL ? r->file : "-";
}

/* --- text -------------------------------------------------------------- */

/* Writes `s` with control characters shown as '?': a tenant's file must
 * not drive the terminal of whoever reads the report. */
static void
put_clean (FILE *out, const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
    fputc (*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

static void
text_finding (FILE *out, const char *file, const struct pol_finding *f)
{
  put_clean (out, file);
  if (f->pos.line > 0)
    fprintf (out, ":%u:%u", f->pos.line, f->pos.col);
  fprintf (out, ": %s: ", f->rule->id);
  put_clean (out, f->message != NULL ? f->message : f->rule->title);
  fprintf (out, ": %s (%s)\n", f->rule->reason, f->rule->remedy);
}

static void
text_patch (FILE *out, const char *file, const struct pol_patch *p)
{
  put_clean (out, file);
  fprintf (out, ": %s: %s ", p->rule->id, p->op);
  put_clean (out, p->pointer);
  if (p->value != NULL)
    {
      char *v = json_dumps (p->value, JSON_COMPACT | JSON_ENCODE_ANY);

      fputc (' ', out);
      put_clean (out, v != NULL ? v : "?");
      free (v);
    }
  fputc ('\n', out);
}

static void
report_text (FILE *out, const struct pol_result *results, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      const struct pol_result *r = &results[i];

      for (size_t j = 0; j < r->n_findings; j++)
        text_finding (out, file_name (r), &r->findings[j]);
      for (size_t j = 0; j < r->n_patches; j++)
        text_patch (out, file_name (r), &r->patches[j]);
    }
}

/* --- JSON -------------------------------------------------------------- */

static json_t *
str_or_null (const char *s)
{
  return s != NULL ? json_string (s) : json_null ();
}

static json_t *
finding_json (const struct pol_finding *f)
{
  return json_pack ("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:o}", "rule",
                    f->rule->id, "severity", severity_name (f->rule->severity),
                    "action", action_name (f->rule->action), "title",
                    f->rule->title, "line", (int)f->pos.line, "column",
                    (int)f->pos.col, "service", str_or_null (f->service),
                    "pointer", str_or_null (f->pointer), "message",
                    str_or_null (f->message));
}

/* RFC 6902 shape plus the rule; "remove" has no value. */
static json_t *
patch_json (const struct pol_patch *p)
{
  json_t *j = json_pack ("{s:s, s:s}", "op", p->op, "path", p->pointer);

  if (p->value != NULL)
    json_object_set (j, "value", p->value);
  json_object_set_new (j, "rule", json_string (p->rule->id));
  return j;
}

static json_t *
result_json (const struct pol_result *r)
{
  json_t *findings = json_array (), *patches = json_array ();

  for (size_t i = 0; i < r->n_findings; i++)
    json_array_append_new (findings, finding_json (&r->findings[i]));
  for (size_t i = 0; i < r->n_patches; i++)
    json_array_append_new (patches, patch_json (&r->patches[i]));
  return json_pack ("{s:s, s:o, s:o}", "file", file_name (r), "findings",
                    findings, "patches", patches);
}

static void
dump (FILE *out, json_t *root)
{
  json_dumpf (root, out, JSON_INDENT (2));
  fputc ('\n', out);
  json_decref (root);
}

static void
report_json (FILE *out, const struct pol_result *results, size_t n)
{
  json_t *arr = json_array ();

  for (size_t i = 0; i < n; i++)
    json_array_append_new (arr, result_json (&results[i]));
  dump (out, json_pack ("{s:i, s:o}", "version", 1, "results", arr));
}

/* --- SARIF 2.1.0 ------------------------------------------------------- */

/* "CIS Docker 5.5; PSS baseline: privileged" -> two tags. */
static json_t *
tags_json (const char *refs)
{
  json_t *tags = json_array ();

  while (*refs != '\0')
    {
      size_t len = strcspn (refs, ";");
      size_t skip = strspn (refs, " ");

      if (len > skip)
        {
          char *tag = xstrndup (refs + skip, len - skip);

          json_array_append_new (tags, json_string (tag));
          free (tag);
        }
      refs += len + (refs[len] == ';');
    }
  return tags;
}

static const char *
sarif_level (enum pol_severity s)
{
  return s == POL_LOW ? "warning" : "error";
}

static json_t *
sarif_rule (const struct pol_rule *r)
{
  return json_pack ("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:o}}", "id",
                    r->id, "name", r->title, "shortDescription", "text",
                    r->reason, "help", "text", r->remedy,
                    "defaultConfiguration", "level", sarif_level (r->severity),
                    "properties", "tags", tags_json (r->refs));
}

/* artifactLocation.uri is a URI reference: a path with anything outside
 * the unreserved characters and '/' percent-encoded. */
static char *
uri_encode (const char *path)
{
  struct buf b;

  buf_init (&b, 0);
  for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++)
    if (isalnum (*p) || strchr ("-._~/", *p) != NULL)
      buf_append (&b, p, 1);
    else
      buf_printf (&b, "%%%02X", *p);
  return buf_steal (&b);
}

static json_t *
sarif_location (const char *file, struct cmp_pos pos)
{
  char *uri = uri_encode (file);
  json_t *phys = json_pack ("{s:{s:s}}", "artifactLocation", "uri", uri);

  free (uri);
  if (pos.line > 0)
    {
      json_t *region = json_pack ("{s:i}", "startLine", (int)pos.line);

      if (pos.col > 0)
        json_object_set_new (region, "startColumn", json_integer (pos.col));
      json_object_set_new (phys, "region", region);
    }
  return json_pack ("[{s:o}]", "physicalLocation", phys);
}

static json_t *
sarif_result (const char *file, const struct pol_finding *f)
{
  const struct pol_rule *r = f->rule;

  return json_pack ("{s:s, s:i, s:s, s:{s:s}, s:o}", "ruleId", r->id,
                    "ruleIndex", (int)(r - pol_rules), "level",
                    sarif_level (r->severity), "message", "text",
                    f->message != NULL ? f->message : r->title, "locations",
                    sarif_location (file, f->pos));
}

static void
report_sarif (FILE *out, const struct pol_result *results, size_t n)
{
  json_t *rules = json_array (), *found = json_array ();

  for (size_t i = 0; i < pol_n_rules; i++)
    json_array_append_new (rules, sarif_rule (&pol_rules[i]));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < results[i].n_findings; j++)
      json_array_append_new (found, sarif_result (file_name (&results[i]),
                                                  &results[i].findings[j]));
  dump (out,
        json_pack ("{s:s, s:s, s:[{s:{s:{s:s, s:o}}, s:o}]}", "$schema",
                   SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver",
                   "name", "cfp", "rules", rules, "results", found));
}

void
pol_report (FILE *out, const struct pol_result *results, size_t n,
            enum pol_format fmt)
{
  switch (fmt)
    {
    case POL_TEXT:
      report_text (out, results, n);
      break;
    case POL_JSON:
      report_json (out, results, n);
      break;
    case POL_SARIF:
      report_sarif (out, results, n);
      break;
    }
}

/* --- the catalogue as Markdown ----------------------------------------- */

/* Plain catalogue text (titles, fields, references) in Markdown: the
 * characters that would start emphasis, links, HTML or a table cell are
 * escaped.  Reasons and remedies are written as Markdown already. */
static void
md_text (FILE *out, const char *s)
{
  for (; *s != '\0'; s++)
    {
      if (strchr ("\\*_|<>[]`", *s) != NULL)
        fputc ('\\', out);
      fputc (*s, out);
    }
}

/* GitHub's heading anchor: lowercase, letters, digits, '-' and '_' kept,
 * spaces to '-', the rest dropped. */
static void
md_anchor (FILE *out, const struct pol_rule *r)
{
  cleanup_free char *h = xasprintf ("%s %s", r->id, r->title);

  for (const unsigned char *p = (const unsigned char *)h; *p != '\0'; p++)
    if (isalnum (*p) || *p == '-' || *p == '_')
      fputc (tolower (*p), out);
    else if (*p == ' ')
      fputc ('-', out);
}

/* A catalogue line ends with a period in prose.  Its first letter is
 * left alone: lines may start with a key (`post_start`, seccomp=...). */
static void
md_sentence (FILE *out, const char *s)
{
  size_t len = strlen (s);

  fputs (s, out);
  if (len > 0 && strchr (".!?", s[len - 1]) == NULL)
    fputc ('.', out);
}

static void
md_summary_row (FILE *out, const struct pol_rule *r)
{
  fprintf (out, "| [%s](#", r->id);
  md_anchor (out, r);
  fprintf (out, ") | %s | %s | ", severity_name (r->severity),
           action_name (r->action));
  md_text (out, r->title);
  fputs (" | ", out);
  md_text (out, r->fields);
  fputs (" |\n", out);
}

static void
md_section (FILE *out, const struct pol_rule *r)
{
  fprintf (out, "\n## %s: ", r->id);
  md_text (out, r->title);
  fprintf (out, "\n\n- Severity: %s\n- Action: %s\n- Fields: ",
           severity_name (r->severity), action_name (r->action));
  md_text (out, r->fields);
  fputs ("\n- References: ", out);
  md_text (out, r->refs);
  fputs ("\n\nWhy: ", out);
  md_sentence (out, r->reason);
  fputs ("\n\nRemedy: ", out);
  md_sentence (out, r->remedy);
  fputc ('\n', out);
}

void
pol_catalogue_markdown (FILE *out)
{
  fputs ("# Admission policy rules\n\n"
         "This file is generated by `cfp policy rules --format markdown` "
         "and must not\nbe edited by hand: change `src/policy/rules.c` and "
         "generate it again.\n\n"
         "Every tenant compose file is checked against these rules before "
         "anything is\ncreated. A *reject* rule refuses the file while the "
         "finding holds; a *rewrite*\nrule changes the file to cfp's "
         "hardened default and reports the change as a\nJSON Patch "
         "(RFC 6902) operation. IDs follow the numbering of the hardening\n"
         "reference and are never reused.\n\n"
         "| ID | Severity | Action | Title | Fields |\n"
         "|---|---|---|---|---|\n",
         out);
  for (size_t i = 0; i < pol_n_rules; i++)
    md_summary_row (out, &pol_rules[i]);
  for (size_t i = 0; i < pol_n_rules; i++)
    md_section (out, &pol_rules[i]);
}

/* --- one rule as plain text -------------------------------------------- */

/* "  label       text" with the text word-wrapped under itself. */
static void
explain_field (FILE *out, const char *label, const char *text)
{
  int col = fprintf (out, "  %-*s", EXPLAIN_INDENT - 2, label);

  while (*text != '\0')
    {
      size_t word = strcspn (text, " ");

      if (col > EXPLAIN_INDENT && col + 1 + (int)word > WRAP_COLUMNS)
        col = fprintf (out, "\n%*s", EXPLAIN_INDENT, "") - 1;
      else if (col > EXPLAIN_INDENT)
        col += fprintf (out, " ");
      col += fprintf (out, "%.*s", (int)word, text);
      text += word;
      text += strspn (text, " ");
    }
  fputc ('\n', out);
}

void
pol_explain (FILE *out, const struct pol_rule *rule)
{
  fprintf (out, "%s: %s\n", rule->id, rule->title);
  explain_field (out, "severity", severity_name (rule->severity));
  explain_field (out, "action", action_name (rule->action));
  explain_field (out, "fields", rule->fields);
  explain_field (out, "why", rule->reason);
  explain_field (out, "remedy", rule->remedy);
  explain_field (out, "references", rule->refs);
}
