//! A synchronous netlink socket: send a request, wait for its ack, its reply
//! or its whole dump, with sequence numbers checked and kernel errors (with
//! their extended-ack text) returned as [`KernelError`].
//!
//! A socket is bound to the network namespace it was opened in: open one per
//! namespace (see [`crate::context`]).

use std::fmt;
use std::io;

use netlink_packet_core::{
    NetlinkBuffer, NetlinkDeserializable, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    NetlinkSerializable, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLM_F_ACK, NLM_F_ACK_TLVS,
    NLM_F_DUMP, NLM_F_ECHO, NLM_F_MULTIPART, NLM_F_REQUEST,
};
use netlink_sys::Socket;

/// Receive buffer: larger than any datagram the kernel sends for a dump.
const RECEIVE_BUFFER: usize = 64 * 1024;
/// `NLMSGERR_ATTR_MSG`: the extended ack's human-readable message.
const NLMSGERR_ATTR_MSG: u16 = 1;

/// An error the kernel (or the socket) returned for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelError {
    /// The positive errno.
    pub errno: i32,
    /// The extended ack message, when the kernel gave one.
    pub message: Option<String>,
}

impl KernelError {
    fn from_io(error: io::Error) -> Self {
        KernelError {
            errno: error.raw_os_error().unwrap_or(libc::EIO),
            message: None,
        }
    }

    fn protocol(message: &str) -> Self {
        KernelError {
            errno: libc::EPROTO,
            message: Some(message.to_string()),
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::error::errno_words(self.errno))?;
        match &self.message {
            Some(message) => write!(f, " (kernel: {message})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for KernelError {}

/// `SO_NETNS_COOKIE` (not in the libc crate yet): the socket's network
/// namespace's cookie, a number the kernel never gives twice.
#[cfg(not(target_arch = "sparc64"))]
const SO_NETNS_COOKIE: libc::c_int = 71;
#[cfg(target_arch = "sparc64")]
const SO_NETNS_COOKIE: libc::c_int = 0x0050;

/// How many messages [`NetlinkSocket::request_all`] puts in one write: few
/// enough that their acks fit the socket's receive buffer.
const MESSAGES_PER_WRITE: usize = 64;

/// A netlink socket of one protocol, in the namespace it was opened in.
pub struct NetlinkSocket {
    socket: Socket,
    sequence: u32,
    buffer: Vec<u8>,
}

impl NetlinkSocket {
    /// Opens a socket of `protocol` in the calling thread's network namespace.
    pub fn open(protocol: isize) -> io::Result<Self> {
        let mut socket = Socket::new(protocol)?;
        socket.bind_auto()?;
        socket.set_ext_ack(true)?;
        socket.set_cap_ack(true)?;
        if protocol == netlink_sys::protocols::NETLINK_ROUTE {
            socket.set_netlink_get_strict_chk(true)?;
        }
        Ok(NetlinkSocket {
            socket,
            sequence: 0,
            buffer: Vec::with_capacity(RECEIVE_BUFFER),
        })
    }

    /// The cookie of the network namespace the socket is in; `None` from a
    /// kernel before 5.14.
    pub fn netns_cookie(&self) -> Option<u64> {
        use std::os::fd::AsRawFd;
        let mut cookie: u64 = 0;
        let mut length = std::mem::size_of::<u64>() as libc::socklen_t;
        // SAFETY: the socket is open for the call; the kernel writes at most
        // `length` bytes (8, the size of `cookie`) into `cookie`, which lives
        // through the call, and reports the length written in `length`.
        let answer = unsafe {
            libc::getsockopt(
                self.socket.as_raw_fd(),
                libc::SOL_SOCKET,
                SO_NETNS_COOKIE,
                (&mut cookie as *mut u64).cast(),
                &mut length,
            )
        };
        (answer == 0 && length as usize == std::mem::size_of::<u64>()).then_some(cookie)
    }

    /// Sends `message` with `flags` and waits for the kernel's ack.
    pub fn request<M>(&mut self, message: M, flags: u16) -> Result<(), KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        let sequence = self.send(message, flags | NLM_F_ACK)?;
        self.receive::<M>(sequence, true, |_| {})
    }

    /// Sends `message` with `flags`, asking the kernel to echo the object
    /// it makes (`NLM_F_ECHO`), and waits for the ack. Returns the echo,
    /// or `None` from a kernel that does not echo this request.
    pub fn request_echo<M>(&mut self, message: M, flags: u16) -> Result<Option<M>, KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        let sequence = self.send(message, flags | NLM_F_ACK | NLM_F_ECHO)?;
        let mut echo = None;
        self.receive::<M>(sequence, true, |message| echo = Some(message))?;
        Ok(echo)
    }

    /// Sends a get request and returns the kernel's single reply.
    pub fn get<M>(&mut self, message: M) -> Result<M, KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        let sequence = self.send(message, 0)?;
        let mut reply = None;
        self.receive::<M>(sequence, false, |message| reply = Some(message))?;
        reply.ok_or_else(|| KernelError::protocol("no reply to a get request"))
    }

    /// Sends a dump request and returns every message of the dump.
    pub fn dump<M>(&mut self, message: M) -> Result<Vec<M>, KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        let mut replies = Vec::new();
        self.dump_each(message, |reply| replies.push(reply))?;
        Ok(replies)
    }

