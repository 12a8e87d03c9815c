/* Compose variable interpolation.
 *
 * Grammar, as in the Compose Specification:
 *   $$               a literal '$'
 *   $NAME            NAME = [A-Za-z_][A-Za-z0-9_]*
 *   ${NAME}          error when NAME is unset (Compose would warn and
 *                    substitute "": a template that forgets a parameter
 *                    should fail, not deploy with an empty value)
 *   ${NAME:-word}    word when NAME is unset or empty
 *   ${NAME-word}     word when NAME is unset
 *   ${NAME:?text}    error with text when NAME is unset or empty
 *   ${NAME?text}     error with text when NAME is unset
 * `word` and `text` are themselves interpolated, so defaults nest.  Any
 * other use of '$' is an error that suggests `$$`.  Values come only from
 * the parameters passed in, never from the process environment, and are
 * never copied into error messages: they may be secrets. */
#include "compose/compose.h"

#include <ctype.h>
#include <string.h>

#include "core/util.h"

/* Nested defaults deeper than this are a template bug, not a feature. */
#define INTERP_MAX_DEPTH 8

struct interp
{
  const struct cmp_params *params;
  struct buf out;
  struct cfp_err *err;
  int depth;
};

static int expand (struct interp *ip, const char *s, size_t n);

static int
emit (struct interp *ip, const char *s, size_t n)
{
  if (buf_append (&ip->out, s, n) == 0)
    return 0;
  return cfp_err_set (ip->err, CFP_E_INVALID,
                      "interpolated value is longer than the limit of %d "
                      "bytes",
                      COMPOSE_MAX_SCALAR);
}

static bool
is_name_start (char ch)
{
  return isalpha ((unsigned char)ch) || ch == '_';
}

static size_t
name_len (const char *s, size_t n)
{
  size_t i = 0;

  if (n == 0 || !is_name_start (s[0]))
    return 0;
  while (i < n && (isalnum ((unsigned char)s[i]) || s[i] == '_'))
    i++;
  return i;
}

/* Returns the value of the parameter, or NULL when it is unset. */
static const char *
lookup (const struct cmp_params *params, const char *name, size_t len)
{
  if (params == NULL)
    return NULL;
  for (size_t i = 0; i < params->n && params->items[i].key != NULL; i++)
    {
      const struct cmp_kv *kv = &params->items[i];

      if (strlen (kv->key) == len && memcmp (kv->key, name, len) == 0)
        return kv->value;
    }
  return NULL;
}

/* Finds the '}' closing a "${" whose body starts at s; nested "${...}"
 * and "$$" inside the body are skipped. */
static int
find_close (const char *s, size_t n, size_t *close)
{
  int level = 0;

  for (size_t i = 0; i < n; i++)
    {
      if (s[i] == '$' && i + 1 < n && (s[i + 1] == '$' || s[i + 1] == '{'))
        {
          level += s[i + 1] == '{';
          i++;
          continue;
        }
      if (s[i] != '}')
        continue;
      if (level == 0)
        {
          *close = i;
          return 0;
        }
      level--;
    }
  return -1;
}

static int
expand_word (struct interp *ip, const char *s, size_t n)
{
  int rc;

  if (ip->depth >= INTERP_MAX_DEPTH)
    return cfp_err_set (ip->err, CFP_E_INVALID,
                        "defaults nested deeper than %d levels",
                        INTERP_MAX_DEPTH);
  ip->depth++;
  rc = expand (ip, s, n);
  ip->depth--;
  return rc;
}

/* The error for ${NAME?text}.  The text is shown as written, never
 * expanded: expanding it could copy a parameter's value, which may be a
 * secret, into the message. */
static int
required (struct interp *ip, const char *name, size_t len, const char *s,
          size_t n)
{
  if (n == 0)
    return cfp_err_set (ip->err, CFP_E_INVALID, "variable `%.*s` is required",
                        (int)len, name);
  return cfp_err_set (ip->err, CFP_E_INVALID,
                      "variable `%.*s` is required: %.*s", (int)len, name,
                      (int)(n > 200 ? 200 : n), s);
}

/* Expands the body of "${...}" (without the braces). */
static int
expand_braced (struct interp *ip, const char *s, size_t n)
{
  size_t len = name_len (s, n);
  const char *op = s + len, *val;
  bool colon, empty_is_unset;
  size_t rest;

  if (len == 0)
    return cfp_err_set (ip->err, CFP_E_INVALID,
                        "invalid expression `${%.*s}`: expected a variable "
                        "name",
                        (int)(n > 40 ? 40 : n), s);
  val = lookup (ip->params, s, len);
  if (len == n)
    {
      if (val == NULL)
        return cfp_err_set (ip->err, CFP_E_INVALID,
                            "variable `%.*s` is not set and has no default",
                            (int)len, s);
      return emit (ip, val, strlen (val));
    }
  colon = *op == ':';
  rest = n - len - colon;
  if (rest == 0 || (op[colon] != '-' && op[colon] != '?'))
    return cfp_err_set (ip->err, CFP_E_INVALID,
                        "invalid expression `${%.*s}`: expected `}`, `:-`, "
                        "`-`, `:?` or `?` after the variable name",
                        (int)(n > 40 ? 40 : n), s);
  empty_is_unset = colon && val != NULL && val[0] == '\0';
  if (val != NULL && !empty_is_unset)
    return emit (ip, val, strlen (val));
  if (op[colon] == '-')
    return expand_word (ip, op + colon + 1, rest - 1);
  return required (ip, s, len, op + colon + 1, rest - 1);
}

/* Expands the '$' expression at s[0]; sets *used to its length. */
static int
expand_dollar (struct interp *ip, const char *s, size_t n, size_t *used)
{
  size_t len, close;

  if (n >= 2 && s[1] == '$')
    {
      *used = 2;
      return emit (ip, "$", 1);
    }
  if (n >= 2 && s[1] == '{')
    {
      if (find_close (s + 2, n - 2, &close) < 0)
        return cfp_err_set (ip->err, CFP_E_INVALID,
                            "unterminated `${` in `%.40s`", s);
      *used = close + 3;
      return expand_braced (ip, s + 2, close);
    }
  len = name_len (s + 1, n - 1);
  if (len == 0)
    return cfp_err_set (ip->err, CFP_E_INVALID,
                        "invalid `$` in `%.40s`: write `$$` for a literal "
                        "dollar sign",
                        s);
  *used = len + 1;
  return expand_braced (ip, s + 1, len);
}

static int
expand (struct interp *ip, const char *s, size_t n)
{
  size_t i = 0;

  while (i < n)
    {
      const char *dollar = memchr (s + i, '$', n - i);
      size_t plain = dollar ? (size_t)(dollar - (s + i)) : n - i;
      size_t used = 0;

      if (emit (ip, s + i, plain) < 0)
        return -CFP_E_INVALID;
      i += plain;
      if (i == n)
        break;
      if (expand_dollar (ip, s + i, n - i, &used) < 0)
        return -CFP_E_INVALID;
      i += used;
    }
  return 0;
}

int
compose_interpolate (const char *in, const struct cmp_params *params,
                     char **out, struct cfp_err *err)
{
  struct interp ip = { params, { 0 }, err, 0 };

  buf_init (&ip.out, COMPOSE_MAX_SCALAR);
  if (expand (&ip, in, strlen (in)) < 0)
    {
      buf_free (&ip.out);
      return -CFP_E_INVALID;
    }
  *out = buf_steal (&ip.out);
  return 0;
}
