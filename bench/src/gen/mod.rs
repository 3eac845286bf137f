//! Capture generator: hand-made packets ([`builder`]), capture writers ([`pcap_writer`]),
//! scenario captures with independent descriptions ([`scenarios`], [`describe`]), the
//! parametric benchmark mix ([`mod@mix`]) and the replication of existing captures
//! ([`mod@replicate`]).
//!
//! Everything uses benchmarking addresses only ([`addr`]): 198.18.0.0/15, 2001:db8::/32 and
//! locally administered MACs.

pub mod addr;
pub mod builder;
pub mod checksum;
pub mod conv;
pub mod describe;
pub mod mix;
pub mod payloads;
pub mod pcap_writer;
pub mod prng;
pub mod replicate;
pub mod rewrite;
pub mod scenarios;

pub use builder::PacketBuilder;
pub use describe::{ClientRule, Description, FlowEnd, FlowExpect, FlowKey, HostExpect};
pub use mix::{long_flows, mix, MixParams, ProtoMix, SizeDist};
pub use pcap_writer::{MemorySink, PcapNgWriter, PcapWriter, Record, RecordSink};
pub use replicate::{replicate, ReplicateParams, ReplicateReport};
pub use scenarios::Capture;