    /// Sends a dump request and hands each message of the dump to `each`
    /// as it is read, so that a large dump is never held whole.
    pub fn dump_each<M>(&mut self, message: M, each: impl FnMut(M)) -> Result<(), KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        let sequence = self.send(message, NLM_F_DUMP)?;
        self.receive::<M>(sequence, false, each)
    }

    /// Sends `messages` (each with its flags) between `begin` and `end` in
    /// one write, as an nfnetlink batch the kernel applies whole or not at
    /// all, every message asking for an ack. The first error, in message
    /// order, is returned; otherwise the objects the kernel echoed (for
    /// messages sent with `NLM_F_ECHO`).
    pub fn transaction<M>(
        &mut self,
        begin: M,
        messages: Vec<(M, u16)>,
        end: M,
    ) -> Result<Vec<M>, KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        self.exchange(Some(begin), messages, Some(end))
    }

    /// Sends `messages` (each with its flags, each asking for an ack) a
    /// few dozen to a write, without waiting for each answer: many small
    /// changes cost a few system calls instead of one round trip each. Every
    /// message is tried; the first error, in message order, is returned.
    /// The messages are made a write's worth at a time.
    pub fn request_all<M>(
        &mut self,
        messages: impl IntoIterator<Item = (M, u16)>,
    ) -> Result<(), KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        let mut first_error = None;
        let mut messages = messages.into_iter().peekable();
        while messages.peek().is_some() {
            let chunk: Vec<(M, u16)> = messages.by_ref().take(MESSAGES_PER_WRITE).collect();
            if let Err(error) = self.exchange::<M>(None, chunk, None) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Sends `messages`, framed by `begin` and `end` when given, in one
    /// write, and collects the acks and echoes. The kernel handles a write's
    /// messages before the write returns, so all answers are queued by then.
    fn exchange<M>(
        &mut self,
        begin: Option<M>,
        messages: Vec<(M, u16)>,
        end: Option<M>,
    ) -> Result<Vec<M>, KernelError>
    where
        M: NetlinkSerializable + NetlinkDeserializable,
    {
        let mut bytes = Vec::new();
        let first = self.sequence.wrapping_add(1);
        let count = messages.len();
        let framing = usize::from(begin.is_some()) + usize::from(end.is_some());
        if let Some(begin) = begin {
            self.append(&mut bytes, begin, 0);
        }
        for (message, flags) in messages {
            self.append(&mut bytes, message, flags | NLM_F_ACK);
        }
        if let Some(end) = end {
            self.append(&mut bytes, end, 0);
        }
        self.socket.send(&bytes, 0).map_err(KernelError::from_io)?;
        let mut errors = Vec::new();
        let mut echoes = Vec::new();
        let mut acked = 0;
        loop {
            self.buffer.clear();
            self.buffer.reserve(RECEIVE_BUFFER);
            let length = match self.socket.recv(&mut self.buffer, libc::MSG_DONTWAIT) {
                Ok(length) => length,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) => return Err(KernelError::from_io(error)),
            };
            let mut offset = 0;
            while offset < length {
                let packet = NetlinkBuffer::new_checked(&self.buffer[offset..length])
                    .map_err(|_| KernelError::protocol("malformed netlink message"))?;
                offset += (packet.length() as usize + 3) & !3;
                let position = packet.sequence_number().wrapping_sub(first);
                if position >= (count + framing) as u32 {
                    continue;
                }
                match packet.message_type() {
                    NLMSG_ERROR => match ack_result(packet.flags(), packet.payload()) {
                        Ok(()) => acked += 1,
                        Err(error) => errors.push((position, error)),
                    },
                    NLMSG_NOOP | NLMSG_DONE => {}
                    // An echo that cannot be decoded only leaves its object
                    // unknown: the batch is made all the same.
                    _ => echoes.extend(decode::<M>(&packet).ok()),
                }
            }
        }
        if let Some((_, error)) = errors.into_iter().min_by_key(|(position, _)| *position) {
            return Err(error);
        }
        if acked < count {
            return Err(KernelError::protocol(
                "the kernel did not answer every message of the batch",
            ));
        }
        Ok(echoes)
    }

    /// Appends `message` to `bytes` with the next sequence number.
    fn append<M>(&mut self, bytes: &mut Vec<u8>, message: M, flags: u16)
    where
        M: NetlinkSerializable,
    {
        self.sequence = self.sequence.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(message));
        packet.finalize();
        let start = bytes.len();
        bytes.resize(start + packet.buffer_len(), 0);
        packet.serialize(&mut bytes[start..]);
    }

    fn send<M>(&mut self, message: M, flags: u16) -> Result<u32, KernelError>
    where
        M: NetlinkSerializable,
    {
        let mut bytes = Vec::new();
        self.append(&mut bytes, message, flags);
        self.socket.send(&bytes, 0).map_err(KernelError::from_io)?;
        Ok(self.sequence)
    }

    /// Reads datagrams until the request `sequence` is answered: its ack
    /// or error, the end of a dump, or (unless `until_ack`) a single reply.
    /// Each data message is handed to `on_message`. Messages of other
    /// sequence numbers (answers to requests given up on) are skipped.
    fn receive<M>(
        &mut self,
        sequence: u32,
        until_ack: bool,
        mut on_message: impl FnMut(M),
    ) -> Result<(), KernelError>
    where
        M: NetlinkDeserializable,
    {
        loop {
            self.buffer.clear();
            self.buffer.reserve(RECEIVE_BUFFER);
            let length = loop {
                match self.socket.recv(&mut self.buffer, libc::MSG_TRUNC) {
                    Ok(length) => break length,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) => return Err(KernelError::from_io(error)),
                }
            };
            if length > self.buffer.len() {
                return Err(KernelError::protocol(
                    "netlink reply larger than the receive buffer",
                ));
            }
            let mut offset = 0;
            while offset < length {
                let packet = NetlinkBuffer::new_checked(&self.buffer[offset..length])
                    .map_err(|_| KernelError::protocol("malformed netlink message"))?;
                offset += (packet.length() as usize + 3) & !3;
                if packet.sequence_number() != sequence {
                    continue;
                }
                let payload = packet.payload();
                match packet.message_type() {
                    NLMSG_NOOP => {}
                    NLMSG_ERROR => return ack_result(packet.flags(), payload),
                    NLMSG_DONE => {
                        return match read_i32(payload) {
                            Some(code) if code < 0 => Err(KernelError {
                                errno: -code,
                                message: None,
                            }),
                            _ => Ok(()),
                        }
                    }
                    _ => {
                        on_message(decode(&packet)?);
                        if !until_ack && packet.flags() & NLM_F_MULTIPART == 0 {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

/// The message in a data packet.
fn decode<M: NetlinkDeserializable>(packet: &NetlinkBuffer<&[u8]>) -> Result<M, KernelError> {
    let mut header = NetlinkHeader::default();
    header.length = packet.length();
    header.message_type = packet.message_type();
    header.flags = packet.flags();
    header.sequence_number = packet.sequence_number();
    M::deserialize(&header, packet.payload())
        .map_err(|_| KernelError::protocol("cannot decode the kernel's reply"))
}

/// Reads an `NLMSG_ERROR` payload: 0 is an ack, a negative code an error,
/// with the extended ack's message when there is one.
fn ack_result(flags: u16, payload: &[u8]) -> Result<(), KernelError> {
    let code = read_i32(payload).ok_or_else(|| KernelError::protocol("short error message"))?;
    if code == 0 {
        return Ok(());
    }
    let mut message = None;
    if flags & NLM_F_ACK_TLVS != 0 {
        // With NETLINK_CAP_ACK the request is echoed as its 16-byte header only.
        let mut attributes = payload.get(4 + 16..).unwrap_or_default();
        while attributes.len() >= 4 {
            let length = u16::from_ne_bytes([attributes[0], attributes[1]]) as usize;
            let kind = u16::from_ne_bytes([attributes[2], attributes[3]]) & 0x3fff;
            if length < 4 || length > attributes.len() {
                break;
            }
            if kind == NLMSGERR_ATTR_MSG {
                let text = &attributes[4..length];
                let text = text.split(|b| *b == 0).next().unwrap_or_default();
                message = Some(String::from_utf8_lossy(text).into_owned());
            }
            attributes = attributes.get((length + 3) & !3..).unwrap_or_default();
        }
    }
    Err(KernelError {
        errno: -code,
        message,
    })
}

fn read_i32(bytes: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(bytes.get(..4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_is_ok_and_errors_carry_the_extended_ack_text() {
        assert_eq!(ack_result(0, &0i32.to_ne_bytes()), Ok(()));
        let mut payload = (-libc::EEXIST).to_ne_bytes().to_vec();
        payload.extend_from_slice(&[0; 16]);
        let text = b"File exists here\0";
        payload.extend_from_slice(&((4 + text.len()) as u16).to_ne_bytes());
        payload.extend_from_slice(&NLMSGERR_ATTR_MSG.to_ne_bytes());
        payload.extend_from_slice(text);
        let error = ack_result(NLM_F_ACK_TLVS, &payload).unwrap_err();
        assert_eq!(error.errno, libc::EEXIST);
        assert_eq!(error.message.as_deref(), Some("File exists here"));
        assert_eq!(
            error.to_string(),
            "it already exists (kernel: File exists here)"
        );
    }
}
