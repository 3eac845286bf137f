--
-- (ntopng-lua) REST API v2 endpoint, written for this project from shared/reference/ntopng/rest_v2.md.
--
local dirs = ntop.getDirs()
package.path = dirs.installdir .. "/scripts/lua/modules/?.lua;" .. package.path

require "lua_utils"
local rest_utils = require("rest_utils")

-- Interface counters (§4.3). `ifid` (required unless iffilter=all), `iffilter=all` (an object keyed by ifid),
-- `type=summary` (the brief variant). Fields the engine does not provide yet keep their type's neutral value.

local function tbl(v) if type(v) == "table" then return v end return {} end
local function num(v) return tonumber(v) or 0 end

-- floor(1 + 100 * current / max), 1 when there is no maximum
local function pctg(current, max)
  max = tonumber(max) or 0
  if max <= 0 then return 1 end
  return math.floor(1 + 100 * num(current) / max)
end

-- Optional information: a binding this build lacks leaves the neutral value.
local function optional(f, ...)
  local ok, v = pcall(f, ...)
  if ok then return v end
  return nil
end

local prefs = tbl(optional(ntop.getPrefs))

local function system_host_stats()
  local res = {
    cpu_load = 0,
    cpu_states = { user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
                   guest = 0, guest_nice = 0 },
    mem_total = 0, mem_free = 0, mem_buffers = 0, mem_cached = 0, mem_sreclaimable = 0, mem_shmem = 0,
    mem_used = 0, mem_ntopng_resident = 0, mem_ntopng_virtual = 0,
    alerts_queries = 0, written_alerts = 0, dropped_alerts = 0,
  }
  for k, v in pairs(tbl(optional(ntop.systemHostStat))) do res[k] = v end
  return res
end
local is_admin = isAdministrator()

local function localtime(epoch)
  return os.date("%H:%M:%S %z", epoch)
end

local function common(ifid_param, ifstats, res)
  local stats = tbl(ifstats.stats)
  res.ifid = ifid_param
  res.ifname = ifstats.name or ""
  res.drops = num(stats.drops)
  res.throughput_bps = num(stats.throughput_bps)
  res.throughput_pps = num(stats.throughput_pps)
  res.engaged_alerts = num(ifstats.num_alerts_engaged)
  local engaged = tbl(ifstats.num_alerts_engaged_by_severity)
  res.engaged_alerts_notice = num(engaged.notice)
  res.engaged_alerts_warning = num(engaged.warning)
  res.engaged_alerts_error = num(engaged.error)
  res.alerted_flows = num(ifstats.num_alerted_flows)
  res.alerted_flows_notice = num(ifstats.num_alerted_flows_notice)
  res.alerted_flows_warning = num(ifstats.num_alerted_flows_warning)
  res.alerted_flows_error = num(ifstats.num_alerted_flows_error)
  res.num_flows = num(stats.flows)
  res.num_hosts = num(stats.hosts)
  res.num_local_hosts = num(stats.local_hosts)
  res.num_devices = num(stats.devices)
  res.num_rcvd_only_hosts = num(stats.hosts_rcvd_only)
  res.num_local_rcvd_only_hosts = num(stats.local_rcvd_only_hosts)
  res.uptime = secondsToTime(ntop.getUptime())
  res.hosts_pctg = pctg(stats.hosts, prefs.max_num_hosts)
  res.flows_pctg = pctg(stats.flows, prefs.max_num_flows)
  res.macs_pctg = pctg(stats.current_macs, prefs.max_num_macs)
  if is_admin then res.num_live_captures = num(stats.num_live_captures) end
  res.active_discovery_active =
    (ntop.getCache("ntopng.prefs.is_periodic_network_discovery_running.ifid_" .. tostring(ifstats.id)) == "1")
  if ifstats.isLoading then res.is_loading = true end
end

