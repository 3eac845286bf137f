//! The per-core loop body: one decoded frame in, flows, hosts, MACs and counters updated.
//! A worker owns its shard outright: nothing here takes a lock, and nothing allocates per
//! packet (only per new flow, host or MAC).

use crate::bcast_domains::BcastDomains;
use crate::config::{EngineConfig, LOCAL_HOST_IDLE_NS, PURGE_FRACTION, PURGE_PERIOD_NS, REMOTE_HOST_IDLE_NS};
use crate::flow::{marks, tcp_flags, Counters, Detection, Flow, FlowScore, NONE};
use crate::host_counters::{PacketRates, ServerContacts, ServerKind, SynKind};
use crate::flow_key::{FlowKey, Side};
use crate::offload::FlowOffload;
use crate::flow_table::FlowTable;
use crate::host::{HostKey, HostTable};
use crate::iface::IfaceCounters;
use crate::mac::MacTable;
use crate::alert_tap::{AlertTap, FlowEventKind};
use crate::sink::{EndReason, FlowRecord, SinkQueue, BATCH};
use crate::tcp_seq::SeqIssue;
use hashbrown::HashMap;
use ndpi::{Detector, Dissection, Verdict};
use ntopng_capture::Frame;
use ntopng_wire::{ether::ethertype, ipproto, Decoded, PacketInfo};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

/// State shared by the workers of one interface: the configuration and the interface-wide
/// flow and host counts behind the caps (touched once per new or ended entry, never per packet).
pub struct Shared {
    pub cfg: EngineConfig,
    pub flows: AtomicUsize,
    pub hosts: AtomicUsize,
    /// The next flow's number on the interface (ntopng's `hash_id`, from 0 in creation order);
    /// taken once per new flow.
    pub next_flow_id: AtomicU32,
}

impl Shared {
    pub fn new(cfg: EngineConfig) -> Arc<Shared> {
        Arc::new(Shared {
            cfg,
            flows: AtomicUsize::new(0),
            hosts: AtomicUsize::new(0),
            next_flow_id: AtomicU32::new(0),
        })
    }

    fn admit(counter: &AtomicUsize, cap: usize) -> bool {
        counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| (n < cap).then_some(n + 1)).is_ok()
    }
}

/// Per-protocol totals of a set of flows (ndpiReader's summary lines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct L7Totals {
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
}

impl L7Totals {
    pub fn add_flow(&mut self, f: &Flow) {
        self.packets += f.packets();
        self.bytes += f.bytes();
        self.flows += 1;
    }
    pub fn merge(&mut self, o: &L7Totals) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.flows += o.flows;
    }
}

/// What a worker owns.
#[derive(Default)]
pub struct WorkerState {
    pub flows: FlowTable,
    pub hosts: HostTable,
    pub macs: MacTable,
    pub iface: IfaceCounters,
    /// L7 totals of flows that have ended (live flows are added on read).
    pub l7_ended: HashMap<u16, L7Totals>,
    pub bcast_domains: BcastDomains,
}

pub struct Worker {
    pub id: usize,
    detector: Option<Detector>,
    pub state: WorkerState,
    shared: Arc<Shared>,
    sink: Option<SinkQueue>,
    ended: Vec<FlowRecord>,
    next_purge_ns: u64,
    offload: Option<Arc<dyn FlowOffload>>,
    /// Latest packet time seen (the clock of a capture file).
    pub last_packet_ns: u64,
    /// Packet time at which the open packet-time bucket closes (`u64::MAX`: not sampling).
    pub(crate) step_close_ns: u64,
    pub(crate) sampler: Option<Box<crate::step_samples::Sampler>>,
    /// When each flow's periodic event is due (empty while nobody wants periodic events).
    periodic: crate::periodic::PeriodicMarks,
    /// The worker's clock is the wall clock (live capture): the idle purge also hands out periodic flow
    /// events. A capture file's packet time does not (ntopng's periodic walk is on the wall clock).
    pub(crate) wall_clock: bool,
}

