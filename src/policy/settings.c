/* The operator's allowlists for the admission policy. */
#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "policy/policy.h"

static bool
name_ok (const char *s)
{
  size_t n = strlen (s);

  if (n == 0 || n > 128)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char)s[i]) && strchr ("._:-", s[i]) == NULL)
      return false;
  return true;
}

static int
read_list (const char *file, const char *key, json_t *v, char ***out,
           struct cfp_err *err)
{
  size_t i;
  json_t *item;

  if (!json_is_array (v) || json_array_size (v) > POL_SETTINGS_MAX)
    return cfp_err_set (err, CFP_E_INVALID,
                        "`%s`: `%s` must be a list of at most %d names", file,
                        key, POL_SETTINGS_MAX);
  *out = xcalloc (json_array_size (v) + 1, sizeof **out);
  json_array_foreach (v, i, item)
  {
    const char *s = json_string_value (item);

    if (s == NULL || !name_ok (s))
      return cfp_err_set (err, CFP_E_INVALID,
                          "`%s`: `%s` entry %zu is not a name", file, key,
                          i + 1);
    (*out)[i] = xstrdup (s);
  }
  return 0;
}

static int
read_settings (const char *file, json_t *root, struct pol_settings *s,
               struct cfp_err *err)
{
  const char *key;
  json_t *v;

  if (!json_is_object (root))
    return cfp_err_set (err, CFP_E_INVALID, "`%s` must hold a JSON object",
                        file);
  json_object_foreach (root, key, v)
  {
    char ***dst = strcmp (key, "cap_allow") == 0        ? &s->cap_allow
                  : strcmp (key, "runtime_allow") == 0  ? &s->runtime_allow
                  : strcmp (key, "registry_allow") == 0 ? &s->registry_allow
                                                        : NULL;

    if (dst == NULL)
      return cfp_err_set (err, CFP_E_INVALID,
                          "`%s`: unknown key `%.64s` (cap_allow, "
                          "runtime_allow, registry_allow)",
                          file, key);
    if (*dst != NULL || read_list (file, key, v, dst, err) < 0)
      return -CFP_E_INVALID;
  }
  return 0;
}

int
pol_settings_load (const char *state_dir, struct pol_settings *out,
                   struct cfp_err *err)
{
  cleanup_free char *file
      = xasprintf ("%s/" POL_SETTINGS_FILE, state_dir ? state_dir : ".");
  json_error_t jerr;
  json_t *root;
  int rc;

  memset (out, 0, sizeof *out);
  if (state_dir == NULL || access (file, F_OK) != 0)
    return 0;
  root = json_load_file (file, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    return cfp_err_set (err, CFP_E_INVALID, "`%s`:%d:%d: %s", file, jerr.line,
                        jerr.column, jerr.text);
  rc = read_settings (file, root, out, err);
  json_decref (root);
  if (rc < 0)
    pol_settings_free (out);
  return rc;
}

static void
free_list (char **l)
{
  for (size_t i = 0; l && l[i]; i++)
    free (l[i]);
  free (l);
}

void
pol_settings_free (struct pol_settings *s)
{
  if (s == NULL)
    return;
  free_list (s->cap_allow);
  free_list (s->runtime_allow);
  free_list (s->registry_allow);
  memset (s, 0, sizeof *s);
}

void
pol_config_for (struct pol_config *cfg, const struct plan *plan,
                const struct pol_settings *s)
{
  pol_config_default (cfg, plan);
  if (s == NULL)
    return;
  if (s->cap_allow)
    cfg->cap_allow = (const char *const *)s->cap_allow;
  if (s->runtime_allow)
    cfg->runtime_allow = (const char *const *)s->runtime_allow;
  if (s->registry_allow)
    cfg->registry_allow = (const char *const *)s->registry_allow;
}