local function full(ifid_param, ifstats)
  local res = {}
  common(ifid_param, ifstats, res)
  local stats = tbl(ifstats.stats)
  local since_reset = tbl(ifstats.stats_since_reset)
  local eth = tbl(ifstats.eth)
  local ingress, egress = tbl(eth.ingress), tbl(eth.egress)
  local localstats = tbl(tbl(ifstats.localstats).bytes)
  local tcp = tbl(ifstats.tcpPacketStats)
  local now = os.time()

  res.speed = num(ifstats.speed)
  res.periodic_stats_update_frequency_secs = num(ifstats.periodic_stats_update_frequency_secs or 5)
  res.packets = num(since_reset.packets or stats.packets)
  res.bytes = num(since_reset.bytes or stats.bytes)
  res.tot_nprobe_pkts = 0
  res.tot_pkt_drops = 0
  res.dropped_alerts = num(ifstats.num_dropped_alerts)
  res.host_dropped_alerts = num(ifstats.num_host_dropped_alerts)
  res.flow_dropped_alerts = num(ifstats.num_flow_dropped_alerts)
  res.other_dropped_alerts = num(ifstats.num_other_dropped_alerts)
  res.epoch = now
  res.localtime = localtime(now)
  res.system_host_stats = system_host_stats()
  res.remote_pps = num(ifstats.remote_pps)
  res.remote_bps = num(ifstats.remote_bps)
  res.is_view = ifstats.isView and true or false
  res.local2remote = num(localstats.local2remote)
  res.remote2local = num(localstats.remote2local)
  res.bytes_upload = num(egress.bytes)
  res.bytes_download = num(ingress.bytes)
  res.packets_upload = num(egress.packets)
  res.packets_download = num(ingress.packets)
  res.bytes_upload_since_reset = num(ifstats.traffic_sent_since_reset or egress.bytes)
  res.bytes_download_since_reset = num(ifstats.traffic_rcvd_since_reset or ingress.bytes)
  res.packets_upload_since_reset = num(ifstats.packets_sent_since_reset or egress.packets)
  res.packets_download_since_reset = num(ifstats.packets_rcvd_since_reset or ingress.packets)
  local anomalies = tbl(ifstats.anomalies)
  res.num_local_hosts_anomalies = num(anomalies.num_local_hosts_anomalies)
  res.num_remote_hosts_anomalies = num(anomalies.num_remote_hosts_anomalies)
  local in_thpt, out_thpt = tbl(ingress.throughput), tbl(egress.throughput)
  res.throughput = {
    download = { bps = num(in_thpt.bps), pps = num(in_thpt.pps) },
    upload = { bps = num(out_thpt.bps), pps = num(out_thpt.pps) },
  }
  -- Recent throughput samples for the GUI chart: not kept yet, 30 zero samples as for a pcap file.
  local zeros_down, zeros_up = {}, {}
  for i = 1, 30 do zeros_down[i] = 0; zeros_up[i] = 0 end
  res.download_upload_chart = { download = zeros_down, upload = zeros_up }
  res.tcpPacketStats = {
    retransmissions = num(tcp.retransmissions),
    out_of_order = num(tcp.out_of_order),
    lost = num(tcp.lost),
  }
  res.profiles = tbl(ifstats.profiles)
  if ifstats.degraded_performance then res.degraded_performance = true end
  return res
end

local function summary(ifid_param, ifstats)
  local res = {}
  common(ifid_param, ifstats, res)
  res.localtime = localtime(os.time())
  local eth = tbl(ifstats.eth)
  res.throughput = {
    download = num(tbl(tbl(eth.ingress).throughput).bps),
    upload = num(tbl(tbl(eth.egress).throughput).bps),
  }
  return res
end

local builder = (_GET["type"] == "summary") and summary or full

if _GET["iffilter"] == "all" then
  local res = {}
  for id, ifname in pairs(interface.getIfNames()) do
    if ntop.isAllowedInterface(ifname) then
      interface.select(tostring(id))
      res[tostring(id)] = builder(tostring(id), interface.getStats())
    end
  end
  rest_utils.answer(rest_utils.consts.success.ok, res)
  return
end

local ifid = rest_utils.ifid_or_answer(_GET)
if not ifid then return end

interface.select(ifid)
rest_utils.answer(rest_utils.consts.success.ok, builder(ifid, interface.getStats()))
