/* JSON tree -> block-style Compose YAML.
 *
 * The output is read back by compose_load() (and compose_parse()), so it
 * is written to need no guessing from either: every string is
 * double-quoted, whatever it looks like, and its `$` is doubled because
 * the loader interpolates string values; keys are quoted unless they are
 * plainly words.  Only characters YAML may not hold unescaped, or that
 * some readers take for line breaks, are escaped; other UTF-8 is copied
 * as it is. */
#include "compose/load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct emitter
{
  struct buf *out;
  struct cfp_err *err;
  bool full; /* out->limit was reached */
};

static void
put (struct emitter *e, const char *s, size_t n)
{
  if (!e->full && buf_append (e->out, s, n) < 0)
    e->full = true;
}

static void
puts_ (struct emitter *e, const char *s)
{
  put (e, s, strlen (s));
}

static void
indent (struct emitter *e, unsigned n)
{
  static const char spaces[] = "                                ";

  for (; n > sizeof spaces - 1; n -= sizeof spaces - 1)
    put (e, spaces, sizeof spaces - 1);
  put (e, spaces, n);
}

/* --- strings ----------------------------------------------------------- */

/* Decodes one UTF-8 character of s[0..n); returns its length, 0 when the
 * bytes are not UTF-8. */
static size_t
utf8_decode (const unsigned char *s, size_t n, unsigned *cp)
{
  size_t len = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
  char ch[5] = "";

  if (len == 0 || len > n)
    return 0;
  memcpy (ch, s, len);
  if (!utf8_valid (ch))
    return 0;
  *cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
  for (size_t i = 1; i < len; i++)
    *cp = (*cp << 6) | (s[i] & 0x3f);
  return len;
}

/* Characters a double-quoted scalar must not hold as they are: C0 and C1
 * controls, DEL, and those YAML 1.1 readers or editors treat specially
 * (line and paragraph separators, byte order mark, non-characters). */
