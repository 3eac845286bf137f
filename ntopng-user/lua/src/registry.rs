//! The one registry of the Lua API: every function of the seed documents (`ntop.*`, `interface.*`,
//! `network.*`, `flow.*`, `host.*`), each either implemented or unsupported with a reason. VM creation checks
//! that the bindings registered are exactly the ones marked implemented here; every other function is
//! registered as a stub raising `"<ns>.<name>: not supported by this build yet (<reason>)"`.
//! `doc/lua-api-coverage.md` is generated from it ([`coverage_markdown`]).

use crate::api_list::SEED_API;

/// A function as the seed documents list it (see `api_list.rs`, generated from the seeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedFn {
    pub ns: &'static str,
    pub name: &'static str,
    /// The section of the seed document where it is first listed.
    pub section: &'static str,
    /// The call as documented, e.g. `ntop.setCache(key, val [,ttl])`.
    pub call: &'static str,
}

/// The namespaces, in the order of the master overview.
pub const NAMESPACES: [&str; 5] = ["ntop", "interface", "flow", "host", "network"];

/// How many functions the master overview (seed 001) says each namespace has in ntopng's registration
/// tables. The seed documents list fewer (see the coverage document).
pub const MASTER_COUNTS: [(&str, usize); 5] =
    [("ntop", 334), ("interface", 245), ("flow", 20), ("host", 23), ("network", 9)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiStatus {
    Implemented,
    Unsupported(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiEntry {
    pub ns: &'static str,
    pub name: &'static str,
    pub section: &'static str,
    pub call: &'static str,
    pub status: ApiStatus,
    /// What differs from the seed or from ntopng, for implemented functions.
    pub note: &'static str,
}

impl ApiEntry {
    /// The error an unsupported function raises.
    pub fn unsupported_message(&self) -> String {
        match self.status {
            ApiStatus::Unsupported(reason) => {
                format!("{}.{}: not supported by this build yet ({reason})", self.ns, self.name)
            }
            ApiStatus::Implemented => String::new(),
        }
    }
}

/// A function this build adds that ntopng does not have: always registered, listed apart in the coverage
/// document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension {
    pub ns: &'static str,
    pub name: &'static str,
    pub call: &'static str,
    pub what: &'static str,
}

/// The extensions. ntopng's timeseries code reads RRD files from Lua (`ts_utils`, `ts_data`); here the
/// store is in the daemon and the `get/timeseries/*` REST scripts go through these.
pub const EXTENSIONS: &[Extension] = &[
    Extension {
        ns: "ntop",
        name: "tsQuery",
        call: "ntop.tsQuery(schema, ts_query, epoch_begin, epoch_end [, limit])",
        what: "`ts.lua`'s `rsp` (history.md §1.7-1.9: 6.x and legacy keys; `{metadata = {}}` for an unknown schema, a missing tag or no data); `schema` may be `top:<schema>`; missing points and undefined statistics are NaN (JSON null); limit 60 by default",
    },
    Extension {
        ns: "ntop",
        name: "tsStoredSchemas",
        call: "ntop.tsStoredSchemas(family, ts_query, epoch_begin, epoch_end)",
        what: "the schemas of `family` (`iface`, `host`) with series stored for the entity `ts_query` (`ifid:0[,host:ip]`) updated in the window: `{schema, metrics, step, counter [, top_tag, top_values]}` in schema order",
    },
];

/// `(ns, name, note)` of every implemented function.
pub(crate) const IMPLEMENTED: &[(&str, &str, &str)] = &[
    // system and info
    ("ntop", "getDirs", "installdir, workingdir, scriptdir, httpdocsdir, callbacksdir"),
    ("ntop", "getInfo", "product, version, platform, OS, uptime (license and port fields come later)"),
    ("ntop", "getUptime", "seconds since the start time given to the pool"),
    ("ntop", "getStartupEpoch", "the start time given to the pool"),
    ("ntop", "getStaticFileEpoch", "the startup epoch"),
    ("ntop", "getCurrentScriptsDir", "the scripts dir"),
    ("ntop", "isAdministrator", "from `_SESSION`: group administrator or nologin, or user nologin"),
    ("ntop", "getNologinUser", "`nologin`"),
    ("ntop", "httpRedirect", "sets status 302 and `Location`"),
    // daemon, host and HTTP helpers (bindings/sysinfo.rs)
    ("ntop", "systemHostStat", "`cpu_load` (percent not idle), `cpu_states` (percent per /proc/stat state) over the last refreshCPULoad interval (since boot before the first); `mem_*` in KiB from /proc/meminfo, `mem_used` as free(1) counts it; `mem_ntopng_resident`/`_virtual` from /proc/self/status; alert counters 0 (no alert store yet)"),
    ("ntop", "refreshCPULoad", "takes a new /proc/stat sample; returns `cpu_load`"),
    ("ntop", "getInstanceName", "`-N`, else the host name"),
    ("ntop", "isShuttingDown", "the daemon's shutdown flag"),
    ("ntop", "getHttpPrefix", "`-Z`, \"\" by default"),
    ("ntop", "getCookieAttributes", "`; HttpOnly; SameSite=Lax`, the attributes of the server's session cookie"),
    ("ntop", "httpPurifyParam", "markup, quote and shell characters become `_`; optional (strict, allow_url, allow_dots) as ntopng"),
    ("ntop", "getRandomCSRFValue", "the session's CSRF token (`_SESSION.csrf`); a fresh random value without a session"),
    ("ntop", "getPrefs", "the daemon's configuration as the daemon gives it to the pool"),
    ("ntop", "reloadPreferences", "nothing to reload: runtime preferences are read from the store on every getPref"),
    // file system under the path policy (bindings/files.rs)
    ("ntop", "isdir", "read policy: install dir and data dir"),
    ("ntop", "exists", "read policy"),
    ("ntop", "notEmptyFile", "read policy"),
    ("ntop", "fileLastChange", "read policy; -1 if missing"),
    ("ntop", "readdir", "read policy; `{[name] = name}` (ntopng's shape), empty for a missing directory"),
    ("ntop", "mkdir", "inside the data dir only; like `mkdir -p`"),
    ("ntop", "rmdir", "inside the data dir only (not the data dir itself); recursive, symlinks not followed"),
    ("ntop", "unlink", "inside the data dir only; a symlink is removed, not its target"),
    ("ntop", "dumpFile", "read policy; appends the file to the response body"),
    ("ntop", "dumpBinaryFile", "read policy; appends the file to the response body"),
    // local networks, allowed networks, resolution (bindings/netutils.rs)
    ("ntop", "isLocalAddress", "against the `-m` networks and those added at run time"),
    ("ntop", "isLocalInterfaceAddress", "addresses of the machine's interfaces (getifaddrs)"),
    ("ntop", "isAllowedInterface", "`_SESSION.allowed_ifname`; empty: every interface"),
    ("ntop", "isAllowedNetwork", "address or CIDR inside one of `_SESSION.allowed_nets`; none: every network"),
    ("ntop", "addLocalNetwork", "`cidr` or `cidr=alias`; the next network id; duplicates ignored; at most 1024"),
    ("ntop", "getNetworks", "`{[cidr] = network_id}`"),
    ("ntop", "getNetworkNameById", "nil for an unknown id"),
    ("ntop", "getNetworkIdByName", "-1 for an unknown network"),
    ("ntop", "getAddressNetwork", "`{network_id, network, alias}` of the most specific local network, nil if not local"),
    ("ntop", "getLocalNetworkAlias", "the alias given with `-m cidr=alias`, nil if none"),
    ("ntop", "getLocalNetworkID", "-1 for an unknown network"),
    ("ntop", "setResolvedAddress", "stores the name in the resolved-names cache (`ntopng.dns.cache.<ip>`, 1 h)"),
    ("ntop", "resolveName", "reverse resolution by the system resolver in the background, into the cache"),
    ("ntop", "getResolvedName", "the cached name, nil if not resolved (yet)"),
    ("ntop", "resolveHost", "system resolver; optional second argument false prefers IPv6; nil if unknown"),
    // outbound HTTP (bindings/httpclient.rs)
    ("ntop", "httpGet", "plain http only; `{RESPONSE_CODE, CONTENT_TYPE, EFFECTIVE_URL, HTTP_HEADER, CONTENT, CONTENT_LEN}`; RESPONSE_CODE 0 and ERROR without an answer; timeouts bounded by the run's time budget"),
    ("ntop", "httpPost", "form-encoded body; params table as the seed, or ntopng's positional (user, pass, timeout, return_content)"),
    ("ntop", "httpFetch", "`{url, method, body, headers, content_type, username, password, bearer, auth_token, timeout, return_content, follow_redirects}`"),
    ("ntop", "httpGetAuthToken", "`Authorization: Token <token>` as ntopng sends it (the seed says Bearer)"),
    ("ntop", "httpPostAuthToken", "`Authorization: Token <token>`; content type application/json unless given"),
    ("ntop", "httpPutAuthToken", "`Authorization: Token <token>`"),
    ("ntop", "httpPatchAuthToken", "`Authorization: Token <token>`"),
    ("ntop", "postHTTPJsonData", "true on a 2xx answer; also ntopng's (user, pass, url, json)"),
    ("ntop", "postHTTPTextFile", "read policy on the file; true on a 2xx answer; also ntopng's (user, pass, url, path, delete_file, timeout)"),
    // Redis / cache
    ("ntop", "getCache", "nil for a missing key (the seed's type; ntopng itself returns \"\")"),
    ("ntop", "setCache", "TTL 0 or nil: no expiry"),
    ("ntop", "setnxCache", "optional TTL as third argument"),
    ("ntop", "delCache", ""),
    ("ntop", "renameCache", "renaming a missing key does nothing"),
    ("ntop", "incrCache", "raises an error if the value is not an integer"),
    ("ntop", "flushCache", "administrators only (false otherwise)"),
    ("ntop", "getKeysCache", "`{[key] = \"\"}`, ntopng's shape; empty table when nothing matches"),
    ("ntop", "getCacheStatus", "`backend`, `location`, `connected`, `num_keys`, `memory`"),
    ("ntop", "getCacheStats", "per-operation counters of this pool (`num_get`, `num_set`, ...)"),
    ("ntop", "hasDumpCache", "true if the key exists"),
    ("ntop", "dumpCache", "hex text of the store's dump"),
    ("ntop", "restoreCache", "replaces an existing key; false for a dump that is not the store's"),
    ("ntop", "getHashCache", "nil for a missing field"),
    ("ntop", "setHashCache", ""),
    ("ntop", "delHashCache", ""),
    ("ntop", "getHashKeysCache", "`{[field] = \"\"}`, ntopng's shape"),
    ("ntop", "getHashAllCache", ""),
    ("ntop", "lpushCache", "optional third argument keeps the newest n elements"),
    ("ntop", "rpushCache", "optional third argument keeps the newest n elements"),
    ("ntop", "lpopCache", ""),
    ("ntop", "rpopCache", ""),
    ("ntop", "lremCache", "also `(key, value)`: removes every occurrence"),
    ("ntop", "ltrimCache", ""),
    ("ntop", "lrangeCache", "start and stop default to 0 and -1"),
    ("ntop", "llenCache", ""),
    ("ntop", "listIndexCache", ""),
    ("ntop", "setMembersCache", ""),
    ("ntop", "delMembersCache", ""),
    ("ntop", "getMembersCache", "array, sorted"),
    // preferences
    ("ntop", "setPref", "the key is the full Redis key (`ntopng.prefs.x`)"),
    ("ntop", "getPref", "alias of getCache"),
    // logging
    ("ntop", "traceEvent", "through the `log` crate, target `ntopng::lua`, with the script's file:line"),
    ("ntop", "verboseTrace", "debug level"),
    ("ntop", "setLoggingLevel", "sets the process-wide maximum level of the `log` crate"),
    ("ntop", "syslog", "level is a syslog priority 0..7"),
    // time
    ("ntop", "gettimemsec", "seconds since the epoch with millisecond precision, as ntopng returns it"),
    ("ntop", "getticks", "nanoseconds of a monotonic clock"),
    ("ntop", "gettickspersec", "1e9"),
    ("ntop", "tzset", ""),
    ("ntop", "roundTime", "third argument: UTC offset in seconds, or true for local time"),
    // misc utilities
    ("ntop", "md5", ""),
    ("ntop", "msleep", "bounded by the run's time budget"),
    ("ntop", "getservbyport", "from /etc/services; the port number as a string when unknown"),
    ("ntop", "getTLSVersionName", ""),
    ("ntop", "isDeadlineApproaching", "less than a tenth of the run's time budget left"),
    ("ntop", "getDeadline", "epoch at which the run's time budget ends"),
    ("ntop", "bitmapIsSet", "bits 0..63"),
    ("ntop", "bitmapSet", "bits 0..63"),
    ("ntop", "bitmapClear", "bits 0..63"),
    ("ntop", "mapScoreToSeverity", "checks.md §1.2"),
    ("ntop", "mapSeverityToScore", "checks.md §1.2"),
    ("ntop", "getFlowAlertScore", "default score of the flow alert type (nDPI 4.2 scores for risk alerts); 0 when unknown"),
    ("ntop", "getFlowAlertRisk", "nDPI risk id of a risk flow alert; 0 for other alert types"),
    ("ntop", "ipToNumber", ""),
    ("ntop", "inet_ntoa", ""),
    ("ntop", "networkPrefix", "IPv4 and IPv6"),
    ("ntop", "ipCmp", "IPv4 sorts before IPv6"),
    ("ntop", "isIPv6", ""),
    // in-memory Lua cache
    ("ntop", "getLuaCache", "a copy of the stored value"),
    ("ntop", "setLuaCache", "booleans, numbers, strings and tables of them; nil deletes; TTL 0 or nil: no expiry"),
    ("ntop", "dumpLuaCache", "`{[key] = value}`"),
    // edition, platform, features: a community build without the optional subsystems
    ("ntop", "isForcedCommunity", "false"),
    ("ntop", "isPro", "false (community build)"),
    ("ntop", "isEnterprise", "false (community build)"),
    ("ntop", "isEnterpriseM", "false (community build)"),
    ("ntop", "isEnterpriseL", "false (community build)"),
    ("ntop", "isEnterpriseXL", "false (community build)"),
    ("ntop", "isEnterpriseXXL", "false (community build)"),
    ("ntop", "isnEdge", "false (community build)"),
    ("ntop", "isnEdgeEnterprise", "false (community build)"),
    ("ntop", "isPackage", "false"),
    ("ntop", "isAppliance", "false"),
    ("ntop", "isIoTBridge", "false"),
    ("ntop", "isWindows", "from the build target"),
    ("ntop", "isFreeBSD", "from the build target"),
    ("ntop", "isLinux", "from the build target"),
    ("ntop", "hasGeoIP", "false: no GeoIP support in this build"),
    ("ntop", "hasRadiusSupport", "false: not in this build"),
    ("ntop", "hasLdapSupport", "false: not in this build"),
    ("ntop", "isPingAvailable", "false: ping is not built yet"),
    ("ntop", "isClickHouseEnabled", "true when the daemon stores flows in ClickHouse (`-F clickhouse`), in any edition"),
    ("ntop", "hasSpeedtestSupport", "false: not in this build"),
    ("ntop", "isNProbeIPSConfigured", "false: not in this build"),
    ("ntop", "isFlowDedupEnabled", "false: not in this build"),
    // users and authentication (ntopng-auth); changes are for administrators, others get false/nil
    ("ntop", "getUsers", "`{[name] = {full_name, group, allowed_nets, allowed_ifname, language, allow_*, totp_enabled}}`; only their own entry for non-administrators"),
    ("ntop", "isPcapDownloadAllowed", "administrators, or the user's allow_pcap_download"),
    ("ntop", "getAllowedNetworks", "`{[cidr] = true}` from `_SESSION.allowed_nets`"),
    ("ntop", "isGuiAccessRestricted", "false: no GUI access list in this build"),
    ("ntop", "getUserObservationPointId", "0: no observation points in this build"),
    ("ntop", "addUser", "argon2id password hash; host_pool, lang and the three permissions optional"),
    ("ntop", "deleteUser", "also revokes the user's token and ends their sessions; `admin` cannot be deleted"),
    ("ntop", "resetUserPassword", "non-administrators: only their own, with the right old password"),
    ("ntop", "changeUserRole", "administrator, unprivileged or captive_portal"),
    ("ntop", "changeAllowedNets", "comma-separated CIDRs, validated; empty means all"),
    ("ntop", "changeAllowedIfname", ""),
    ("ntop", "changeUserHostPool", ""),
    ("ntop", "changeUserFullName", ""),
    ("ntop", "changeUserLanguage", ""),
    ("ntop", "changePcapDownloadPermission", "boolean, or \"1\"/\"true\""),
    ("ntop", "changeHistoricalFlowPermission", "boolean, or \"1\"/\"true\""),
    ("ntop", "changeAlertsPermission", "boolean, or \"1\"/\"true\""),
    ("ntop", "createUserSession", "administrators only; duration in seconds (default 43200)"),
    ("ntop", "createUserAPIToken", "32 hex characters, replaces the previous token; own user or administrator"),
    ("ntop", "getUserAPIToken", "own user or administrator"),
    ("ntop", "generateTOTPSecret", "160 random bits, base32"),
    ("ntop", "setUserTOTPSecret", "own user or administrator; must be base32"),
    ("ntop", "getUserTOTPSecret", "administrators only"),
    ("ntop", "isTOTPEnabled", ""),
    ("ntop", "setUserTOTPEnabled", "own user or administrator"),
    ("ntop", "validateTOTP", "RFC 6238, SHA-1, 6 digits, 30 s steps, one step of drift either way"),
    ("ntop", "getTOTPProvisioningUri", "`otpauth://totp/ntopng:<user>?secret=...`"),
    // interface: selection and identity (over the interface provider, one consistent view per request)
    ("interface", "getIfNames", "`{[\"<ifid>\"] = name}`"),
    ("interface", "getFirstInterfaceId", ""),
    ("interface", "select", "id (number or string) or name; unknown: later calls use the session's or the first interface"),
    ("interface", "getId", ""),
    ("interface", "getName", ""),
    ("interface", "getMasterInterfaceId", "the interface itself (no sub-interfaces)"),
    ("interface", "isValidIfId", "id or name"),
    ("interface", "getMaxIfSpeed", "Mbit/s as ntopng returns it (the seed says bps)"),
    ("interface", "getEndpoint", "the interface name"),
    ("interface", "getIfMac", "`00:00:00:00:00:00` (not known yet)"),
    ("interface", "name2id", "-1 for an unknown name"),
    ("interface", "isPacketInterface", "true"),
    ("interface", "isDiscoverableInterface", "true for live interfaces"),
    ("interface", "isBridgeInterface", "false"),
    ("interface", "isPcapDumpInterface", "true for capture files"),
    ("interface", "isDatabaseViewInterface", "false"),
    ("interface", "isZMQInterface", "false"),
    ("interface", "isView", "false"),
    ("interface", "isViewed", "false"),
    ("interface", "viewedBy", "nil"),
    ("interface", "isLoopback", "true for `lo`"),
    ("interface", "isRunning", ""),
    ("interface", "isIdle", "false"),
    ("interface", "isSubInterface", "false"),
    ("interface", "isSyslogInterface", "false"),
    ("interface", "hasVLANs", "a host with a VLAN tag was seen"),
    ("interface", "hasEBPF", "false"),
    ("interface", "hasExternalAlerts", "false"),
    // interface: statistics
    ("interface", "getAlerts", "this build's alert store query: params_table = the REST alert request (status, epoch_begin/end, start/length, sort/order, `value;op` filters) plus action (list|type_counters|severity_counters|acknowledge|delete) and family (flow|host); returns {status = ok|invalid_args|internal_error, rsp = answer, message = error text}"),
    ("interface", "getStats", "NetworkInterface::lua shape; throughputs 0 (rates not computed yet); num_alerts_engaged = engaged host alerts, other alert counters and score 0; localstats, dscp, tcpPacketStats, bcast_domains and ndpi (all received, as ntopng) from the engine's counters, ended flows included; no copy of the flows"),
    ("interface", "getStatsUpdateFreq", "5"),
    ("interface", "getThroughput", "all 0: rates are not computed yet"),
    ("interface", "getActiveFlowsStats", "`{l4_protocols = {[id] = {count, name}}, ndpi = {[app] = {count, num_flows, id}}, status, dscps, num_flows}`"),
    ("interface", "getScore", "`{score_as_cli, score_as_srv}`: the active flows' client and server scores, summed over the hosts (hosts past the host cap are not counted)"),
    ("interface", "getProtocolFlowsStats", "`{[l4 name] = {id, num_flows, bytes, packets}}` over active flows"),
    ("interface", "getNumHosts", ""),
    ("interface", "getNumLocalHosts", "local, multicast and broadcast hosts, as ntopng counts them"),
    ("interface", "getNumLocalRxOnlyHosts", ""),
    ("interface", "getNumFlows", "active flows"),
    // interface: hosts
    ("interface", "getHostsInfo", "ntopng's positional arguments or a params table; `{hosts = {[key] = ...}, numHosts = N}`; filters on GeoIP/OS/ASN/pool/blacklist/DHCP match only their neutral values"),
    ("interface", "getLocalHostsInfo", "as getHostsInfo"),
    ("interface", "getLocalHostsInfoNoTX", "as getHostsInfo: local hosts that sent nothing"),
    ("interface", "getRemoteHostsInfo", "as getHostsInfo"),
    ("interface", "getRemoteHostsInfoNoTX", "as getHostsInfo: remote hosts that sent nothing"),
    ("interface", "getBroadcastDomainHostsInfo", "as getHostsInfo; the hosts inside a broadcast domain the engine saw (ARP, IPv4 broadcast)"),
    ("interface", "getBroadcastMulticastHostsInfo", "as getHostsInfo"),
    ("interface", "getPublicHostsInfo", "as getHostsInfo: non-private addresses"),
    ("interface", "getInterfaceHosts", "array of host tables"),
    ("interface", "getBatchedHostsInfo", "`{hosts, nextSlot}` (nextSlot absent at the end)"),
    ("interface", "getBatchedLocalHostsInfo", "`{hosts, nextSlot}`"),
    ("interface", "getBatchedRemoteHostsInfo", "`{hosts, nextSlot}`"),
    ("interface", "isHostActive", ""),
    ("interface", "getHostInfo", "Host::lua with details, nil for an unknown host; ndpi, ndpi_categories and dscp from the engine's host tables (ended flows included); per-L4 counters, contacts, ports and tcpPacketStats from the active flows"),
    ("interface", "getHostMinInfo", "the list form of Host::lua"),
    ("interface", "findHost", "the list form of Host::lua, or nil"),
    ("interface", "findHostByMac", "the list form of Host::lua, or nil"),
    ("interface", "getnDPIHostStats", "`{ndpi, ndpi_categories}` or nil"),
    // interface: flows
    ("interface", "getFlowsInfo", "`(host, pageinfo)` or a params table; `{numFlows = N, flows = {...}}`; sorted and paged before conversion; hash_entry_id, per-direction TCP issues and DSCP are the engine's"),
    ("interface", "getFlowsStats", "as getActiveFlowsStats"),
    ("interface", "findFlowByKeyAndHashId", "matches on the key and, when given, the hash entry id"),
    ("interface", "findFlowByTuple", "either direction; nil when absent"),
    ("interface", "getFlowKey", "ntopng's symmetric flow key"),
    // interface: stored flows (bindings/flowdb.rs)
    ("interface", "execSQLQuery", "`-F sqlite` only; takes a table `{kind = \"flows\"|\"topk\", ifid, begin, end, <clauses of get/db/flows.lua or topk_flows.lua>}`, never raw SQL (a string is refused): the clauses are parsed against the flows table's columns and a few functions; returns an array of `{[column] = \"value\"}`; raises `invalid query: <why>` or `query failed: <why>`"),
    // interface: MACs
    ("interface", "getActiveMacs", "array of MAC strings"),
    ("interface", "getMacsInfo", "params table or `(sortColumn, perPage, toSkip, a2z, sourceMacsOnly)`; `{numMacs, macs = {...}}`"),
    ("interface", "isMacActive", ""),
    ("interface", "getMacInfo", "Mac::lua or nil; manufacturer and device type not known yet"),
    ("interface", "getMacHosts", "`{[hostkey] = host}`"),
    ("interface", "isMulticastMac", ""),
    // interface: nDPI
    ("interface", "getnDPIProtocols", "`{[name] = \"<id>\"}` (ids as strings, as ntopng)"),
    ("interface", "getnDPICategories", "`{[name] = id}`"),
    ("interface", "getnDPIProtoName", ""),
    ("interface", "getnDPIFullProtoName", "the protocol's name"),
    ("interface", "getnDPIProtoId", "-1 for an unknown name"),
    ("interface", "getnDPICategoryId", "-1 for an unknown name"),
    ("interface", "getnDPICategoryName", ""),
    ("interface", "getnDPIProtoBreed", ""),
    ("interface", "getnDPIFlowsCount", "`{[app] = active flows}`"),
    ("interface", "getnDPIStats", "`{ndpi, ndpi_categories}` of the interface (from the counters; durations 0) or of a host (nil if unknown)"),
    // interface: networks, VLANs
    ("interface", "getNetworksStats", "`{[cidr] = stats}`; ingress/egress/inner bytes from the active flows"),
    ("interface", "getNetworkStats", "the network's stats, nil for an unknown id"),
    ("interface", "getVLANsList", "array of VLAN ids (tagged traffic only)"),
    ("interface", "getVLANsInfo", "`{VLANs = {...}, numVLANs = N}`"),
    ("interface", "getVLANInfo", "nil for a VLAN not seen"),
    // network
    ("network", "select", "a local network id of the selected interface; nil or unknown deselects"),
    ("network", "checkContext", "CIDR of a local network of the selected interface"),
    ("network", "getNetworkStats", "as interface.getNetworkStats; nil when none selected"),
    ("network", "resetTrafficBetweenNets", "no-op (Pro feature, as in the community edition)"),
    ("network", "getCachedAlertValue", "\"\" when not set; in memory, per interface, network and periodicity"),
    ("network", "setCachedAlertValue", "kept two days"),
    ("network", "storeTriggeredAlert", "network check scripts only: engages the alert (alert_type: an alert_consts type or id; alert_severity: a severity or id, else from alert_score; alert_subtype; alert_type_params → json) until released"),
    ("network", "releaseTriggeredAlert", "network check scripts only: releases the engaged alert of the same type and subtype, which is then stored"),
    ("network", "getAlerts", "network_alerts of the selected interface: params_table = the REST alert request (status, epoch_begin/end, start/length, ...), filtered to the selected network; `{status, rsp, message}` as interface.getAlerts"),
    // flow: the flow a flow check runs on (lua_engine.md §6)
    ("flow", "cli", ""),
    ("flow", "cli_port", ""),
    ("flow", "srv", ""),
    ("flow", "srv_port", ""),
    ("flow", "protocol", ""),
    ("flow", "vlan_id", ""),
    ("flow", "is_oneway", "no packet yet in one of the directions"),
    ("flow", "is_unicast", ""),
    ("flow", "cli2srv_bytes", ""),
    ("flow", "srv2cli_bytes", ""),
    ("flow", "bytes", ""),
    ("flow", "l7_master_proto", ""),
    ("flow", "l7_proto", ""),
    ("flow", "l7_proto_name", ""),
    ("flow", "http", "`protos.http.server_name` (the Host nDPI saw); methods, URLs and return codes are not extracted yet"),
    ("flow", "dns", "`protos.dns.last_query`; query types and return codes are not extracted yet"),
    ("flow", "ssh", "an empty table: SSH signatures are not extracted yet"),
    ("flow", "tls_quic", "`protos.tls.client_requested_server_name` (the SNI); certificates and JA4 are not extracted yet"),
    ("flow", "direction", "from the interface's local networks"),
    ("flow", "triggerAlert", "flow_alert_custom_lua_script (87) with the script's score and message"),
    // host: the host a host check runs on
    ("host", "ip", ""),
    ("host", "mac", ""),
    ("host", "name", "the address (no name resolution in check context)"),
    ("host", "vlan_id", ""),
    ("host", "is_local", ""),
    ("host", "is_unicast", ""),
    ("host", "is_multicast", ""),
    ("host", "is_broadcast", ""),
    ("host", "is_blacklisted", "false: no blacklists are loaded yet"),
    ("host", "is_rx_only", ""),
    ("host", "bytes", ""),
    ("host", "bytes_sent", ""),
    ("host", "bytes_rcvd", ""),
    ("host", "l7", "`{[name] = {bytes_sent, bytes_rcvd, flows}}`"),
    ("host", "score", ""),
    ("host", "getNumContactedPeersAsClientTCPUDPNoTX", "from the host's active TCP/UDP flows with no server packet"),
    ("host", "getNumContactsFromPeersAsServerTCPUDPNoTX", "from the active flows"),
    ("host", "getNumContactedTCPUDPServerPortsNoTX", "from the active flows"),
    ("host", "getUnidirectionalTCPUDPFlowsStats", "`{as_client, as_server}`: unanswered active flows"),
    ("host", "resetHostContacts", "later runs count from the contacts seen at the reset"),
    ("host", "isFirstCheckRun", "the host's first periodic run"),
    ("host", "skipVisitedHost", "skip (until the epoch) or no longer skip the host in later runs"),
    ("host", "triggerAlert", "host_alert_custom_lua_script (24), engaged while the script keeps triggering it"),
];

/// Why a function of `ns` in seed section `section` is not there yet.
fn reason(ns: &str, name: &str, section: &str) -> &'static str {
    match ns {
        "interface" => return interface_reason(name, section),
        "network" | "flow" | "host" => return "not bound yet",
        _ => {}
    }
    match name {
        "execCmd" | "execCmdAsync" | "readResultCmdAsync" => {
            return "running shell commands from scripts is outside the sandbox";
        }
        "serviceRestart" | "shutdown" | "setOffline" | "setOnline" | "isOffline" | "isForcedOffline" => {
            return "needs the daemon's run control"
        }
        "threadsInfo" => return "the daemon's threads are not registered anywhere scripts could list them",
        "getAllPaths" => return "recursive listing is not needed by the scripts shipped; readdir covers one level",
        "resetStats" => return "resetting engine counters from scripts is not supported yet",
        "getSystemAlertsStats" | "popInternalAlerts" => return "the alert store is not built yet",
        "limitResourcesUsage" => return "no per-thread throttling: VMs run under instruction and time budgets",
        "getDropPoolInfo" | "listReports" => return "host pools and reports are not in this community build",
        "setDefaultFilePermissions" => return "files created by scripts take the daemon's umask",
        "checkNetworkPolicy" | "reloadNetworksPolicyConfiguration" => {
            return "networks policy is a Pro feature, not in this community build"
        }
        "publish" | "rpcCall" | "sendKafkaMessage" | "speedtest" => return "Pro feature, not in this community build",
        "sendMail" => return "the SMTP client is not built yet",
        "getMac64" | "decodeMac64" => {
            return "the seed (EUI-64 text) and ntopng (64-bit integer) disagree on the value; pending a decision";
        }
        "getLicenseLimits" | "checkLicense" => return "no license handling in this community build",
        "isLoginDisabled" => return "the login mode is the HTTP server's; scripts see `_SESSION.user == \"nologin\"`",
        "isLoginBlacklisted" => return "the lockout is per client address (ntopng.cache.failed_logins.<ip>), not per user",
        "getAllowedHostPools" | "changeAllowedHostPools" => return "host pools are not built yet",
        _ => {}
    }
    match section {
        "User Management & Authentication" | "MFA / TOTP" => "user management comes with authentication",
        "Historical Statistics (SQLite)" => "the historical statistics store is not built yet",
        "RRD" => "RRD timeseries are not built yet",
        "Alerts" => "the alert store is not built yet",
        "Recipient Queues" => "alert notification recipients are not built yet",
        "nDPI / Protocol Classification" | "Custom Categories & nDPI Reload" => {
            "needs the nDPI engine bindings; comes with the interface bindings"
        }
        "SNMP" => "SNMP is not in this community build",
        "Ping" => "active monitoring (ping) is not built yet",
        "Traffic Recording & Extraction" => "traffic recording is not in this build",
        "IPS / nEdge" => "IPS and nEdge are not in this community build",
        "ZMQ" => "ZMQ flow collection is not built yet",
        "UDP / TCP Send" => "sockets from scripts are not built yet",
        "ASN & Geolocation" => "GeoIP/ASN databases are not supported yet",
        "Privilege Management" => "comes with the daemon's privilege drop",
        "Flow / Host Checks & Risks" => "the checks framework is not wired yet",
        _ => "needs engine state not exposed to Lua yet",
    }
}

/// Why an `interface.*` function is not there yet.
fn interface_reason(name: &str, section: &str) -> &'static str {
    match name {
        "getSecsToFirstData"
        | "getHashTablesStats"
        | "getPeriodicActivitiesStats"
        | "getQueuesStats"
        | "setPeriodicActivityProgress" => return "the daemon's internals statistics are not exposed yet",
        "getLocalHostsInfoNoTXTCP" | "getRemoteHostsInfoNoTXTCP" | "getRxOnlyHostsList" | "getBatchedLocalHostsTs" => {
            return "needs per-host TCP counters the engine does not keep yet"
        }
        "getHostCountry" | "getLiveASNStats" | "getAddressInfo" => return "GeoIP/ASN databases are not supported yet",
        "getAnomalies" | "getFlowsStatus" => return "the checks framework is not wired yet",
        "getVLANFlowsStats"
        | "getGroupedFlows"
        | "getBatchedFlowsInfo"
        | "getLocalServerPorts"
        | "listHTTPhosts"
        | "getHostsByPort"
        | "getHostsByService"
        | "getHostsPorts"
        | "getHostAttributes" => return "not implemented yet over the engine state",
        "findPidFlows" | "findNameFlows" => return "process information needs eBPF events",
        "getMacManufacturers" | "getMacDeviceTypes" | "getBatchedMacsInfo" => {
            return "MAC manufacturers and device types are not known yet"
        }
        "resetCounters"
        | "resetBroadcastDomains"
        | "setInterfaceIdleState"
        | "updateDirectionStats"
        | "updateTopSites"
        | "incSyslogStats"
        | "appendMacEvent"
        | "resetMacStats"
        | "deleteMacData"
        | "dumpnDPIProtocolId"
        | "dumpnDPICategoryId"
        | "addMacsIpAddresses" => return "changing engine state from scripts is not supported yet",
        "findMacPool" | "findMemberPool" => return "host pools are not built yet",
        "getAllZMQFlowFieldDescr" | "getZMQFlowFieldDescr" | "processFlow" => {
            return "ZMQ flow collection is not built yet"
        }
        "dropFlowTraffic" | "dropMultipleFlowsTraffic" => return "IPS and nEdge are not in this community build",
        _ => {}
    }
    match section {
        "Host Information" => "changing engine state from scripts is not supported yet",
        "Alerts" => "the alert store is not built yet",
        "SNMP & Flow Devices" => "SNMP and flow collection are not in this community build",
        "Host Pools & Quotas" => "host pools are not built yet",
        "Network / AS / VLAN / Country Statistics" => {
            "GeoIP/ASN databases and observation points are not supported yet"
        }
        "Service & Periodicity Maps" => "behaviour analysis is a Pro feature, not in this community build",
        "ACL Management" => "interface ACLs are not built yet",
        "Network Discovery (mDNS / ARP / Ping)" => "active network discovery is not built yet",
        "Live Capture & PCAP" => "live capture to pcap is not built yet",
        "RRD Queue" => "RRD timeseries are not built yet",
        "ClickHouse" => "ClickHouse is not in this community build",
        "sFlow" => "sFlow collection is not built yet",
        "eBPF / Containers" => "eBPF process and container events are not collected yet",
        "nEdge / L7 Shaping & Policy" | "RADIUS Accounting (nEdge)" => "nEdge is not in this community build",
        _ => "not implemented yet over the engine state",
    }
}

