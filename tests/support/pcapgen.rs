//! A tiny pcap writer for tests: Ethernet/IPv4 frames with UDP or TCP, at chosen times, so that a
//! test knows exactly what a capture holds (servers, directions, retransmissions, durations).
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::path::Path;

pub const SYN: u8 = 0x02;
pub const ACK: u8 = 0x10;
pub const PSH: u8 = 0x08;
pub const FIN: u8 = 0x01;
pub const RST: u8 = 0x04;

#[derive(Default)]
pub struct Pcap {
    buf: Vec<u8>,
}

fn csum(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in data.chunks(2) {
        sum += u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

impl Pcap {
    pub fn new() -> Pcap {
        let mut buf = Vec::new();
        buf.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
        buf.extend_from_slice(&2u16.to_le_bytes());
        buf.extend_from_slice(&4u16.to_le_bytes());
        buf.extend_from_slice(&0i32.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&65535u32.to_le_bytes());
        buf.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
        Pcap { buf }
    }

    fn frame(&mut self, t_us: u64, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, l4: &[u8]) {
        let mut f = Vec::with_capacity(14 + 20 + l4.len());
        // Distinct MACs per IP (last octet), so that hosts look like hosts.
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, dst.octets()[3]]);
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, src.octets()[3]]);
        f.extend_from_slice(&0x0800u16.to_be_bytes());
        let total = (20 + l4.len()) as u16;
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&total.to_be_bytes());
        ip.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
        ip.extend_from_slice(&src.octets());
        ip.extend_from_slice(&dst.octets());
        let c = csum(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend_from_slice(l4);
        self.buf.extend_from_slice(&((t_us / 1_000_000) as u32).to_le_bytes());
        self.buf.extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
        self.buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&f);
    }

    /// An IPv4 packet of protocol `proto` carrying `l4` (ICMP and the like).
    pub fn ip(&mut self, t_us: u64, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, l4: &[u8]) {
        self.frame(t_us, src, dst, proto, l4);
    }

    pub fn udp(&mut self, t_us: u64, src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) {
        let mut l4 = Vec::new();
        l4.extend_from_slice(&src.1.to_be_bytes());
        l4.extend_from_slice(&dst.1.to_be_bytes());
        l4.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        l4.extend_from_slice(&[0, 0]);
        l4.extend_from_slice(payload);
        self.frame(t_us, src.0, dst.0, 17, &l4);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &mut self,
        t_us: u64,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) {
        self.tcp_win(t_us, src, dst, seq, ack, flags, 65535, payload);
    }

    /// A TCP segment announcing receive window `window`.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp_win(
        &mut self,
        t_us: u64,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
        payload: &[u8],
    ) {
        let mut l4 = Vec::new();
        l4.extend_from_slice(&src.1.to_be_bytes());
        l4.extend_from_slice(&dst.1.to_be_bytes());
        l4.extend_from_slice(&seq.to_be_bytes());
        l4.extend_from_slice(&ack.to_be_bytes());
        l4.extend_from_slice(&[0x50, flags]);
        l4.extend_from_slice(&window.to_be_bytes());
        l4.extend_from_slice(&[0, 0, 0, 0]);
        l4.extend_from_slice(payload);
        self.frame(t_us, src.0, dst.0, 6, &l4);
    }

    pub fn write(&self, path: &Path) {
        std::fs::write(path, &self.buf).expect("write pcap");
    }
}

/// A TCP conversation with sequence numbers kept per side.
pub struct Tcp<'a> {
    pub pcap: &'a mut Pcap,
    pub cli: (Ipv4Addr, u16),
    pub srv: (Ipv4Addr, u16),
    pub cseq: u32,
    pub sseq: u32,
}

impl<'a> Tcp<'a> {
    /// The three-way handshake at `t_us` (1 ms steps).
    pub fn open(pcap: &'a mut Pcap, t_us: u64, cli: (Ipv4Addr, u16), srv: (Ipv4Addr, u16)) -> Tcp<'a> {
        let (cseq, sseq) = (1000, 5000);
        pcap.tcp(t_us, cli, srv, cseq, 0, SYN, &[]);
        pcap.tcp(t_us + 1000, srv, cli, sseq, cseq + 1, SYN | ACK, &[]);
        pcap.tcp(t_us + 2000, cli, srv, cseq + 1, sseq + 1, ACK, &[]);
        Tcp { pcap, cli, srv, cseq: cseq + 1, sseq: sseq + 1 }
    }

    /// Client data; `resend`: the same segment again right after (a retransmission).
    pub fn client(&mut self, t_us: u64, data: &[u8], resend: bool) {
        self.pcap.tcp(t_us, self.cli, self.srv, self.cseq, self.sseq, ACK | PSH, data);
        if resend {
            self.pcap.tcp(t_us + 100, self.cli, self.srv, self.cseq, self.sseq, ACK | PSH, data);
        }
        self.cseq += data.len() as u32;
    }

    pub fn server(&mut self, t_us: u64, data: &[u8]) {
        self.pcap.tcp(t_us, self.srv, self.cli, self.sseq, self.cseq, ACK | PSH, data);
        self.sseq += data.len() as u32;
    }
}

/// A DNS query for `name` (A record), id `id`.
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        p.push(label.len() as u8);
        p.extend_from_slice(label.as_bytes());
    }
    p.extend_from_slice(&[0, 0, 1, 0, 1]);
    p
}

/// The answer to [`dns_query`] with one A record.
pub fn dns_response(id: u16, name: &str, addr: Ipv4Addr) -> Vec<u8> {
    let mut p = dns_query(id, name);
    p[2] = 0x81;
    p[3] = 0x80;
    p[7] = 1; // ancount
    p.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
    p.extend_from_slice(&addr.octets());
    p
}

/// An NTPv4 client request (mode 3).
pub fn ntp_request() -> Vec<u8> {
    let mut p = vec![0u8; 48];
    p[0] = 0x23;
    p
}

/// The server's answer (mode 4, stratum 2).
pub fn ntp_response() -> Vec<u8> {
    let mut p = vec![0u8; 48];
    p[0] = 0x24;
    p[1] = 2;
    p
}
