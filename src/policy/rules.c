/* The rule catalogue.  Each row is one control; IDs follow the numbering
 * of the hardening reference (shared/anchors/hardening-reference.md,
 * section 7) so that a finding can be traced to its sources.  Numbers the
 * reference uses for process steps rather than file contents (HC-35, 51,
 * 55, 58) have no row here; a number is never reused. */
#include <strings.h>

#include "policy/policy.h"

#define R POL_REJECT
#define W POL_REWRITE
#define H POL_HIGH
#define M POL_MEDIUM
#define L POL_LOW

const struct pol_rule pol_rules[] = {
  { "CFP-HC-01", H, R, "privileged container",
    "a privileged container has every capability and every device and can "
    "take over the host",
    "remove `privileged`", "privileged",
    "CIS Docker 5.5; PSS baseline: privileged" },
  { "CFP-HC-02", H, R, "privileged or root lifecycle hook",
    "post_start and pre_stop hooks run as privileged or as root escape like "
    "a privileged container",
    "remove `privileged` and `user` from the hook", "post_start, pre_stop",
    "CIS Docker 5.5 (analogue); PSS baseline: privileged" },
  { "CFP-HC-03", M, W, "capabilities not dropped",
    "every capability a process does not need widens what a kernel bug can "
    "reach; cfp drops them all",
    "leave `cap_drop` out or write `cap_drop: [ALL]`", "cap_drop",
    "CIS Docker 5.4; PSS restricted: capabilities" },
  { "CFP-HC-04", H, R, "capability added",
    "added capabilities (NET_ADMIN, SYS_ADMIN, ...) give kernel interfaces "
    "that let a container attack the host or its neighbours",
    "remove `cap_add`; the operator's allowlist is empty by default", "cap_add",
    "CIS Docker 5.4; PSS baseline/restricted: capabilities" },
  { "CFP-HC-05", H, W, "privilege escalation allowed",
    "without no-new-privileges a setuid binary can regain what was dropped",
    "leave it to cfp, or write `security_opt: [no-new-privileges:true]`",
    "security_opt: no-new-privileges",
    "CIS Docker 5.26; PSS restricted: allowPrivilegeEscalation" },
  { "CFP-HC-06", H, R, "seccomp unconfined or tenant profile",
    "seccomp=unconfined opens every system call, and a profile path is read "
    "from the control plane's own disk",
    "remove the seccomp option; Docker's default profile applies",
    "security_opt: seccomp", "CIS Docker 5.22; PSS baseline: seccompProfile" },
  { "CFP-HC-07", H, R, "AppArmor unconfined or custom",
    "apparmor=unconfined lifts the mandatory access control that confines "
    "the container",
    "remove the apparmor option; docker-default applies",
    "security_opt: apparmor", "CIS Docker 5.2; PSS baseline: appArmorProfile" },
  { "CFP-HC-08", H, R, "SELinux labels disabled or custom",
    "label=disable or a custom label type escapes SELinux confinement",
    "remove the label option", "security_opt: label",
    "CIS Docker 5.3; PSS baseline: seLinuxOptions" },
  { "CFP-HC-09", H, R, "/proc masks removed",
    "systempaths=unconfined exposes /proc/kcore, /proc/keys and other "
    "host interfaces",
    "remove the systempaths option", "security_opt: systempaths",
    "PSS baseline: procMount" },
  { "CFP-HC-10", H, R, "writable cgroups",
    "writable-cgroups lets the container rewrite its own resource limits",
    "remove the writable-cgroups option", "security_opt: writable-cgroups",
    "moby daemon security options" },
  { "CFP-HC-11", M, R, "other security option",
    "only no-new-privileges is accepted in security_opt; anything else "
    "changes how the container is confined",
    "remove the option", "security_opt", "CIS Docker 5.2, 5.3, 5.22" },
  { "CFP-HC-12", H, R, "root user",
    "a process running as uid 0 or group 0 owns every file the image ships "
    "and is one kernel bug from root on the host",
    "run as a numeric non-root `UID:GID`, or leave `user` out", "user",
    "PSS restricted: runAsNonRoot, runAsUser; CIS Docker 4.1" },
  { "CFP-HC-13", H, R, "root or privileged supplementary group",
    "groups such as 0 (root), disk or docker grant access to host devices "
    "and sockets",
    "remove `group_add`, or add only numeric non-zero groups", "group_add",
    "PSS restricted: runAsGroup (analogue)" },
  { "CFP-HC-14", M, W, "writable root filesystem",
    "a writable root filesystem lets a compromised agent replace its own "
    "binaries; writable paths are declared volumes and tmpfs only",
    "leave `read_only` out or write `read_only: true`; declare writable "
    "paths as volumes or tmpfs",
    "read_only", "CIS Docker 5.13" },
  { "CFP-HC-15", M, W, "tmpfs without bounds",
    "a tmpfs without size, noexec, nosuid and nodev can fill memory or run "
    "dropped binaries",
    "let cfp size tmpfs mounts (the plan's /tmp size at most)", "tmpfs",
    "CIS Docker 5.13 (writable paths)" },
  { "CFP-HC-16", H, R, "host or shared network namespace",
    "network_mode host, bridge or container:* leaves the stack's own "
    "network and reaches the host's or another container's",
    "remove `network_mode`; cfp gives every stack its own network",
    "network_mode", "CIS Docker 5.10, 5.30; PSS baseline: hostNetwork" },
  { "CFP-HC-17", H, R, "host or shared PID namespace",
    "a shared PID namespace shows, signals and ptraces other processes",
    "remove `pid`", "pid", "CIS Docker 5.16; PSS baseline: hostPID" },
  { "CFP-HC-18", H, R, "host or shared IPC namespace",
    "a shared IPC namespace reads other processes' shared memory",
    "remove `ipc`", "ipc", "CIS Docker 5.17; PSS baseline: hostIPC" },
  { "CFP-HC-19", M, R, "host UTS namespace",
    "the host UTS namespace lets the container rename the host", "remove `uts`",
    "uts", "CIS Docker 5.21" },
  { "CFP-HC-20", H, R, "user namespace mode",
    "userns_mode host turns off the daemon's user namespace remapping",
    "remove `userns_mode`", "userns_mode", "CIS Docker 5.31" },
  { "CFP-HC-21", M, R, "host cgroup namespace",
    "the host cgroup namespace shows and may reach the host's cgroup tree",
    "remove `cgroup` or write `cgroup: private`", "cgroup",
    "Compose Specification: cgroup" },
  { "CFP-HC-22", H, R, "custom cgroup parent",
    "a cgroup parent outside cfp's places the container outside its plan's "
    "limits",
    "remove `cgroup_parent`", "cgroup_parent", "CIS Docker 5.25" },
  { "CFP-HC-23", H, R, "host bind mount",
    "a bind mount reads or writes the host's files, other tenants' data "
    "included",
    "use a named volume declared under top-level `volumes`",
    "volumes (short and long syntax)",
    "CIS Docker 5.6; PSS baseline: hostPath volumes" },
  { "CFP-HC-24", H, R, "Docker socket",
    "the Docker socket is root on the host: whoever holds it controls every "
    "container",
    "remove the docker.sock mount and `use_api_socket`",
    "volumes, use_api_socket", "CIS Docker 5.32; OWASP Docker rule 1" },
  { "CFP-HC-25", H, R, "volume driver or driver options",
    "driver options (type: none, o: bind, device: ...) bind host paths or "
    "mount remote filesystems",
    "declare the volume with no `driver` or `driver_opts`",
    "volumes.*.driver, volumes.*.driver_opts", "CIS Docker 5.6 (analogue)" },
  { "CFP-HC-26", H, R, "external volume or network",
    "an external volume or network belongs to another stack or tenant",
    "declare the volume or network in this file without `external`",
    "volumes.*.external, networks.*.external", "tenant isolation" },
  { "CFP-HC-27", H, R, "shared mount propagation",
    "shared propagation lets mounts made in the container appear on the host",
    "remove `propagation`", "volumes[].bind.propagation", "CIS Docker 5.20" },
  { "CFP-HC-28", M, R, "volumes_from or links",
    "volumes_from and links reach into other containers' files and names "
    "outside the stack's network",
    "share data through a named volume; reach services by name",
    "volumes_from, links, external_links", "Compose Specification" },
  { "CFP-HC-29", H, R, "host devices or GPUs",
    "device access (devices, device_cgroup_rules, gpus) exposes host "
    "hardware to the tenant",
    "remove the device request",
    "devices, device_cgroup_rules, gpus, "
    "deploy.resources.reservations.devices",
    "CIS Docker 5.18" },
  { "CFP-HC-30", H, R, "unsafe sysctl",
    "sysctls outside the namespaced safe list change the host kernel",
    "remove the sysctl, or use one of the Pod Security safe sysctls", "sysctls",
    "PSS baseline: sysctls" },
  { "CFP-HC-31", M, W, "memory limit above the plan or unset",
    "memory beyond the plan starves other tenants on the host",
    "leave the limit to cfp, or ask for at most the plan's memory",
    "mem_limit, deploy.resources.limits.memory", "CIS Docker 5.11" },
  { "CFP-HC-32", M, W, "swap",
    "swap beyond the memory limit turns memory pressure into disk I/O for "
    "every tenant",
    "leave `memswap_limit` out", "memswap_limit", "Docker resource docs" },
  { "CFP-HC-33", L, W, "memory reservation above the limit",
    "a reservation above the limit cannot be honoured",
    "leave the reservation out or keep it under the limit",
    "mem_reservation, deploy.resources.reservations.memory",
    "Docker resource docs" },
  { "CFP-HC-34", M, W, "CPU limit above the plan or unset",
    "CPU beyond the plan slows every other tenant on the host",
    "leave the limit to cfp, or ask for at most the plan's CPUs",
    "cpus, deploy.resources.limits.cpus, cpu_shares", "CIS Docker 5.12" },
  { "CFP-HC-36", M, W, "pids limit above the plan or unset",
    "an unbounded process count lets a fork bomb take the host down",
    "leave `pids_limit` to cfp, or ask for at most the plan's pids",
    "pids_limit, deploy.resources.limits.pids", "CIS Docker 5.29" },
  { "CFP-HC-37", M, R, "real-time scheduling or CPU pinning",
    "real-time CPU time and pinning take CPUs away from other tenants",
    "remove the scheduling options",
    "cpu_rt_runtime, cpu_rt_period, cpuset, cpu_period, cpu_quota, "
    "cpu_count, cpu_percent",
    "Compose Specification" },
  { "CFP-HC-38", M, R, "OOM killer disabled or score lowered",
    "a container the OOM killer spares makes the host kill something else",
    "remove `oom_kill_disable` and negative `oom_score_adj`",
    "oom_kill_disable, oom_score_adj", "Docker resource docs" },
  { "CFP-HC-39", L, W, "ulimits above the caps",
    "open files and processes beyond the caps exhaust host tables",
    "leave `ulimits` to cfp or stay within nofile 8192 and the plan's pids",
    "ulimits", "CIS Docker 5.19" },
  { "CFP-HC-40", M, R, "shm or storage options",
    "a large /dev/shm lives in host memory, and storage_opt reaches the "
    "graph driver",
    "remove `storage_opt`; keep `shm_size` at 64m or less",
    "shm_size, storage_opt", "resource isolation" },
  { "CFP-HC-41", M, W, "unbounded or remote logging",
    "logs without size bounds fill the host's disk, and remote drivers ship "
    "them past the redactor",
    "leave `logging` to cfp", "logging", "OWASP Docker rule 7" },
  { "CFP-HC-42", L, W, "unbounded restart policy",
    "`always` and `unless-stopped` restart a crashing agent forever",
    "leave `restart` out (services restart on failure, at most 5 times)",
    "restart, deploy.restart_policy", "CIS Docker 5.15" },
  { "CFP-HC-43", M, R, "custom networks",
    "cfp gives each stack one network of its own; other networks, drivers "
    "and addressing would join or bridge others",
    "remove `networks`; services reach each other by name",
    "networks (top level and service)", "CIS Docker 5.30" },
  { "CFP-HC-44", M, R, "fixed addresses",
    "fixed MAC or IP addresses allow spoofing other containers on a network",
    "remove the address",
    "mac_address, networks.*.ipv4_address, "
    "networks.*.ipv6_address, networks.*.link_local_ips",
    "network isolation" },
  { "CFP-HC-45", H, R, "published host port",
    "a published port is reachable from outside without TLS, rate limits "
    "or the domain checks of ingress",
    "remove `ports`; list the container port under `expose` and route it "
    "with `cfp deploy --domain`",
    "ports", "CIS Docker 5.8, 5.14; PSS baseline: hostPorts" },
  { "CFP-HC-46", H, R, "host gateway or metadata alias",
    "extra_hosts naming host-gateway, link-local or loopback addresses point "
    "at the host or the cloud metadata service",
    "remove the entry", "extra_hosts", "cloud metadata protection" },
  { "CFP-HC-47", M, R, "custom DNS servers",
    "a custom resolver bypasses the stack's embedded DNS and its egress "
    "rules",
    "remove `dns`", "dns", "egress control" },
  { "CFP-HC-48", H, R, "container runtime",
    "another runtime changes the isolation model the platform relies on",
    "remove `runtime`", "runtime", "operator runtime allowlist" },
  { "CFP-HC-49", L, R, "Windows isolation options",
    "isolation and credential_spec have no meaning on this Linux host",
    "remove them", "isolation, credential_spec",
    "PSS baseline: windowsHostProcess (analogue)" },
  { "CFP-HC-50", H, R, "reads host files or runs host programs",
    "build, provider, env_file, label_file, extends.file, include and "
    "file-based secrets and configs make the control plane read its own "
    "files or run programs on the host",
    "put values in the file itself or use cfp secrets; use prebuilt images",
    "build, provider, develop, env_file, label_file, extends, include, "
    "secrets, configs, models",
    "Compose Specification" },
  { "CFP-HC-52", M, R, "reserved names or labels",
    "container names and cfp.*, traefik.* and com.docker.compose.* labels "
    "belong to the platform: they name, route and account containers",
    "remove `container_name` and the reserved labels", "container_name, labels",
    "platform ownership labels" },
  { "CFP-HC-53", M, R, "unknown key",
    "a key cfp does not know could change how the container runs; it is "
    "refused rather than ignored",
    "remove the key, or check its spelling against the Compose "
    "Specification",
    "any", "Compose Specification: additionalProperties false" },
  { "CFP-HC-54", M, R, "image from a registry outside the allowlist",
    "images from unknown registries have unknown provenance",
    "use an image from an allowed registry (docker.io and ghcr.io by "
    "default)",
    "image", "CIS Docker 4.2, 5.28" },
  { "CFP-HC-56", M, R, "replicas",
    "cfp runs one container per service; replicas would exceed the plan",
    "remove `scale` and `deploy.replicas`, or set them to 1",
    "scale, deploy.replicas, deploy.mode", "plan limits" },
  { "CFP-HC-57", M, R, "block I/O device settings",
    "blkio device paths name host block devices",
    "remove the device entries; `blkio_config.weight` alone is fine",
    "blkio_config", "Compose Specification" },
  { "CFP-HC-59", L, W, "setting cfp does not apply",
    "this setting has no effect on a cfp stack (cfp names, labels and "
    "attaches containers itself) and is removed so that the file says "
    "what runs",
    "remove the key", "name, hostname, domainname, tty, stdin_open, init",
    "platform" },
  { "CFP-HC-60", L, R, "lifecycle hooks",
    "cfp does not run post_start and pre_stop hooks (the engine API it "
    "drives has none), and a file that relies on them would deploy "
    "without them",
    "do the work in the image's entrypoint instead", "post_start, pre_stop",
    "platform" },
};

#undef R
#undef W
#undef H
#undef M
#undef L

const size_t pol_n_rules = sizeof pol_rules / sizeof pol_rules[0];

const struct pol_rule *
pol_rule_find (const char *id)
{
  for (size_t i = 0; i < pol_n_rules; i++)
    if (strcasecmp (pol_rules[i].id, id) == 0)
      return &pol_rules[i];
  return NULL;
}
