/* The key tables.  Written from the schema's definitions in schema order,
 * so that a diff against a newer schema reads line by line.  Tables shared
 * by several keys (hooks, update configs, secret references, ulimits) are
 * defined once; their names are generic for that reason. */
#include "policy/keys.h"

#include <string.h>

#define LEAF(n)                                                                \
  {                                                                            \
    n, KEYS_LEAF, NULL                                                         \
  }
#define OBJECT(n, t)                                                           \
  {                                                                            \
    n, KEYS_OBJECT, &t                                                         \
  }
#define ITEMS(n, t)                                                            \
  {                                                                            \
    n, KEYS_ITEMS, &t                                                          \
  }
#define MEMBERS(n, t)                                                          \
  {                                                                            \
    n, KEYS_MEMBERS, &t                                                        \
  }
#define TABLE(name, keys, ext)                                                 \
  {                                                                            \
    name, keys, sizeof keys / sizeof keys[0], ext                              \
  }

/* --- services.<name>.*: nested objects ---------------------------------- */

static const struct keys_key hook_keys[] = {
  LEAF ("command"),     LEAF ("user"),        LEAF ("privileged"),
  LEAF ("working_dir"), LEAF ("environment"),
};
static const struct keys_table hook = TABLE ("a hook", hook_keys, true);

static const struct keys_key watch_keys[] = {
  LEAF ("ignore"),       LEAF ("include"), LEAF ("path"),
  LEAF ("action"),       LEAF ("target"),  OBJECT ("exec", hook),
  LEAF ("initial_sync"),
};
static const struct keys_table watch
    = TABLE ("a `develop.watch` entry", watch_keys, true);

static const struct keys_key develop_keys[] = { ITEMS ("watch", watch) };
static const struct keys_table develop
    = TABLE ("`develop`", develop_keys, true);

static const struct keys_key update_keys[] = {
  LEAF ("parallelism"),       LEAF ("delay"),
  LEAF ("failure_action"),    LEAF ("monitor"),
  LEAF ("max_failure_ratio"), LEAF ("order"),
};
static const struct keys_table update
    = TABLE ("a `deploy` update or rollback config", update_keys, true);

static const struct keys_key limits_keys[] = {
  LEAF ("cpus"),
  LEAF ("memory"),
  LEAF ("pids"),
};
static const struct keys_table limits
    = TABLE ("`deploy.resources.limits`", limits_keys, true);

static const struct keys_key discrete_keys[]
    = { LEAF ("kind"), LEAF ("value") };
static const struct keys_table discrete
    = TABLE ("`discrete_resource_spec`", discrete_keys, true);

static const struct keys_key generic_keys[] = {
  OBJECT ("discrete_resource_spec", discrete),
};
static const struct keys_table generic
    = TABLE ("a `generic_resources` entry", generic_keys, true);

static const struct keys_key device_request_keys[] = {
  LEAF ("capabilities"), LEAF ("count"),   LEAF ("device_ids"),
  LEAF ("driver"),       LEAF ("options"),
};
static const struct keys_table device_request
    = TABLE ("a device request", device_request_keys, true);

static const struct keys_key reservations_keys[] = {
  LEAF ("cpus"),
  LEAF ("memory"),
  ITEMS ("generic_resources", generic),
  ITEMS ("devices", device_request),
};
static const struct keys_table reservations
    = TABLE ("`deploy.resources.reservations`", reservations_keys, true);

static const struct keys_key resources_keys[] = {
  OBJECT ("limits", limits),
  OBJECT ("reservations", reservations),
};
static const struct keys_table resources
    = TABLE ("`deploy.resources`", resources_keys, true);

static const struct keys_key restart_policy_keys[] = {
  LEAF ("condition"),
  LEAF ("delay"),
  LEAF ("max_attempts"),
  LEAF ("window"),
};
static const struct keys_table restart_policy
    = TABLE ("`deploy.restart_policy`", restart_policy_keys, true);

static const struct keys_key preference_keys[] = { LEAF ("spread") };
static const struct keys_table preference
    = TABLE ("a placement preference", preference_keys, true);

static const struct keys_key placement_keys[] = {
  LEAF ("constraints"),
  ITEMS ("preferences", preference),
  LEAF ("max_replicas_per_node"),
};
static const struct keys_table placement
    = TABLE ("`deploy.placement`", placement_keys, true);

static const struct keys_key deploy_keys[] = {
  LEAF ("mode"),
  LEAF ("endpoint_mode"),
  LEAF ("replicas"),
  LEAF ("labels"),
  OBJECT ("rollback_config", update),
  OBJECT ("update_config", update),
  OBJECT ("resources", resources),
  OBJECT ("restart_policy", restart_policy),
  OBJECT ("placement", placement),
};
static const struct keys_table deploy = TABLE ("`deploy`", deploy_keys, true);