impl Worker {
    pub fn new(id: usize, shared: Arc<Shared>, sink: Option<SinkQueue>) -> Result<Worker, ndpi::DetectorError> {
        let detector = shared.cfg.ndpi.as_ref().map(Detector::new).transpose()?;
        Ok(Worker {
            id,
            detector,
            state: WorkerState::default(),
            shared,
            sink,
            ended: Vec::new(),
            next_purge_ns: 0,
            offload: None,
            last_packet_ns: 0,
            step_close_ns: u64::MAX,
            sampler: None,
            periodic: Default::default(),
            wall_clock: false,
        })
    }

    /// Lets classified flows be handed to the kernel (XDP bypass).
    pub fn with_offload(mut self, offload: Arc<dyn FlowOffload>) -> Worker {
        self.offload = Some(offload);
        self
    }

    /// Accounts one frame that the decoder has already looked at.
    #[inline]
    pub fn process(&mut self, frame: &Frame<'_>, decoded: &Decoded) {
        let now = frame.ts_ns;
        if now > self.last_packet_ns {
            self.last_packet_ns = now;
        }
        // Packet-time samples (capture files with timeseries): the open second closes before this
        // packet is counted. One comparison per packet; u64::MAX when not sampling.
        if now >= self.step_close_ns {
            self.close_step(now);
        }
        // Bytes are captured bytes, as ndpiReader counts them (equal to the wire length on
        // live capture; smaller only for snaplen-cut capture files). The wire total is kept too.
        // Purge before accounting, so a packet arriving after the idle timeout opens a new flow.
        self.tick(now);
        let len = frame.caplen();
        self.state.iface.total.add(len);
        self.state.iface.wire_bytes += frame.wire_len as u64;
        match decoded {
            Decoded::Dropped(reason) => self.state.iface.decode_drops[reason.index()] += 1,
            Decoded::NonIp(n) => {
                let st = &mut self.state;
                st.iface.non_ip.add(len);
                if n.ethertype == ethertype::ARP {
                    st.iface.arp.add(len);
                    // Sender and target protocol addresses (IPv4 over Ethernet ARP); ntopng
                    // wants a whole Ethernet + ARP header in the captured bytes.
                    let a = n.payload_offset;
                    if frame.data.len() >= 14 + 28 && frame.data.len() >= a + 28 {
                        let ip = |at: usize| u32::from_be_bytes(frame.data[at..at + 4].try_into().expect("4 bytes"));
                        st.bcast_domains.arp(ip(a + 14), ip(a + 24));
                    }
                }
                let s = st.macs.find_or_insert(n.src_mac, now);
                if let Some(m) = st.macs.get_mut(s) {
                    m.sent.add(len);
                    m.last_seen_ns = now;
                }
                let d = st.macs.find_or_insert(n.dst_mac, now);
                if let Some(m) = st.macs.get_mut(d) {
                    m.rcvd.add(len);
                    m.last_seen_ns = now;
                }
            }
            Decoded::Ip(p) => self.account_ip(frame, p, now, len),
        }
    }

    /// Wall-clock housekeeping for live capture while no packet arrives: idle flows still end.
    pub fn tick(&mut self, now: u64) {
        if self.shared.cfg.purge_idle && now >= self.next_purge_ns {
            if self.next_purge_ns != 0 {
                self.purge_idle(now);
            }
            self.next_purge_ns = now + PURGE_PERIOD_NS;
        }
    }

