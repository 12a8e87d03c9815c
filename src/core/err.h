/* Errors as values: every fallible function returns 0 or a negative
 * cfp_code and fills a struct cfp_err.  Callers add context on the way up
 * with cfp_err_wrap(), so the final message reads outermost-first:
 * "deploy `acme/bot`: create network: <engine message>". */
#ifndef CFP_CORE_ERR_H
#define CFP_CORE_ERR_H

#include <stddef.h>

/* Exit codes of the cfp binary; an error's code is one of these. */
enum cfp_code
{
  CFP_OK = 0,
  CFP_E_FAIL = 1,     /* anything not covered below */
  CFP_E_USAGE = 2,    /* bad command line */
  CFP_E_NOTFOUND = 3, /* unknown tenant, plan, template, stack, image */
  CFP_E_INVALID = 4,  /* input rejected: names, parameters, templates */
  CFP_E_LIMIT = 5,    /* the plan does not allow it */
  CFP_E_ENGINE = 6,   /* the Docker engine is down or refused */
  CFP_E_STATE = 7,    /* state directory missing, exists or unreadable */
  CFP_E_CONFLICT = 8, /* the object exists already */
};

#define CFP_ERR_MAX 1024

struct cfp_err
{
  int code;      /* enum cfp_code; CFP_OK when no error is set */
  int sys_errno; /* errno at the failure, 0 when not a system error */
  char msg[CFP_ERR_MAX];
};

/* Sets the error and returns -code, so callers can `return cfp_err_set()`.
 * The message is lowercase and names the operation; user values go in
 * backticks.  It must never contain a secret value. */
int cfp_err_set (struct cfp_err *err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Like cfp_err_set() and appends ": strerror(errnum)". */
int cfp_err_sys (struct cfp_err *err, int code, int errnum, const char *fmt,
                 ...) __attribute__ ((format (printf, 4, 5)));

/* Prefixes the current message with "context: " and returns -err->code. */
int cfp_err_wrap (struct cfp_err *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Clears an error for reuse. */
void cfp_err_clear (struct cfp_err *err);

#endif
