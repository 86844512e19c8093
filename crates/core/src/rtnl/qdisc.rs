//! A link's root qdisc: read it, replace it, delete it (`tc qdisc show`,
//! `tc qdisc replace ... root`, `tc qdisc del ... root`). The messages are
//! written here byte by byte, as `tc` writes them: netem's options are a
//! struct followed by attributes, which no attribute list can say.

use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader, NetlinkSerializable};
use netlink_packet_core::{NLM_F_CREATE, NLM_F_REPLACE};

use super::RouteSocket;
use crate::netlink::KernelError;
use crate::qdisc::{attribute, attributes, Qdisc};

const RTM_NEWQDISC: u16 = 36;
const RTM_DELQDISC: u16 = 37;
const RTM_GETQDISC: u16 = 38;
/// `TC_H_ROOT`: the parent of a link's root qdisc.
const TC_H_ROOT: u32 = 0xffff_ffff;
/// `TC_H_INGRESS`: the parent of ingress and clsact.
const TC_H_INGRESS: u32 = 0xffff_fff1;
const TCA_KIND: u16 = 1;
const TCA_OPTIONS: u16 = 2;
/// The size of `struct tcmsg`.
const TCMSG_SIZE: usize = 20;

/// A traffic-control message: its type, `struct tcmsg`, and attributes.
#[derive(Clone, Debug)]
struct TcMessage {
    message_type: u16,
    ifindex: u32,
    handle: u32,
    parent: u32,
    attributes: Vec<u8>,
}

impl TcMessage {
    fn about_root(message_type: u16, ifindex: u32) -> Self {
        TcMessage {
            message_type,
            ifindex,
            handle: 0,
            parent: TC_H_ROOT,
            attributes: Vec::new(),
        }
    }

    /// The qdisc it reports.
    fn qdisc(&self) -> Qdisc {
        let mut qdisc = Qdisc {
            kind: String::new(),
            handle: self.handle,
            options: Vec::new(),
        };
        for (kind, value) in attributes(&self.attributes) {
            match kind {
                TCA_KIND => {
                    let name = value.split(|byte| *byte == 0).next().unwrap_or_default();
                    qdisc.kind = String::from_utf8_lossy(name).into_owned();
                }
                TCA_OPTIONS => qdisc.options = value.to_vec(),
                _ => {}
            }
        }
        qdisc
    }
}

impl NetlinkSerializable for TcMessage {
    fn message_type(&self) -> u16 {
        self.message_type
    }

    fn buffer_len(&self) -> usize {
        TCMSG_SIZE + self.attributes.len()
    }

    fn serialize(&self, buffer: &mut [u8]) {
        // tcm_family, padding, tcm_ifindex, tcm_handle, tcm_parent, tcm_info
        buffer[..4].fill(0);
        buffer[4..8].copy_from_slice(&self.ifindex.to_ne_bytes());
        buffer[8..12].copy_from_slice(&self.handle.to_ne_bytes());
        buffer[12..16].copy_from_slice(&self.parent.to_ne_bytes());
        buffer[16..20].fill(0);
        buffer[TCMSG_SIZE..].copy_from_slice(&self.attributes);
    }
}

/// Why a reply is not a traffic-control message.
#[derive(Debug)]
struct ShortMessage;

impl std::fmt::Display for ShortMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a traffic-control message shorter than its header")
    }
}

impl std::error::Error for ShortMessage {}

impl NetlinkDeserializable for TcMessage {
    type Error = ShortMessage;

    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, ShortMessage> {
        let word = |at: usize| -> Result<u32, ShortMessage> {
            let bytes = payload.get(at..at + 4).ok_or(ShortMessage)?;
            Ok(u32::from_ne_bytes(
                bytes.try_into().map_err(|_| ShortMessage)?,
            ))
        };
        Ok(TcMessage {
            message_type: header.message_type,
            ifindex: word(4)?,
            handle: word(8)?,
            parent: word(12)?,
            attributes: payload.get(TCMSG_SIZE..).ok_or(ShortMessage)?.to_vec(),
        })
    }
}

/// The root qdisc of the link of index `ifindex` (`None` for a link never
/// up, which has none yet), and how many qdiscs a dump shows below it
/// (grafted on its classes), ingress and clsact aside. A dump: the kernel
/// answers no get request about a link's default qdisc.
pub fn root_qdisc(
    socket: &mut RouteSocket,
    ifindex: u32,
) -> Result<(Option<Qdisc>, usize), KernelError> {
    let request = TcMessage {
        parent: 0,
        ..TcMessage::about_root(RTM_GETQDISC, ifindex)
    };
    let mut root = None;
    let mut children = 0;
    socket.0.dump_each(request, |message: TcMessage| {
        if message.ifindex != ifindex {
            return;
        }
        match message.parent {
            TC_H_ROOT => root = Some(message.qdisc()),
            TC_H_INGRESS => {}
            _ => children += 1,
        }
    })?;
    Ok((root, children))
}

/// Makes a qdisc of `kind` and `options` the root qdisc of the link of
/// index `ifindex`, with `handle` (0: one the kernel picks): the message
/// `tc qdisc replace dev DEV root [handle H] KIND ...` sends.
pub fn replace_root_qdisc(
    socket: &mut RouteSocket,
    ifindex: u32,
    (kind, handle): (&str, u32),
    options: &[u8],
) -> Result<(), KernelError> {
    let mut name = kind.as_bytes().to_vec();
    name.push(0);
    let mut message = TcMessage {
        handle,
        ..TcMessage::about_root(RTM_NEWQDISC, ifindex)
    };
    message.attributes = attribute(TCA_KIND, &name);
    if !options.is_empty() {
        message.attributes.extend(attribute(TCA_OPTIONS, options));
    }
    socket.0.request(message, NLM_F_CREATE | NLM_F_REPLACE)
}

/// Deletes the root qdisc of the link of index `ifindex`, so that the
/// kernel gives it its default one again (`tc qdisc del dev DEV root`).
pub fn delete_root_qdisc(socket: &mut RouteSocket, ifindex: u32) -> Result<(), KernelError> {
    socket
        .0
        .request(TcMessage::about_root(RTM_DELQDISC, ifindex), 0)
}
