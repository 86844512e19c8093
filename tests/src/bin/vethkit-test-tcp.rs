//! A TCP peer for the NAT tests, so they need no netcat:
//! `vethkit-test-tcp listen ADDR:PORT` prints "listening", accepts one
//! connection, prints the peer's address and answers "hello";
//! `vethkit-test-tcp connect ADDR:PORT` prints the answer, or fails within
//! two seconds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(address)) = (arguments.first(), arguments.get(1)) else {
        eprintln!("usage: vethkit-test-tcp listen|connect ADDR:PORT");
        return ExitCode::from(2);
    };
    let Ok(address) = address.parse::<SocketAddr>() else {
        eprintln!("vethkit-test-tcp: bad address {address}");
        return ExitCode::from(2);
    };
    let result = match mode.as_str() {
        "listen" => listen(address),
        "connect" => connect(address),
        _ => Err(std::io::Error::other("mode is listen or connect")),
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
