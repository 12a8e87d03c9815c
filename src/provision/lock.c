#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "provision/provision.h"

static int
open_lock (struct store *st, const char *tenant, int *fd, struct cfp_err *err)
{
  cleanup_free char *dir = xasprintf ("%s/locks", st->dir);
  cleanup_free char *path = NULL;

  if (!name_is_dns_label (tenant))
    return name_check ("tenant", tenant, err);
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return cfp_err_sys (err, CFP_E_STATE, errno, "create `%s`", dir);
  path = xasprintf ("%s/%s.lock", dir, tenant);
  *fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (*fd < 0)
    return cfp_err_sys (err, CFP_E_STATE, errno, "open lock `%s`", path);
  return 0;
}

int
prov_lock_tenant (struct store *st, const char *tenant, int *fd,
                  struct cfp_err *err)
{
  const struct timespec step = { 0, 100 * 1000 * 1000 };
  int rc = open_lock (st, tenant, fd, err);

  if (rc < 0)
    return rc;
  for (int i = 0; i < PROV_LOCK_WAIT_S * 10; i++)
    {
      if (flock (*fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
      if (errno != EWOULDBLOCK && errno != EINTR)
        break;
      if (i == 0)
        log_msg (LOG_WARN,
                 "op=lock tenant=%s msg=\"waiting for another cfp "
                 "command on this tenant\"",
                 tenant);
      nanosleep (&step, NULL);
    }
  close (*fd);
  *fd = -1;
  return cfp_err_set (err, CFP_E_STATE,
                      "tenant `%s` is locked by another cfp command for more "
                      "than %d s",
                      tenant, PROV_LOCK_WAIT_S);
}

void
prov_unlock (int fd)
{
  if (fd >= 0)
    close (fd);
}

/* Set from a signal handler; read between the steps of a deploy. */
static volatile sig_atomic_t stop_requested;

static void
on_signal (int sig)
{
  stop_requested = sig;
}

void
prov_catch_signals (void)
{
  struct sigaction sa = { 0 };

  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

int
prov_check_stop (struct cfp_err *err)
{
  if (stop_requested == 0)
    return 0;
  return cfp_err_set (err, CFP_E_FAIL, "interrupted by signal %d",
                      (int)stop_requested);
}