/* Long syntax of service `secrets`, `configs` and `build.secrets`. */
static const struct keys_key file_ref_keys[] = {
  LEAF ("source"), LEAF ("target"), LEAF ("uid"), LEAF ("gid"), LEAF ("mode"),
};
static const struct keys_table file_ref
    = TABLE ("a secret or config reference", file_ref_keys, true);

static const struct keys_key ulimit_keys[] = { LEAF ("hard"), LEAF ("soft") };
static const struct keys_table ulimit = TABLE ("a ulimit", ulimit_keys, true);

static const struct keys_key build_keys[] = {
  LEAF ("context"),
  LEAF ("dockerfile"),
  LEAF ("dockerfile_inline"),
  LEAF ("entitlements"),
  LEAF ("args"),
  LEAF ("ssh"),
  LEAF ("labels"),
  LEAF ("cache_from"),
  LEAF ("cache_to"),
  LEAF ("no_cache"),
  LEAF ("additional_contexts"),
  LEAF ("network"),
  LEAF ("provenance"),
  LEAF ("sbom"),
  LEAF ("pull"),
  LEAF ("target"),
  LEAF ("shm_size"),
  LEAF ("extra_hosts"),
  LEAF ("isolation"),
  LEAF ("privileged"),
  ITEMS ("secrets", file_ref),
  LEAF ("tags"),
  MEMBERS ("ulimits", ulimit),
  LEAF ("platforms"),
};
static const struct keys_table build = TABLE ("`build`", build_keys, true);

static const struct keys_key blkio_limit_keys[]
    = { LEAF ("path"), LEAF ("rate") };
static const struct keys_table blkio_limit
    = TABLE ("a `blkio_config` device entry", blkio_limit_keys, false);

static const struct keys_key blkio_weight_keys[]
    = { LEAF ("path"), LEAF ("weight") };
static const struct keys_table blkio_weight
    = TABLE ("a `blkio_config.weight_device` entry", blkio_weight_keys, false);

static const struct keys_key blkio_keys[] = {
  ITEMS ("device_read_bps", blkio_limit),
  ITEMS ("device_read_iops", blkio_limit),
  ITEMS ("device_write_bps", blkio_limit),
  ITEMS ("device_write_iops", blkio_limit),
  LEAF ("weight"),
  ITEMS ("weight_device", blkio_weight),
};
static const struct keys_table blkio
    = TABLE ("`blkio_config`", blkio_keys, false);

static const struct keys_key credential_spec_keys[] = {
  LEAF ("config"),
  LEAF ("file"),
  LEAF ("registry"),
};
static const struct keys_table credential_spec
    = TABLE ("`credential_spec`", credential_spec_keys, true);

static const struct keys_key depends_keys[] = {
  LEAF ("restart"),
  LEAF ("required"),
  LEAF ("condition"),
};
static const struct keys_table depends
    = TABLE ("a `depends_on` entry", depends_keys, true);

static const struct keys_key device_keys[] = {
  LEAF ("source"),
  LEAF ("target"),
  LEAF ("permissions"),
};
static const struct keys_table device
    = TABLE ("a `devices` entry", device_keys, true);

static const struct keys_key env_file_keys[] = {
  LEAF ("path"),
  LEAF ("format"),
  LEAF ("required"),
};
static const struct keys_table env_file
    = TABLE ("an `env_file` entry", env_file_keys, false);

static const struct keys_key extends_keys[]
    = { LEAF ("service"), LEAF ("file") };
static const struct keys_table extends
    = TABLE ("`extends`", extends_keys, false);

static const struct keys_key provider_keys[]
    = { LEAF ("type"), LEAF ("options") };
static const struct keys_table provider
    = TABLE ("`provider`", provider_keys, true);

static const struct keys_key healthcheck_keys[] = {
  LEAF ("disable"),        LEAF ("interval"), LEAF ("retries"),
  LEAF ("test"),           LEAF ("timeout"),  LEAF ("start_period"),
  LEAF ("start_interval"),
};
static const struct keys_table healthcheck
    = TABLE ("`healthcheck`", healthcheck_keys, true);

static const struct keys_key logging_keys[]
    = { LEAF ("driver"), LEAF ("options") };
static const struct keys_table logging
    = TABLE ("`logging`", logging_keys, true);

static const struct keys_key service_model_keys[] = {
  LEAF ("endpoint_var"),
  LEAF ("model_var"),
};
static const struct keys_table service_model
    = TABLE ("a service `models` entry", service_model_keys, true);

