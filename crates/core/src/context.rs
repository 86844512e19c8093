//! The namespaces one invocation works in, each with the netlink socket
//! opened inside it and kept for the invocation.

use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::name::NsName;
use crate::netns::{self, Entered};
use crate::nft::NetfilterSocket;
use crate::rtnl::RouteSocket;

/// Where a step acts: `None` is the namespace the command runs in (the
/// caller's), `Some` a named namespace under `/run/netns`.
pub type Netns = Option<NsName>;

/// How messages name a namespace: " in netns ns1", or nothing for the caller's.
pub fn in_netns(netns: Option<&NsName>) -> String {
    match netns {
        Some(name) => format!(" in netns {name}"),
        None => String::new(),
    }
}

/// A namespace and the socket opened inside it.
struct Handle {
    fd: OwnedFd,
    socket: RouteSocket,
}

/// How many named namespaces keep their socket before the oldest are closed:
/// enough for any one plan, few enough to stay far from the file limit.
const MAX_OPEN_NAMESPACES: usize = 256;

/// The sockets of one invocation, one per namespace it touches.
pub struct Context {
    home: Handle,
    named: HashMap<NsName, Handle>,
    netfilter: Option<NetfilterSocket>,
}

fn open_socket() -> Result<RouteSocket> {
    RouteSocket::route().map_err(|error| {
        Error::failed(format!(
            "cannot open a netlink socket: {}",
            crate::error::io_words(&error)
        ))
    })
}

impl Context {
    /// Opens a socket in the caller's own namespace.
    pub fn new() -> Result<Self> {
        Ok(Context {
            home: Handle {
                fd: netns::current()?,
                socket: open_socket()?,
            },
            named: HashMap::new(),
            netfilter: None,
        })
    }

    fn handle(&mut self, netns: Option<&NsName>) -> Result<&mut Handle> {
        let Some(name) = netns else {
            return Ok(&mut self.home);
        };
        if !self.named.contains_key(name) {
            let fd = netns::open(name)?;
            let entered = Entered::enter(fd.as_fd())?;
            let socket = open_socket();
            entered.leave()?;
            self.remember(
                name,
                Handle {
                    fd,
                    socket: socket?,
                },
            );
        }
        Ok(self.named.get_mut(name).expect("handle was just inserted"))
    }

    fn remember(&mut self, name: &NsName, handle: Handle) {
        if self.named.len() >= MAX_OPEN_NAMESPACES {
            self.named.clear();
        }
        self.named.insert(name.clone(), handle);
    }

    /// The socket inside `netns`, opened on first use.
    pub fn socket(&mut self, netns: Option<&NsName>) -> Result<&mut RouteSocket> {
        Ok(&mut self.handle(netns)?.socket)
    }

    /// The nfnetlink socket in the caller's namespace, opened on first use.
    pub fn netfilter(&mut self) -> Result<&mut NetfilterSocket> {
        if self.netfilter.is_none() {
            let socket = crate::nft::open().map_err(|error| {
                Error::failed(format!(
                    "cannot open a netfilter socket: {}",
                    crate::error::io_words(&error)
                ))
            })?;
            self.netfilter = Some(socket);
        }
        Ok(self.netfilter.as_mut().expect("socket was just opened"))
    }

    /// A handle on `netns` itself, for `IFLA_NET_NS_FD`.
    pub fn netns_fd(&mut self, netns: Option<&NsName>) -> Result<BorrowedFd<'_>> {
        Ok(self.handle(netns)?.fd.as_fd())
    }

    /// Runs `work` on this thread inside `netns`, then returns the thread
    /// to the caller's namespace (for `/proc/sys/net`, which shows the
    /// namespace of the thread that looks).
    pub fn inside<T>(&mut self, netns: Option<&NsName>, work: impl FnOnce() -> T) -> Result<T> {
        if netns.is_none() {
            return Ok(work());
        }
        let entered = Entered::enter(self.netns_fd(netns)?)?;
        let result = work();
        entered.leave()?;
        Ok(result)
    }

    /// Whether `netns` exists (the caller's always does).
    pub fn netns_exists(&self, netns: Option<&NsName>) -> bool {
        match netns {
            Some(name) => self.named.contains_key(name) || netns::exists(name),
            None => true,
        }
    }

    /// Creates the named namespace and opens its socket from inside it.
    pub fn create_netns(&mut self, name: &NsName) -> Result<()> {
        let (fd, socket) = netns::create(name, open_socket)?;
        self.remember(name, Handle { fd, socket });
        Ok(())
    }

    /// Deletes the named namespace and closes its socket. Returns whether it existed.
    pub fn delete_netns(&mut self, name: &NsName) -> Result<bool> {
        self.named.remove(name);
        netns::delete(name)
    }
}
