#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void
cleanup_freep (void *p)
{
  void **pp = p;

  free (*pp);
  *pp = NULL;
}

static void __attribute__ ((noreturn)) oom (size_t n)
{
  fprintf (stderr, "cfp: out of memory allocating %zu bytes\n", n);
  abort ();
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);

  if (p == NULL)
    oom (n);
  return p;
}

void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);

  if (p == NULL)
    oom (n * size);
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  void *q = realloc (p, n ? n : 1);

  if (q == NULL)
    oom (n);
  return q;
}

char *
xstrdup (const char *s)
{
  return xstrndup (s, strlen (s));
}

char *
xstrndup (const char *s, size_t n)
{
  char *p = xmalloc (n + 1);

  memcpy (p, s, n);
  p[n] = '\0';
  return p;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (n < 0)
    oom (0);
  return s;
}

void
buf_init (struct buf *b, size_t limit)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->limit = limit ? limit : SIZE_MAX;
}

static int
buf_reserve (struct buf *b, size_t extra)
{
  size_t need;

  if (extra > b->limit - b->len)
    return -1;
  need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  if (b->cap == 0)
    b->cap = 64;
  while (b->cap < need)
    b->cap *= 2;
  b->data = xrealloc (b->data, b->cap);
  return 0;
}

int
buf_append (struct buf *b, const void *p, size_t n)
{
  if (buf_reserve (b, n) < 0)
    return -1;
  memcpy (b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int
buf_puts (struct buf *b, const char *s)
{
  return buf_append (b, s, strlen (s));
}

int
buf_printf (struct buf *b, const char *fmt, ...)
{
  cleanup_free char *s = NULL;
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (n < 0)
    oom (0);
  return buf_append (b, s, (size_t)n);
}

char *
buf_steal (struct buf *b)
{
  char *p = b->data ? b->data : xstrdup ("");

  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

void
buf_free (struct buf *b)
{
  free (b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

bool
name_is_dns_label (const char *s)
{
  size_t n = s ? strlen (s) : 0;

  if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!(islower ((unsigned char)s[i]) || isdigit ((unsigned char)s[i])
          || s[i] == '-'))
      return false;
  return true;
}

bool
name_is_compose (const char *s)
{
  size_t n = s ? strlen (s) : 0;

  if (n == 0 || n > 63 || !isalnum ((unsigned char)s[0]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char)s[i]) && strchr ("_.-", s[i]) == NULL)
      return false;
  return true;
}

int
name_check (const char *what, const char *s, struct cfp_err *err)
{
  if (name_is_dns_label (s))
    return 0;
  return cfp_err_set (err, CFP_E_INVALID,
                      "%s name `%.80s` is not a DNS label (1-63 characters "
                      "of a-z, 0-9 and '-', not starting or ending with '-')",
                      what, s ? s : "");
}

bool
str_is_digits (const char *s)
{
  if (s == NULL || *s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit ((unsigned char)*s))
      return false;
  return true;
}

bool
utf8_valid (const char *s)
{
  const unsigned char *p = (const unsigned char *)s;

  while (*p)
    {
      unsigned c = *p++;
      int more;
      unsigned min, v;

      if (c < 0x80)
        continue;
      if ((c & 0xe0) == 0xc0)
        more = 1, min = 0x80, v = c & 0x1f;
      else if ((c & 0xf0) == 0xe0)
        more = 2, min = 0x800, v = c & 0x0f;
      else if ((c & 0xf8) == 0xf0)
        more = 3, min = 0x10000, v = c & 0x07;
      else
        return false;
      for (; more > 0; more--, p++)
        {
          if ((*p & 0xc0) != 0x80)
            return false;
          v = (v << 6) | (*p & 0x3f);
        }
      if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return false;
    }
  return true;
}

int
parse_size (const char *s, int64_t *out)
{
  const char *p = s;
  int64_t v = 0, mult = 1;

  if (!isdigit ((unsigned char)*p))
    return -1;
  for (; isdigit ((unsigned char)*p); p++)
    {
      if (v > (INT64_MAX - 9) / 10)
        return -1;
      v = v * 10 + (*p - '0');
    }
  switch (tolower ((unsigned char)*p))
    {
    case '\0':
      break;
    case 'b':
      p++;
      break;
    case 'k':
      mult = 1024;
      p++;
      break;
    case 'm':
      mult = 1024 * 1024;
      p++;
      break;
    case 'g':
      mult = 1024LL * 1024 * 1024;
      p++;
      break;
    default:
      return -1;
    }
  if (mult > 1 && (*p == 'b' || *p == 'B'))
    p++;
  if (*p != '\0' || v > INT64_MAX / mult)
    return -1;
  *out = v * mult;
  return 0;
}

int
read_file_limit (const char *path, size_t limit, char **out, size_t *len,
                 struct cfp_err *err)
{
  struct buf b;
  char chunk[8192];
  ssize_t n;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cfp_err_sys (err, errno == ENOENT ? CFP_E_NOTFOUND : CFP_E_FAIL,
                        errno, "open `%s`", path);
  buf_init (&b, limit);
  while ((n = read (fd, chunk, sizeof chunk)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          close (fd);
          buf_free (&b);
          return cfp_err_sys (err, CFP_E_FAIL, e, "read `%s`", path);
        }
      if (buf_append (&b, chunk, (size_t)n) < 0)
        {
          close (fd);
          buf_free (&b);
          return cfp_err_set (err, CFP_E_INVALID,
                              "read `%s`: larger than the limit of %zu bytes",
                              path, limit);
        }
    }
  close (fd);
  if (len)
    *len = b.len;
  *out = buf_steal (&b);
  return 0;
}

int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