static const struct keys_key service_network_keys[] = {
  LEAF ("aliases"),      LEAF ("interface_name"), LEAF ("ipv4_address"),
  LEAF ("ipv6_address"), LEAF ("link_local_ips"), LEAF ("mac_address"),
  LEAF ("driver_opts"),  LEAF ("priority"),       LEAF ("gw_priority"),
};
static const struct keys_table service_network
    = TABLE ("a service `networks` entry", service_network_keys, true);

static const struct keys_key port_keys[] = {
  LEAF ("name"),      LEAF ("mode"),     LEAF ("host_ip"),      LEAF ("target"),
  LEAF ("published"), LEAF ("protocol"), LEAF ("app_protocol"),
};
static const struct keys_table port
    = TABLE ("a `ports` entry", port_keys, true);

static const struct keys_key bind_keys[] = {
  LEAF ("propagation"),
  LEAF ("create_host_path"),
  LEAF ("recursive"),
  LEAF ("selinux"),
};
static const struct keys_table bind
    = TABLE ("a volume's `bind`", bind_keys, true);

static const struct keys_key volume_opts_keys[] = {
  LEAF ("labels"),
  LEAF ("nocopy"),
  LEAF ("subpath"),
};
static const struct keys_table volume_opts
    = TABLE ("a volume's `volume`", volume_opts_keys, true);

static const struct keys_key tmpfs_opts_keys[]
    = { LEAF ("size"), LEAF ("mode") };
static const struct keys_table tmpfs_opts
    = TABLE ("a volume's `tmpfs`", tmpfs_opts_keys, true);

static const struct keys_key image_opts_keys[] = { LEAF ("subpath") };
static const struct keys_table image_opts
    = TABLE ("a volume's `image`", image_opts_keys, true);

static const struct keys_key mount_keys[] = {
  LEAF ("type"),
  LEAF ("source"),
  LEAF ("target"),
  LEAF ("read_only"),
  LEAF ("consistency"),
  OBJECT ("bind", bind),
  OBJECT ("volume", volume_opts),
  OBJECT ("tmpfs", tmpfs_opts),
  OBJECT ("image", image_opts),
};
static const struct keys_table mount
    = TABLE ("a `volumes` entry", mount_keys, true);

/* --- services.<name> ---------------------------------------------------- */

static const struct keys_key service_keys[] = {
  OBJECT ("develop", develop),
  OBJECT ("deploy", deploy),
  LEAF ("annotations"),
  LEAF ("attach"),
  OBJECT ("build", build),
  OBJECT ("blkio_config", blkio),
  LEAF ("cap_add"),
  LEAF ("cap_drop"),
  LEAF ("cgroup"),
  LEAF ("cgroup_parent"),
  LEAF ("command"),
  ITEMS ("configs", file_ref),
  LEAF ("container_name"),
  LEAF ("cpu_count"),
  LEAF ("cpu_percent"),
  LEAF ("cpu_shares"),
  LEAF ("cpu_quota"),
  LEAF ("cpu_period"),
  LEAF ("cpu_rt_period"),
  LEAF ("cpu_rt_runtime"),
  LEAF ("cpus"),
  LEAF ("cpuset"),
  OBJECT ("credential_spec", credential_spec),
  MEMBERS ("depends_on", depends),
  LEAF ("device_cgroup_rules"),
  ITEMS ("devices", device),
  LEAF ("dns"),
  LEAF ("dns_opt"),
  LEAF ("dns_search"),
  LEAF ("domainname"),
  LEAF ("entrypoint"),
  ITEMS ("env_file", env_file),
  LEAF ("label_file"),
  LEAF ("environment"),
  LEAF ("expose"),
  OBJECT ("extends", extends),
  OBJECT ("provider", provider),
  LEAF ("external_links"),
  LEAF ("extra_hosts"),
  LEAF ("gpus"), /* the schema leaves its entries open */
  LEAF ("group_add"),
  OBJECT ("healthcheck", healthcheck),
  LEAF ("hostname"),
  LEAF ("image"),
  LEAF ("init"),
  LEAF ("ipc"),
  LEAF ("isolation"),
  LEAF ("labels"),
  LEAF ("links"),
  OBJECT ("logging", logging),
  LEAF ("mac_address"),
  LEAF ("mem_limit"),
  LEAF ("mem_reservation"),
  LEAF ("mem_swappiness"),
  LEAF ("memswap_limit"),
  LEAF ("network_mode"),
  MEMBERS ("models", service_model),
  MEMBERS ("networks", service_network),
  LEAF ("oom_kill_disable"),
  LEAF ("oom_score_adj"),
  LEAF ("pid"),
  LEAF ("pids_limit"),
  LEAF ("platform"),
  ITEMS ("ports", port),
  ITEMS ("post_start", hook),
  ITEMS ("pre_stop", hook),
  LEAF ("privileged"),
  LEAF ("profiles"),
  LEAF ("pull_policy"),
  LEAF ("pull_refresh_after"),
  LEAF ("read_only"),
  LEAF ("restart"),
  LEAF ("runtime"),
  LEAF ("scale"),
  LEAF ("security_opt"),
  LEAF ("shm_size"),
  ITEMS ("secrets", file_ref),
  LEAF ("sysctls"),
  LEAF ("stdin_open"),
  LEAF ("stop_grace_period"),
  LEAF ("stop_signal"),
  LEAF ("storage_opt"),
  LEAF ("tmpfs"),
  LEAF ("tty"),
  MEMBERS ("ulimits", ulimit),
  LEAF ("use_api_socket"),
  LEAF ("user"),
  LEAF ("uts"),
  LEAF ("userns_mode"),
  ITEMS ("volumes", mount),
  LEAF ("volumes_from"),
  LEAF ("working_dir"),
};
const struct keys_table keys_service = TABLE ("a service", service_keys, true);