    fn account_ip(&mut self, frame: &Frame<'_>, p: &PacketInfo, now: u64, len: u32) {
        let iface = &mut self.state.iface;
        iface.ip.add(len);
        if p.ip_version == 4 {
            iface.ipv4.add(len);
        } else {
            iface.ipv6.add(len);
        }
        iface.l4[p.l4_proto as usize].add(len);
        iface.dscp[(p.dscp & 63) as usize].add(len);
        // IPv4 to the Ethernet broadcast address: both ends share the link (broadcast domains).
        if p.dst_mac == [0xff; 6] && p.ip_version == 4 {
            let v4 = |a: &ntopng_wire::Addr| u32::from_be_bytes([a.0[12], a.0[13], a.0[14], a.0[15]]);
            self.state.bcast_domains.arp(v4(&p.src), v4(&p.dst));
        }

        let (key, side) = FlowKey::of(p);
        let found = self.state.flows.find(&key).filter(|&s| {
            // Where flows can end (live capture, --pcap-file-purge-flows), a new SYN on a
            // connection that was closed (FINs both ways, or RST) is a new connection reusing the
            // ports: end the old flow and start another. Capture files keep one flow, as ndpiReader.
            let syn_only = p.tcp_flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
            let reused = syn_only && self.shared.cfg.purge_idle && self.state.flows.get(s).is_some_and(Flow::tcp_closed);
            !reused || {
                self.end_flow(s, EndReason::TcpClosed);
                false
            }
        });
        let slot = match found {
            Some(s) => s,
            None => match self.new_flow(key, side, p, now) {
                Some(s) => s,
                None => {
                    self.state.iface.flow_overflow += 1;
                    return;
                }
            },
        };
        let WorkerState { flows, hosts, macs, iface, .. } = &mut self.state;
        let flow = flows.get_mut(slot);
        let mut from_client = side == flow.client;
        // ntopng's pending swap, tried at every packet after the first (its flow lookup does it): it
        // happens once the protocol is known (ntopng does not swap a flow whose protocol is still
        // unknown), and the packet is taken as client-to-server either way. test_01.pcap's published
        // figures show both: a 2-packet flow answered before its protocol was known keeps the answer
        // in cli2srv and its original client.
        let retry_swap = flow.swap_pending && flow.packets() > 0;
        if retry_swap {
            from_client = true;
        }
        if retry_swap && flow.protocol_known() {
            // ntopng sorts the local/remote traffic of a flow by its current client and server:
            // what was counted before the swap moves with them.
            let was_local = |slot| hosts.get(slot).is_some_and(|h| h.local);
            let (a, b) = (was_local(flow.cli_host), was_local(flow.srv_host));
            iface.localstats.sub(a, b, &flow.cli2srv);
            iface.localstats.add(b, a, &flow.cli2srv);
            iface.localstats.sub(b, a, &flow.srv2cli);
            iface.localstats.add(a, b, &flow.srv2cli);
            unscore_hosts(hosts, flow);
            flow.swap();
            score_hosts(hosts, flow);
            if let Some(h) = hosts.get_mut(flow.cli_host) {
                h.active_flows_as_server -= 1;
                h.active_flows_as_client += 1;
                h.total_flows_as_server -= 1;
                h.total_flows_as_client += 1;
            }
            if let Some(h) = hosts.get_mut(flow.srv_host) {
                h.active_flows_as_client -= 1;
                h.active_flows_as_server += 1;
                h.total_flows_as_client -= 1;
                h.total_flows_as_server += 1;
            }
        }
        // A TCP zero window not announced by a RST or FIN segment (ntopng's zero_tcp_window); a header
        // cut short (no flags, no window read) does not count.
        let zw = p.tcp_window == 0 && p.tcp_flags != 0 && p.tcp_flags & (tcp_flags::RST | tcp_flags::FIN) == 0;
        if zw && p.l4_proto == ipproto::TCP {
            flow.marks |= if from_client { marks::ZERO_WINDOW_CLI2SRV } else { marks::ZERO_WINDOW_SRV2CLI };
        }
        let syn = SynKind::of(p.l4_proto, p.tcp_flags);
        // The server's first SYN-ACK in a flow its client opened with a SYN: the handshake is answered.
        let answered = syn == SynKind::SynAck
            && !from_client
            && flow.srv2cli_flags & tcp_flags::SYN == 0
            && flow.cli2srv_flags & tcp_flags::SYN != 0;
        let (dir, flags, dscp, seq, sender, receiver, smac, rmac) = if from_client {
            let f = &mut *flow;
            f.cli2srv_goodput += p.payload_len as u64;
            (&mut f.cli2srv, &mut f.cli2srv_flags, &mut f.cli2srv_dscp, &mut f.cli2srv_seq, f.cli_host, f.srv_host, f.cli_mac_slot, f.srv_mac_slot)
        } else {
            let f = &mut *flow;
            f.srv2cli_goodput += p.payload_len as u64;
            (&mut f.srv2cli, &mut f.srv2cli_flags, &mut f.srv2cli_dscp, &mut f.srv2cli_seq, f.srv_host, f.cli_host, f.srv_mac_slot, f.cli_mac_slot)
        };
        dir.add(len);
        *flags |= p.tcp_flags;
        *dscp = p.dscp;
        let issue = if p.l4_proto == ipproto::TCP { seq.update(p.tcp_seq, p.tcp_flags, p.payload_len) } else { None };
        flow.last_seen_ns = now;
        let mut sender_local = false;
        let mut receiver_local = false;
        // Per-second rates of SYNs and ICMP packets (flood checks): one branch for other packets.
        let rated = if syn == SynKind::Syn {
            Some(PacketRates::SYN_SENT)
        } else if p.l4_proto == ipproto::ICMP || p.l4_proto == ipproto::ICMPV6 {
            Some(PacketRates::ICMP_SENT)
        } else {
            None
        };
        let round = if rated.is_some() { self.shared.cfg.host_check_round.load(Ordering::Relaxed) } else { 0 };
        if let Some(h) = hosts.get_mut(sender) {
            h.sent.add(len);
            h.last_seen_ns = now;
            h.mac = p.src_mac;
            h.syn.sent(syn);
            if let Some(what) = rated {
                h.rates.count(round, now, what);
            }
            sender_local = h.local;
        }
        if let Some(h) = hosts.get_mut(receiver) {
            h.rcvd.add(len);
            h.last_seen_ns = now;
            h.syn.rcvd(syn);
            if let Some(what) = rated {
                h.rates.count(round, now, what + 1);
            }
            if answered {
                h.syn.tcp_answered = h.syn.tcp_answered.wrapping_add(1);
            }
            receiver_local = h.local;
        }
        iface.localstats.add(sender_local, receiver_local, &Counters { packets: 1, bytes: len as u64 });
        if let Some(issue) = issue {
            count_tcp_issue(flow, iface, from_client, issue);
        }
        if let Some(m) = macs.get_mut(smac) {
            m.sent.add(len);
            m.last_seen_ns = now;
        }
        if let Some(m) = macs.get_mut(rmac) {
            m.rcvd.add(len);
            m.last_seen_ns = now;
        }
        let packets = flow.packets() as u32;
        if let Detection::InProgress(d) = &mut flow.detection {
            let det = self.detector.as_mut().expect("dissections exist only with a detector");
            let l3 = &frame.data[p.l3_offset..];
            if let Verdict::Done(c) = d.feed(det, l3, now / 1_000_000, packets) {
                // Frees nDPI's state now: a classified flow keeps only its classification.
                tap_classified(&self.shared, self.id, flow, &c);
                score_classified(&self.shared, hosts, flow, &c);
                count_contacts(&self.shared, hosts, flow, &c);
                flow.detection = Detection::Done(c);
                // Nothing else needs its packets: let the kernel count them from now on
                // (the XDP program keys plain and VLAN-tagged frames only).
                if let Some(off) = self.offload.as_ref().filter(|_| !p.tunneled) {
                    if off.insert(&flow.key) {
                        flow.extra_mut().offloaded = Some(Default::default());
                    }
                }
            }
        }
    }