/// The status of `ns.name` (`None` if the seeds do not list it).
pub fn status(ns: &str, name: &str) -> Option<ApiStatus> {
    registry().into_iter().find(|e| e.ns == ns && e.name == name).map(|e| e.status)
}

/// Every seed function with its status, in the seeds' order.
pub fn registry() -> Vec<ApiEntry> {
    SEED_API
        .iter()
        .map(|f| {
            let implemented = IMPLEMENTED.iter().find(|(ns, name, _)| *ns == f.ns && *name == f.name);
            ApiEntry {
                ns: f.ns,
                name: f.name,
                section: f.section,
                call: f.call,
                status: match implemented {
                    Some(_) => ApiStatus::Implemented,
                    None => ApiStatus::Unsupported(reason(f.ns, f.name, f.section)),
                },
                note: implemented.map(|(_, _, n)| *n).unwrap_or(""),
            }
        })
        .collect()
}

/// `(namespace, implemented, unsupported)` counts.
pub fn counts() -> Vec<(&'static str, usize, usize)> {
    let reg = registry();
    NAMESPACES
        .iter()
        .map(|ns| {
            let all: Vec<_> = reg.iter().filter(|e| e.ns == *ns).collect();
            let implemented = all.iter().filter(|e| e.status == ApiStatus::Implemented).count();
            (*ns, implemented, all.len() - implemented)
        })
        .collect()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The text of `doc/lua-api-coverage.md`.
pub fn coverage_markdown() -> String {
    let reg = registry();
    let mut out = String::new();
    out.push_str("# Lua API coverage\n\n");
    out.push_str(
        "Generated from the registry of `ntopng-user/lua` (`src/registry.rs`) against the function lists of the Lua API\n\
         seeds (`shared/seeds/00[0-4]*.md`; `flow.*` from `reference/ntopng/lua_engine.md` §6). Do not edit: regenerate\n\
         with `UPDATE_COVERAGE=1 cargo test -p ntopng-lua --release --test coverage`.\n\n\
         Every function listed here is registered in every VM. An unsupported one raises\n\
         `<ns>.<name>: not supported by this build yet (<reason>)` when called; none returns a silent nil.\n\n",
    );
    out.push_str("| namespace | in ntopng (seed 001) | documented in the seeds | implemented | unsupported |\n");
    out.push_str("|---|---:|---:|---:|---:|\n");
    let (mut t_master, mut t_doc, mut t_impl, mut t_uns) = (0, 0, 0, 0);
    for (ns, implemented, unsupported) in counts() {
        let master = MASTER_COUNTS.iter().find(|(n, _)| *n == ns).map(|(_, c)| *c).unwrap_or(0);
        out.push_str(&format!(
            "| `{ns}.*` | {master} | {} | {implemented} | {unsupported} |\n",
            implemented + unsupported
        ));
        t_master += master;
        t_doc += implemented + unsupported;
        t_impl += implemented;
        t_uns += unsupported;
    }
    out.push_str(&format!("| total | {t_master} | {t_doc} | {t_impl} | {t_uns} |\n\n"));
    out.push_str(
        "The master overview counts the entries of ntopng's C registration tables; the seed documents list fewer\n\
         distinct functions (a few appear in two sections of a seed and are counted once here). Functions that\n\
         ntopng registers but the seeds do not document are not registered here.\n\n",
    );
    for ns in NAMESPACES {
        out.push_str(&format!("## `{ns}.*`\n\n| function | status | section | notes / reason |\n|---|---|---|---|\n"));
        for e in reg.iter().filter(|e| e.ns == ns) {
            let (status, text) = match e.status {
                ApiStatus::Implemented => ("implemented", e.note),
                ApiStatus::Unsupported(r) => ("unsupported", r),
            };
            out.push_str(&format!(
                "| `{}` | {status} | {} | {} |\n",
                md_cell(e.call),
                md_cell(e.section),
                md_cell(text)
            ));
        }
        out.push('\n');
    }
    out.push_str("## Extensions\n\nFunctions of this build that ntopng does not have.\n\n| function | what |\n|---|---|\n");
    for x in EXTENSIONS {
        out.push_str(&format!("| `{}` | {} |\n", md_cell(x.call), md_cell(x.what)));
    }
    out.push('\n');
    out
}