/* --- top level ---------------------------------------------------------- */

static const struct keys_key include_keys[] = {
  LEAF ("path"),
  LEAF ("env_file"),
  LEAF ("project_directory"),
};
static const struct keys_table include
    = TABLE ("an `include` entry", include_keys, false);

static const struct keys_key model_keys[] = {
  LEAF ("name"),
  LEAF ("model"),
  LEAF ("context_size"),
  LEAF ("runtime_flags"),
};
static const struct keys_table model
    = TABLE ("a top-level model", model_keys, true);

static const struct keys_key external_keys[] = { LEAF ("name") };
static const struct keys_table external
    = TABLE ("`external`", external_keys, true);

static const struct keys_key ipam_config_keys[] = {
  LEAF ("subnet"),
  LEAF ("ip_range"),
  LEAF ("gateway"),
  LEAF ("aux_addresses"),
};
static const struct keys_table ipam_config
    = TABLE ("an `ipam.config` entry", ipam_config_keys, true);

static const struct keys_key ipam_keys[] = {
  LEAF ("driver"),
  ITEMS ("config", ipam_config),
  LEAF ("options"),
};
static const struct keys_table ipam = TABLE ("`ipam`", ipam_keys, true);

static const struct keys_key network_keys[] = {
  LEAF ("name"),
  LEAF ("driver"),
  LEAF ("driver_opts"),
  OBJECT ("ipam", ipam),
  OBJECT ("external", external),
  LEAF ("internal"),
  LEAF ("enable_ipv4"),
  LEAF ("enable_ipv6"),
  LEAF ("attachable"),
  LEAF ("labels"),
};
static const struct keys_table network
    = TABLE ("a top-level network", network_keys, true);

static const struct keys_key volume_keys[] = {
  LEAF ("name"),        LEAF ("driver"),
  LEAF ("driver_opts"), OBJECT ("external", external),
  LEAF ("labels"),
};
static const struct keys_table volume
    = TABLE ("a top-level volume", volume_keys, true);

/* The schema leaves the `external` map of secrets and configs open. */
static const struct keys_key secret_keys[] = {
  LEAF ("name"),        LEAF ("environment"),     LEAF ("file"),
  LEAF ("external"),    LEAF ("labels"),          LEAF ("driver"),
  LEAF ("driver_opts"), LEAF ("template_driver"),
};
static const struct keys_table secret
    = TABLE ("a top-level secret", secret_keys, true);

static const struct keys_key config_keys[] = {
  LEAF ("name"),     LEAF ("content"), LEAF ("environment"),     LEAF ("file"),
  LEAF ("external"), LEAF ("labels"),  LEAF ("template_driver"),
};
static const struct keys_table config
    = TABLE ("a top-level config", config_keys, true);

static const struct keys_key top_keys[] = {
  LEAF ("version"),
  LEAF ("name"),
  ITEMS ("include", include),
  MEMBERS ("services", keys_service),
  MEMBERS ("models", model),
  MEMBERS ("networks", network),
  MEMBERS ("volumes", volume),
  MEMBERS ("secrets", secret),
  MEMBERS ("configs", config),
};
const struct keys_table keys_top = TABLE ("the top level", top_keys, true);

const struct keys_key *
keys_find (const struct keys_table *t, const char *name)
{
  for (size_t i = 0; i < t->n_keys; i++)
    if (strcmp (t->keys[i].name, name) == 0)
      return &t->keys[i];
  return NULL;
}