    fn new_flow(&mut self, key: FlowKey, side: Side, p: &PacketInfo, now: u64) -> Option<u32> {
        let shared = &*self.shared;
        if !Shared::admit(&shared.flows, shared.cfg.max_flows) {
            return None;
        }
        let st = &mut self.state;
        st.iface.flows_created += 1;
        let mut host = |addr, overflow: &mut u64| {
            let s = st.hosts.find_or_insert(
                HostKey { addr, vlan: p.vlan },
                now,
                || Shared::admit(&shared.hosts, shared.cfg.max_hosts),
                |a| shared.cfg.local_networks.network_of(a),
            );
            if s == NONE {
                *overflow += 1;
            }
            s
        };
        // The client is the sender of the first packet, a SYN+ACK too (ntopng, data_model.md §3.2); its
        // swap heuristic may turn the sides at the first packet back (`swap_pending`).
        let (cli, srv, cli_mac, srv_mac, client) = (p.src, p.dst, p.src_mac, p.dst_mac, side);
        let mut overflow = 0;
        let cli_host = host(cli, &mut overflow);
        let srv_host = host(srv, &mut overflow);
        st.iface.host_overflow += overflow;
        let detection = match self.detector {
            Some(_) => Detection::InProgress(Dissection::new(p.l4_proto)),
            None => Detection::Disabled,
        };
        let mut flow = Flow {
            key,
            client,
            swap_pending: false,
            swapped: false,
            cli2srv: Counters::default(),
            srv2cli: Counters::default(),
            cli2srv_flags: 0,
            srv2cli_flags: 0,
            marks: 0,
            cli2srv_goodput: 0,
            srv2cli_goodput: 0,
            first_seen_ns: now,
            last_seen_ns: now,
            cli_mac,
            srv_mac,
            cli_host,
            srv_host,
            cli_mac_slot: st.macs.find_or_insert(cli_mac, now),
            srv_mac_slot: st.macs.find_or_insert(srv_mac, now),
            detection,
            cli2srv_dscp: 0,
            srv2cli_dscp: 0,
            cli2srv_seq: Default::default(),
            srv2cli_seq: Default::default(),
            serial: shared.next_flow_id.fetch_add(1, Ordering::Relaxed),
            extra: None,
            score: FlowScore::default(),
        };
        flow.swap_pending = flow.wants_swap(p.tcp_flags);
        let srv_port = flow.server().1;
        let has_ports = p.src_port != 0 || p.dst_port != 0;
        let round = shared.cfg.host_check_round.load(Ordering::Relaxed);
        let opened_with_syn = p.l4_proto == ipproto::TCP && p.tcp_flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
        if let Some(h) = st.hosts.get_mut(cli_host) {
            h.new_flows.count(round, now, true);
            if opened_with_syn {
                h.syn.tcp_opened = h.syn.tcp_opened.wrapping_add(1);
            }
            h.active_flows_as_client += 1;
            h.total_flows_as_client += 1;
            h.contacted_peers.insert(srv);
            if has_ports {
                h.contacted_server_ports.insert(srv_port);
            }
        }
        if let Some(h) = st.hosts.get_mut(srv_host) {
            h.new_flows.count(round, now, false);
            h.active_flows_as_server += 1;
            h.total_flows_as_server += 1;
            h.contacted_peers.insert(cli);
            if has_ports {
                h.server_ports.insert(srv_port);
            }
        }
        Some(st.flows.insert(flow))
    }

