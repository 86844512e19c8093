//! A TCP peer for the NAT tests, so they need no netcat:
//! `vethkit-test-tcp listen ADDR:PORT` prints "listening", accepts one
//! connection, prints the peer's address and answers "hello";
//! `vethkit-test-tcp connect ADDR:PORT` prints the answer, or fails within
//! two seconds. For transfers: `vethkit-test-tcp receive ADDR:PORT` prints
//! "listening", accepts one connection, reads it to its end and prints how
//! many bytes came and whether they are the pattern `send` writes;
//! `vethkit-test-tcp receive-timed ADDR:PORT` does the same, and adds how
//! long the connection took from its accept to its end, and the rate of
//! its bytes; `vethkit-test-tcp send ADDR:PORT BYTES` sends that many. For UDP:
//! `vethkit-test-tcp udp-listen ADDR:PORT` prints "listening", takes one
//! datagram, prints its sender's address and answers "hello";
//! `vethkit-test-tcp udp-ask ADDR:PORT` sends one and prints the answer,
//! or fails within two seconds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(address)) = (arguments.first(), arguments.get(1)) else {
        eprintln!(
            "usage: vethkit-test-tcp listen|connect|receive|receive-timed|udp-listen|udp-ask ADDR:PORT, or send ADDR:PORT BYTES"
        );
        return ExitCode::from(2);
    };
    let Ok(address) = address.parse::<SocketAddr>() else {
        eprintln!("vethkit-test-tcp: bad address {address}");
        return ExitCode::from(2);
    };
    let result = match mode.as_str() {
        "listen" => listen(address),
        "connect" => connect(address),
        "receive" => receive(address, false),
        "receive-timed" => receive(address, true),
        "udp-listen" => udp_listen(address),
        "udp-ask" => udp_ask(address),
        "send" => match arguments.get(2).and_then(|bytes| bytes.parse().ok()) {
            Some(bytes) => send(address, bytes),
            None => Err(std::io::Error::other("send needs a number of bytes")),
        },
        _ => Err(std::io::Error::other(
            "mode is listen, connect, receive, receive-timed, send, udp-listen or udp-ask",
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vethkit-test-tcp: {error}");
            ExitCode::FAILURE
        }
    }
}

fn listen(address: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(address)?;
    println!("listening");
    std::io::stdout().flush()?;
    let (mut stream, peer) = listener.accept()?;
    println!("{}", peer.ip());
    stream.write_all(b"hello\n")
}

fn connect(address: SocketAddr) -> std::io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    print!("{answer}");
    Ok(())
}

/// The byte at `offset` of what `send` sends.
fn pattern(offset: usize) -> u8 {
    (offset % 251) as u8
}

/// Takes one connection and reads it to its end; `timed`, it also says how
/// long that took, from the accept, and the rate of the bytes that came
/// (in Mbit/s: millions of bits a second, as tc counts them).
fn receive(address: SocketAddr, timed: bool) -> std::io::Result<()> {
    let listener = TcpListener::bind(address)?;
    println!("listening");
    std::io::stdout().flush()?;
    let (mut stream, _) = listener.accept()?;
    let started = Instant::now();
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received)?;
    let took = started.elapsed().as_secs_f64();
    let wrong = received
        .iter()
        .enumerate()
        .position(|(offset, byte)| *byte != pattern(offset));
    let mut report = match wrong {
        None => format!("received {} bytes, intact", received.len()),
        Some(offset) => format!(
            "received {} bytes, wrong from byte {offset}",
            received.len()
        ),
    };
    if timed {
        let megabits = received.len() as f64 * 8.0 / 1e6;
        report.push_str(&format!(
            ", in {took:.2} s: {:.1} Mbit/s",
            megabits / took.max(1e-6)
        ));
    }
    println!("{report}");
    Ok(())
}

fn send(address: SocketAddr, bytes: usize) -> std::io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let data: Vec<u8> = (0..bytes).map(pattern).collect();
    stream.write_all(&data)?;
    stream.shutdown(std::net::Shutdown::Write)
}

fn udp_listen(address: SocketAddr) -> std::io::Result<()> {
    let socket = UdpSocket::bind(address)?;
    println!("listening");
    std::io::stdout().flush()?;
    let mut datagram = [0; 512];
    let (_, peer) = socket.recv_from(&mut datagram)?;
    println!("{}", peer.ip());
    socket.send_to(b"hello\n", peer).map(|_| ())
}

fn udp_ask(address: SocketAddr) -> std::io::Result<()> {
    let unspecified: SocketAddr = if address.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .expect("an address");
    let socket = UdpSocket::bind(unspecified)?;
    socket.set_read_timeout(Some(Duration::from_secs(2)))?;
    socket.connect(address)?;
    socket.send(b"hi\n")?;
    let mut answer = [0; 512];
    let length = socket.recv(&mut answer)?;
    print!("{}", String::from_utf8_lossy(&answer[..length]));
    Ok(())
}
