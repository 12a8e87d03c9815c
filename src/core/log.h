/* A small logging API: one line per event on stderr, key=value, with a
 * level.  Callers name the operation and the object, never message
 * contents or secret values. */
#ifndef CFP_CORE_LOG_H
#define CFP_CORE_LOG_H

enum log_level
{
  LOG_ERROR,
  LOG_WARN,
  LOG_INFO,
  LOG_DEBUG,
};

/* Lines below `level` are dropped; the default is LOG_WARN, or the value of
 * $CFP_LOG_LEVEL (error, warn, info, debug). */
void log_set_level (enum log_level level);
void log_msg (enum log_level level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#define log_warn(...) log_msg (LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg (LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg (LOG_DEBUG, __VA_ARGS__)

#endif
