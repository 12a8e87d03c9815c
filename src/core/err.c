#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int
set_va (struct cfp_err *err, int code, const char *fmt, va_list ap)
{
  if (code <= 0)
    code = CFP_E_FAIL;
  if (err == NULL)
    return -code;
  err->code = code;
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  return -code;
}

int
cfp_err_set (struct cfp_err *err, int code, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start (ap, fmt);
  rc = set_va (err, code, fmt, ap);
  va_end (ap);
  if (err != NULL)
    err->sys_errno = 0;
  return rc;
}

int
cfp_err_sys (struct cfp_err *err, int code, int errnum, const char *fmt, ...)
{
  va_list ap;
  int rc;
  size_t len;

  va_start (ap, fmt);
  rc = set_va (err, code, fmt, ap);
  va_end (ap);
  if (err == NULL)
    return rc;
  err->sys_errno = errnum;
  len = strlen (err->msg);
  snprintf (err->msg + len, sizeof err->msg - len, ": %s", strerror (errnum));
  return rc;
}

int
cfp_err_wrap (struct cfp_err *err, const char *fmt, ...)
{
  char prefix[CFP_ERR_MAX / 2];
  char old[CFP_ERR_MAX];
  va_list ap;
  int n;

  if (err == NULL)
    return -CFP_E_FAIL;
  if (err->code == CFP_OK)
    err->code = CFP_E_FAIL;
  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, err->msg, sizeof old);
  /* A message longer than the buffer is cut at its end: the outer context
   * and the start of the cause are what a reader needs. */
  n = snprintf (err->msg, sizeof err->msg, "%s: ", prefix);
  if (n > 0 && (size_t)n < sizeof err->msg)
    memccpy (err->msg + n, old, '\0', sizeof err->msg - (size_t)n - 1);
  err->msg[sizeof err->msg - 1] = '\0';
  return -err->code;
}

void
cfp_err_clear (struct cfp_err *err)
{
  err->code = CFP_OK;
  err->sys_errno = 0;
  err->msg[0] = '\0';
}
