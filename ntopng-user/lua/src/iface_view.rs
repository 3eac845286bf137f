//! What the `interface.*` and `network.*` bindings read: the interfaces the daemon monitors and, per request,
//! one view of the selected interface's state, taken from an [`InterfaceProvider`] (given to the pool with
//! `PoolConfig::interfaces`).
//!
//! A request fetches at most one view per interface: the first binding needing state asks for what it needs
//! ([`ViewNeeds`]), later bindings reuse it (fetching again only when they need more), so a script sees one
//! consistent state. The view is dropped when the request ends.

use std::sync::Arc;

use ndpi::ProtocolNames;
use ntopng_engine::host::HostKey;
use ntopng_engine::Snapshot;
use std::collections::BTreeMap;

/// One monitored interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfaceInfo {
    pub ifid: i32,
    pub name: String,
    /// A capture file read at full speed (ntopng's "pcap dump" interface).
    pub pcap_dump: bool,
    pub speed_mbit: u64,
    /// CIDRs as given with `-m`, in order: a network's id is its index here.
    pub local_networks: Vec<String>,
    pub running: bool,
}

/// What a binding needs from a view; the interface counters and L7 totals always come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewNeeds {
    pub hosts: bool,
    pub flows: bool,
    pub macs: bool,
}

impl ViewNeeds {
    pub const COUNTERS: ViewNeeds = ViewNeeds { hosts: false, flows: false, macs: false };
    pub const HOSTS: ViewNeeds = ViewNeeds { hosts: true, flows: false, macs: false };
    pub const FLOWS: ViewNeeds = ViewNeeds { hosts: false, flows: true, macs: false };
    pub const HOSTS_FLOWS: ViewNeeds = ViewNeeds { hosts: true, flows: true, macs: false };
    pub const MACS: ViewNeeds = ViewNeeds { hosts: false, flows: false, macs: true };
    pub const HOSTS_MACS: ViewNeeds = ViewNeeds { hosts: true, flows: false, macs: true };
    pub const ALL: ViewNeeds = ViewNeeds { hosts: true, flows: true, macs: true };

    pub fn union(self, o: ViewNeeds) -> ViewNeeds {
        ViewNeeds { hosts: self.hosts || o.hosts, flows: self.flows || o.flows, macs: self.macs || o.macs }
    }

    /// True if a view fetched for `self` has everything `o` needs.
    pub fn covers(self, o: ViewNeeds) -> bool {
        self.union(o) == self
    }
}

/// The state of one interface at one moment.
#[derive(Debug, Clone)]
pub struct IfaceView {
    pub info: IfaceInfo,
    pub snapshot: Arc<Snapshot>,
    /// Seconds: the last packet time for a capture file, now for live capture.
    pub epoch: u64,
    /// Hosts with engaged host alerts (kept by the daemon's host check runner, not the engine).
    pub engaged: Arc<BTreeMap<HostKey, EngagedSummary>>,
}

/// A host's engaged host alerts: how many, and their scores (the host checks' alerts count on the
/// client side: their client share is 100 %).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngagedSummary {
    pub alerts: u32,
    pub score: u32,
}

/// The daemon's side: the interfaces and views of their state.
pub trait InterfaceProvider: Send + Sync {
    fn interfaces(&self) -> Vec<IfaceInfo>;
    /// A view of interface `ifid` with at least `needs`; `None` if the interface does not exist (any more).
    fn view(&self, ifid: i32, needs: ViewNeeds) -> Option<Arc<IfaceView>>;
    fn protocol_names(&self) -> Option<Arc<ProtocolNames>>;
    // Interface and host aliases are preferences in the KvStore (ntopng's keys), not here.
}

/// A provider over fixed views: capture files read to the end, tests.
#[derive(Default)]
pub struct StaticProvider {
    views: Vec<Arc<IfaceView>>,
    names: Option<Arc<ProtocolNames>>,
}

impl StaticProvider {
    pub fn new(names: Option<Arc<ProtocolNames>>) -> Self {
        StaticProvider { views: Vec::new(), names }
    }

    /// Adds an interface (the order of `interfaces()` is the order of the calls).
    pub fn with(mut self, view: IfaceView) -> Self {
        self.views.push(Arc::new(view));
        self
    }
}

impl InterfaceProvider for StaticProvider {
    fn interfaces(&self) -> Vec<IfaceInfo> {
        self.views.iter().map(|v| v.info.clone()).collect()
    }

    fn view(&self, ifid: i32, _needs: ViewNeeds) -> Option<Arc<IfaceView>> {
        self.views.iter().find(|v| v.info.ifid == ifid).cloned()
    }

    fn protocol_names(&self) -> Option<Arc<ProtocolNames>> {
        self.names.clone()
    }
}

/// The interface and local network a request selected, and the view it fetched. Lives in the run state:
/// reset at the start of every request, dropped at its end.
#[derive(Default)]
pub(crate) struct Selection {
    /// What `interface.select` was given: `Some(None)` for an unknown interface (bindings then fall back to
    /// the first interface, as ntopng does); `None` when the script did not select.
    pub selected: Option<Option<i32>>,
    /// The fetched view and what it was fetched for.
    pub view: Option<(ViewNeeds, Arc<IfaceView>)>,
    /// `network.select` / `network.checkContext`: a local network id of the selected interface.
    pub network: Option<u16>,
}