    /// Ends flows idle for the timeout (packet time), visiting a fraction of the table per
    /// call as ntopng does, then drops hosts with no flows left that have been idle too.
    pub fn purge_idle(&mut self, now: u64) {
        let idle = self.shared.cfg.flow_idle_ns;
        let period_s = if self.wall_clock { self.periodic_period() } else { 0 };
        for slot in self.state.flows.next_scan_window(PURGE_FRACTION, 1024) {
            self.fold(slot as u32, now);
            let Some(f) = self.state.flows.get(slot as u32) else { continue };
            if now > f.last_seen_ns + idle {
                let reason = if f.tcp_closed() { EndReason::TcpClosed } else { EndReason::Idle };
                self.end_flow(slot as u32, reason);
            } else if period_s != 0 {
                self.periodic_flow(slot as u32, now, period_s);
            }
        }
        for slot in self.state.hosts.idle(now, LOCAL_HOST_IDLE_NS, REMOTE_HOST_IDLE_NS) {
            if self.state.hosts.remove(slot).is_some() {
                self.shared.hosts.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.flush_ended();
    }

    /// The period of periodic flow events while someone wants them (0: nobody; the marks are dropped).
    fn periodic_period(&mut self) -> u32 {
        let p = self.shared.cfg.alerts.as_ref().map_or(0, |t| t.periodic_s());
        if p == 0 && self.periodic.heap_bytes() != 0 {
            self.periodic.clear();
        }
        p
    }

    /// Hands flow `slot` to the alert tap as a periodic event when it is due at `now` (wall clock, ns).
    /// A flow still in nDPI's detection is handed over without a classification (nothing known yet).
    fn periodic_flow(&mut self, slot: u32, now: u64, period_s: u32) {
        let Some(f) = self.state.flows.get(slot) else { return };
        let secs = |ns: u64| (ns / 1_000_000_000).min(u32::MAX as u64) as u32;
        if !self.periodic.due(slot, f.serial, secs(f.first_seen_ns), secs(now), period_s) {
            return;
        }
        let classification = match &f.detection {
            Detection::Done(c) => Some(c.clone()),
            Detection::InProgress(_) | Detection::Disabled => None,
        };
        if let Some(tap) = self.shared.cfg.alerts.as_ref().filter(|t| t.wants_periodic_flow(f)) {
            tap.offer(FlowEventKind::Periodic, FlowRecord::from_flow(f, self.id, classification, None));
        }
    }

    /// Periodic flow events of a capture file's flows kept in memory after it was read (no packet, no
    /// purge drives the worker): one window of the table per call (call it every second, wall clock).
    pub fn periodic_tick(&mut self, now: u64) {
        let period_s = self.periodic_period();
        if period_s == 0 {
            return;
        }
        for slot in self.state.flows.next_scan_window(PURGE_FRACTION, 1024) {
            self.periodic_flow(slot as u32, now, period_s);
        }
    }

    /// Folds what the kernel counted for an offloaded flow since the last fold into the flow,
    /// its hosts and MACs and the interface counters, as if user space had seen the packets.
    fn fold(&mut self, slot: u32, now: u64) {
        let Some(off) = &self.offload else { return };
        let WorkerState { flows, hosts, macs, iface, .. } = &mut self.state;
        let Some(flow) = flows.get(slot).filter(|f| f.offloaded().is_some()) else { return };
        let Some(total) = off.read(&flow.key) else { return };
        let flow = flows.get_mut(slot);
        let folded = flow.extra_mut().offloaded.as_mut().expect("checked above");
        let delta = total.since(&folded.seen);
        folded.seen = total;
        if delta.is_empty() {
            return;
        }
        let (from_cli, from_srv) =
            if flow.client == Side::Lo { (delta.from_lo, delta.from_hi) } else { (delta.from_hi, delta.from_lo) };
        flow.cli2srv.merge(&from_cli);
        flow.srv2cli.merge(&from_srv);
        // The kernel counts no payload: the goodput counters now cover part of the flow.
        flow.marks |= marks::PAYLOAD_PARTIAL;
        flow.last_seen_ns = flow.last_seen_ns.max(now);
        for (counts, dscp, sender, receiver, smac, rmac) in [
            (from_cli, flow.cli2srv_dscp, flow.cli_host, flow.srv_host, flow.cli_mac_slot, flow.srv_mac_slot),
            (from_srv, flow.srv2cli_dscp, flow.srv_host, flow.cli_host, flow.srv_mac_slot, flow.cli_mac_slot),
        ] {
            if counts.packets == 0 {
                continue;
            }
            let (mut sender_local, mut receiver_local) = (false, false);
            if let Some(h) = hosts.get_mut(sender) {
                h.sent.merge(&counts);
                h.last_seen_ns = h.last_seen_ns.max(now);
                sender_local = h.local;
            }
            if let Some(h) = hosts.get_mut(receiver) {
                h.rcvd.merge(&counts);
                h.last_seen_ns = h.last_seen_ns.max(now);
                receiver_local = h.local;
            }
            // The kernel does not look at DSCP: the flow's last one stands for its packets.
            iface.dscp[(dscp & 63) as usize].merge(&counts);
            iface.localstats.add(sender_local, receiver_local, &counts);
            if let Some(m) = macs.get_mut(smac) {
                m.sent.merge(&counts);
            }
            if let Some(m) = macs.get_mut(rmac) {
                m.rcvd.merge(&counts);
            }
            iface.total.merge(&counts);
            iface.wire_bytes += counts.bytes;
            iface.ip.merge(&counts);
            if flow.key.ip_version == 4 { iface.ipv4.merge(&counts) } else { iface.ipv6.merge(&counts) }
            iface.l4[flow.key.l4_proto as usize].merge(&counts);
        }
    }

    /// Folds every offloaded flow (live capture calls this periodically and before reading state).
    pub fn fold_offloaded(&mut self, now: u64) {
        if self.offload.is_none() {
            return;
        }
        for slot in self.state.flows.slots() {
            self.fold(slot, now);
        }
    }

    fn end_flow(&mut self, slot: u32, reason: EndReason) {
        if let Some(off) = self.offload.clone() {
            if self.state.flows.get(slot).is_some_and(|f| f.offloaded().is_some()) {
                self.fold(slot, self.last_packet_ns);
                off.remove(&self.state.flows.get(slot).expect("live").key);
            }
        }
        let mut flow = self.state.flows.remove(slot);
        self.shared.flows.fetch_sub(1, Ordering::Relaxed);
        let classification = match std::mem::replace(&mut flow.detection, Detection::Disabled) {
            Detection::InProgress(mut d) => {
                let c = d.give_up(self.detector.as_mut().expect("detector"));
                tap_classified(&self.shared, self.id, &flow, &c);
                score_classified(&self.shared, &mut self.state.hosts, &mut flow, &c);
                count_contacts(&self.shared, &mut self.state.hosts, &flow, &c);
                Some(c)
            }
            Detection::Done(c) => Some(c),
            Detection::Disabled => None,
        };
        let proto = classification.as_ref().map_or(0, |c| c.counted_protocol());
        self.state.l7_ended.entry(proto).or_default().add_flow(&flow);
        for (host, share) in flow.host_shares(proto) {
            if let Some(h) = self.state.hosts.get_mut(host) {
                h.add_flow_share(&share);
            }
        }
        // An ended flow's score leaves its hosts (ntopng's host score covers active flows).
        unscore_hosts(&mut self.state.hosts, &flow);
        if let Some(h) = self.state.hosts.get_mut(flow.cli_host) {
            h.active_flows_as_client -= 1;
        }
        if let Some(h) = self.state.hosts.get_mut(flow.srv_host) {
            h.active_flows_as_server -= 1;
        }
        if let Some(tap) = self.shared.cfg.alerts.as_ref().filter(|t| t.wants_ended_flow(&flow)) {
            tap_ended(tap, &flow, self.id, &classification, reason);
        }
        if self.sink.is_some() {
            self.ended.push(FlowRecord::from_flow(&flow, self.id, classification, Some(reason)));
            if self.ended.len() >= BATCH {
                self.flush_ended();
            }
        }
    }

    fn flush_ended(&mut self) {
        if let Some(q) = &self.sink {
            if !self.ended.is_empty() {
                let batch = std::mem::replace(&mut self.ended, Vec::with_capacity(BATCH));
                self.state.iface.sink_drops += q.send(batch);
            }
        }
    }

    /// End of a capture file: flows still in detection are given up (with guessing), exactly
    /// as ndpiReader does before it prints its results. The flows themselves stay.
    /// The final packet-time sample follows, with the final classifications.
    pub fn end_of_input(&mut self) {
        if let Some(det) = self.detector.as_mut() {
            let WorkerState { flows, hosts, .. } = &mut self.state;
            for f in flows.iter_mut() {
                if let Detection::InProgress(d) = &mut f.detection {
                    let c = d.give_up(det);
                    tap_classified(&self.shared, self.id, f, &c);
                    score_classified(&self.shared, hosts, f, &c);
                    count_contacts(&self.shared, hosts, f, &c);
                    f.detection = Detection::Done(c);
                }
            }
        }
        self.finish_step_samples();
    }

    /// Ends every flow (shutdown) and hands them to the sinks; closes this worker's queue.
    pub fn shutdown(&mut self) {
        for slot in self.state.flows.slots() {
            self.end_flow(slot, EndReason::Shutdown);
        }
        self.flush_ended();
        self.sink = None;
    }

    pub fn flows(&self) -> &FlowTable {
        &self.state.flows
    }
}

/// The flow-classified hook: hands the flow to the alert writer when a check wants its risks.
#[inline]
fn tap_classified(shared: &Shared, worker: usize, flow: &Flow, c: &ndpi::Classification) {
    if let Some(tap) = shared.cfg.alerts.as_ref().filter(|t| t.wants_classified(c, flow)) {
        tap.offer(FlowEventKind::Classified, FlowRecord::from_flow(flow, worker, Some(c.clone()), None));
    }
}

/// The flow-end hook, taken only when a flow check wants the ended flow.
#[cold]
fn tap_ended(tap: &AlertTap, flow: &Flow, worker: usize, c: &Option<ndpi::Classification>, reason: EndReason) {
    tap.offer(FlowEventKind::Ended, FlowRecord::from_flow(flow, worker, c.clone(), Some(reason)));
}

/// The classified-flow hook for scores: the flow's score is the sum of the scores of the risks whose
/// check is on (ntopng's flow score), added to its client's and server's score.
#[inline]
fn score_classified(shared: &Shared, hosts: &mut HostTable, flow: &mut Flow, c: &ndpi::Classification) {
    let Some(mask) = shared.cfg.scored_risks.as_ref() else { return };
    let risks = c.risk & mask.load(Ordering::Relaxed);
    if risks != 0 {
        flow.score = FlowScore::of_risks(risks);
        score_hosts(hosts, flow);
    }
}

/// The classified-flow hook of the server contact checks (once per flow): the client contacted a DNS,
/// NTP or SMTP server; the server of a DNS flow is marked as a DNS server (nDPI often classifies DNS on
/// the query, before any answer, so being asked is what counts).
#[inline]
fn count_contacts(shared: &Shared, hosts: &mut HostTable, flow: &Flow, c: &ndpi::Classification) {
    let Some(kind) = ServerKind::of(c.master_protocol, c.app_protocol) else { return };
    let round = shared.cfg.host_check_round.load(Ordering::Relaxed);
    let server = flow.server().0;
    if let Some(h) = hosts.get_mut(flow.cli_host) {
        h.contacts.get_or_insert_with(Box::<ServerContacts>::default).contacted(round, kind, server);
    }
    if kind == ServerKind::Dns {
        if let Some(h) = hosts.get_mut(flow.srv_host) {
            h.contacts.get_or_insert_with(Box::<ServerContacts>::default).dns_server = true;
        }
    }
}

/// Adds a flow's score to its current client and server.
fn score_hosts(hosts: &mut HostTable, flow: &Flow) {
    if flow.score.total() == 0 {
        return;
    }
    if let Some(h) = hosts.get_mut(flow.cli_host) {
        h.score.as_client += flow.score.client as u32;
    }
    if let Some(h) = hosts.get_mut(flow.srv_host) {
        h.score.as_server += flow.score.server as u32;
    }
}

/// Takes a flow's score back from its current client and server.
fn unscore_hosts(hosts: &mut HostTable, flow: &Flow) {
    if flow.score.total() == 0 {
        return;
    }
    if let Some(h) = hosts.get_mut(flow.cli_host) {
        h.score.as_client -= flow.score.client as u32;
    }
    if let Some(h) = hosts.get_mut(flow.srv_host) {
        h.score.as_server -= flow.score.server as u32;
    }
}

/// A sequence problem: rare, so kept out of the packet loop's body.
#[cold]
fn count_tcp_issue(flow: &mut Flow, iface: &mut IfaceCounters, from_client: bool, issue: SeqIssue) {
    let extra = flow.extra_mut();
    if from_client { extra.cli2srv_tcp.count(issue) } else { extra.srv2cli_tcp.count(issue) }
    iface.tcp.count(issue);
}
