/* Resolving an image's USER when it is a name.  A name means nothing until
 * the image's own /etc/passwd says which uid it is, and a name can be uid
 * 0; so cfp reads that file out of a container it creates (never starts)
 * from the image, and removes again. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "provision/provision.h"

#define ACCOUNT_FILE_MAX (1024 * 1024)

/* The numeric field `field` (2 = uid or gid) of the line for `name` in a
 * passwd or group file; -1 when absent. */
static long
lookup (const char *text, const char *name, int field)
{
  size_t nlen = strlen (name);

  for (const char *line = text; line && *line;)
    {
      const char *end = strchr (line, '\n');
      const char *p = line;

      if (strncmp (line, name, nlen) == 0 && line[nlen] == ':')
        {
          for (int f = 0; f < field && p; f++)
            {
              p = memchr (p, ':', (size_t)((end ? end : p + strlen (p)) - p));
              p = p ? p + 1 : NULL;
            }
          if (p && isdigit ((unsigned char)*p))
            return strtol (p, NULL, 10);
          return -1;
        }
      line = end ? end + 1 : NULL;
    }
  return -1;
}

static int
probe_container (struct dock *d, const char *image, char **id,
                 struct cfp_err *err)
{
  json_t *spec = json_pack ("{s:s, s:[s], s:{s:s, s:s}, s:{s:s}}", "Image",
                            image, "Entrypoint", "/nonexistent", "Labels",
                            "cfp.managed", "true", "cfp.probe", "user",
                            "HostConfig", "NetworkMode", "none");
  int rc = dock_container_create (d, NULL, spec, id, err);

  json_decref (spec);
  return rc;
}

/* Reads what resolving needs; *group stays NULL when no group was named. */
static int
read_accounts (struct dock *d, const char *id, bool need_group, char **passwd,
               char **group, struct cfp_err *err)
{
  int rc = dock_container_read_file (d, id, "/etc/passwd", ACCOUNT_FILE_MAX,
                                     passwd, NULL, err);

  if (rc == 0 && need_group)
    rc = dock_container_read_file (d, id, "/etc/group", ACCOUNT_FILE_MAX, group,
                                   NULL, err);
  return rc;
}

static int
resolve (const char *user, const char *passwd, const char *group, char **out)
{
  cleanup_free char *name = xstrdup (user);
  char *g = strchr (name, ':');
  long uid, gid;

  if (g != NULL)
    *g++ = '\0';
  uid = str_is_digits (name) ? strtol (name, NULL, 10)
                             : lookup (passwd, name, 2);
  if (uid < 0)
    return -1;
  if (g == NULL)
    gid = str_is_digits (name) ? uid : lookup (passwd, name, 3);
  else
    gid = str_is_digits (g) ? strtol (g, NULL, 10) : lookup (group, g, 2);
  if (gid < 0)
    return -1;
  *out = xasprintf ("%ld:%ld", uid, gid);
  return 0;
}

int
prov_image_user (struct dock *d, const char *image, const char *user,
                 char **out, struct cfp_err *err)
{
  cleanup_free char *id = NULL;
  cleanup_free char *passwd = NULL;
  cleanup_free char *group = NULL;
  struct cfp_err ignore = { 0 };
  int rc;

  *out = NULL;
  rc = probe_container (d, image, &id, err);
  if (rc < 0)
    return cfp_err_wrap (err, "read the users of image `%.120s`", image);
  rc = read_accounts (d, id, strchr (user, ':') != NULL, &passwd, &group, err);
  dock_container_remove (d, id, &ignore);
  if (rc == -CFP_E_NOTFOUND)
    return 0; /* no passwd file: the name stays unresolved */
  if (rc < 0)
    return cfp_err_wrap (err, "read the users of image `%.120s`", image);
  if (resolve (user, passwd, group ? group : "", out) < 0)
    log_info ("op=image-user image=%s msg=\"user not found\"", image);
  return 0;
}
