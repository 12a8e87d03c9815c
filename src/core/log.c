#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int current = -1;

static int
level_from_env (void)
{
  const char *e = getenv ("CFP_LOG_LEVEL");

  if (e == NULL)
    return LOG_WARN;
  if (strcmp (e, "debug") == 0)
    return LOG_DEBUG;
  if (strcmp (e, "info") == 0)
    return LOG_INFO;
  if (strcmp (e, "error") == 0)
    return LOG_ERROR;
  return LOG_WARN;
}

void
log_set_level (enum log_level level)
{
  current = (int)level;
}

void
log_msg (enum log_level level, const char *fmt, ...)
{
  static const char *const names[] = { "error", "warn", "info", "debug" };
  char ts[32];
  time_t now = time (NULL);
  struct tm tm;
  va_list ap;

  if (current < 0)
    current = level_from_env ();
  if ((int)level > current)
    return;
  gmtime_r (&now, &tm);
  strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  fprintf (stderr, "ts=%s level=%s ", ts, names[level]);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
}