static bool
needs_escape (unsigned cp)
{
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029
         || cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

/* The escape for character `cp` in a double-quoted scalar, or "" when it
 * is written as it is.  `dollars`: '$' is "$$", so that interpolation
 * gives it back. */
static const char *
escape (unsigned cp, bool dollars, char buf[static 16])
{
  switch (cp)
    {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\t':
      return "\\t";
    case '$':
      return dollars ? "$$" : "";
    }
  if (!needs_escape (cp))
    return "";
  snprintf (buf, 16, "\\u%04x", cp);
  return buf;
}

static int
quoted (struct emitter *e, const char *s, size_t n, bool dollars)
{
  const unsigned char *u = (const unsigned char *)s;
  const char *esc;
  char buf[16];
  unsigned cp;
  size_t len;

  puts_ (e, "\"");
  for (size_t i = 0; i < n; i += len)
    {
      len = utf8_decode (u + i, n - i, &cp);
      if (len == 0 || cp == 0)
        return cfp_err_set (e->err, CFP_E_INVALID,
                            "emit YAML: a string holds %s",
                            len == 0 ? "invalid UTF-8" : "a NUL character");
      esc = escape (cp, dollars, buf);
      if (esc[0] != '\0')
        puts_ (e, esc);
      else
        put (e, s + i, len);
    }
  puts_ (e, "\"");
  return 0;
}

/* Words YAML 1.1 or 1.2 readers take for booleans or null. */
static bool
is_special_word (const char *s)
{
  static const char *const words[]
      = { "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~" };

  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (strcasecmp (s, words[i]) == 0)
      return true;
  return false;
}

/* [A-Za-z_][A-Za-z0-9_.-]*, not a special word: a leading digit is
 * quoted as it may read as a number (`012`, `1e3`, `0x1f`). */
static bool
is_plain_key (const char *s)
{
  static const char word[] = "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";

  if (s[0] == '\0' || strchr (word, s[0]) == NULL
      || (s[0] >= '0' && s[0] <= '9'))
    return false;
  for (size_t i = 1; s[i] != '\0'; i++)
    if (strchr (word, s[i]) == NULL && s[i] != '.' && s[i] != '-')
      return false;
  return !is_special_word (s);
}

/* Keys are not interpolated: their '$' stays single. */
static int
key (struct emitter *e, const char *k)
{
  if (!is_plain_key (k))
    return quoted (e, k, strlen (k), false);
  puts_ (e, k);
  return 0;
}

/* --- scalars ----------------------------------------------------------- */

/* The shortest form that reads back as the same double, and as a float:
 * "1.0", not "1". */
static int
real (struct emitter *e, double v)
{
  char s[40];

  if (!isfinite (v))
    return cfp_err_set (e->err, CFP_E_INVALID,
                        "emit YAML: a number is not finite");
  for (int prec = 15; prec <= 17; prec++)
    {
      snprintf (s, sizeof s, "%.*g", prec, v);
      if (strtod (s, NULL) == v)
        break;
    }
  if (strpbrk (s, ".eE") == NULL)
    strcat (s, ".0");
  puts_ (e, s);
  return 0;
}

static int
scalar (struct emitter *e, json_t *v)
{
  char s[32];

  switch (json_typeof (v))
    {
    case JSON_STRING:
      return quoted (e, json_string_value (v), json_string_length (v), true);
    case JSON_INTEGER:
      snprintf (s, sizeof s, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
      puts_ (e, s);
      return 0;
    case JSON_REAL:
      return real (e, json_real_value (v));
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
      puts_ (e, json_is_true (v)    ? "true"
                : json_is_false (v) ? "false"
                                    : "null");
      return 0;
    case JSON_OBJECT:
      puts_ (e, "{}");
      return 0;
    case JSON_ARRAY:
      puts_ (e, "[]");
      return 0;
    }
  return 0;
}

/* --- collections ------------------------------------------------------- */

static int block (struct emitter *e, json_t *v, unsigned col, unsigned depth,
                  bool on_line);

/* Written on the line of its key or dash: scalars and empty collections. */
static bool
is_inline (json_t *v)
{
  return (!json_is_object (v) || json_object_size (v) == 0)
         && (!json_is_array (v) || json_array_size (v) == 0);
}

/* What follows "key:" or "- ". */
static int
value (struct emitter *e, json_t *v, unsigned col, unsigned depth, bool dash)
{
  /* Deeper would not load back: compose_load() counts levels as this. */
  if (depth >= COMPOSE_MAX_DEPTH)
    return cfp_err_set (e->err, CFP_E_INVALID,
                        "emit YAML: nested deeper than the limit of %d "
                        "levels",
                        COMPOSE_MAX_DEPTH);
  if (is_inline (v))
    {
      puts_ (e, " ");
      if (scalar (e, v) < 0)
        return -CFP_E_INVALID;
      puts_ (e, "\n");
      return 0;
    }
  /* After a dash the collection starts on the dash's line. */
  if (dash)
    puts_ (e, " ");
  else
    puts_ (e, "\n");
  return block (e, v, col, depth, dash);
}

static int
mapping (struct emitter *e, json_t *obj, unsigned col, unsigned depth,
         bool on_line)
{
  const char *k;
  json_t *v;

  json_object_foreach (obj, k, v)
  {
    if (!on_line)
      indent (e, col);
    on_line = false;
    if (key (e, k) < 0)
      return -CFP_E_INVALID;
    puts_ (e, ":");
    if (value (e, v, col + 2, depth + 1, false) < 0)
      return -CFP_E_INVALID;
  }
  return 0;
}

static int
sequence (struct emitter *e, json_t *arr, unsigned col, unsigned depth,
          bool on_line)
{
  size_t i;
  json_t *v;

  json_array_foreach (arr, i, v)
  {
    if (!on_line)
      indent (e, col);
    on_line = false;
    puts_ (e, "-");
    if (value (e, v, col + 2, depth + 1, true) < 0)
      return -CFP_E_INVALID;
  }
  return 0;
}

/* A non-empty collection at column `col`; `on_line`: the cursor is there
 * already (after a dash), so the first line is not indented. */
static int
block (struct emitter *e, json_t *v, unsigned col, unsigned depth, bool on_line)
{
  if (json_is_object (v))
    return mapping (e, v, col, depth, on_line);
  return sequence (e, v, col, depth, on_line);
}

/* --- exported ---------------------------------------------------------- */

int
compose_emit_yaml (json_t *root, struct buf *out, struct cfp_err *err)
{
  struct cfp_err local;
  struct emitter e = { out, err != NULL ? err : &local, false };
  int rc;

  if (root == NULL)
    return cfp_err_set (e.err, CFP_E_INVALID, "emit YAML: no document");
  if (is_inline (root))
    {
      rc = scalar (&e, root);
      puts_ (&e, "\n");
    }
  else
    rc = block (&e, root, 0, 0, false);
  if (rc == 0 && e.full)
    return cfp_err_set (e.err, CFP_E_INVALID,
                        "emit YAML: the output is longer than the limit of "
                        "%zu bytes",
                        out->limit);
  return rc;
}
