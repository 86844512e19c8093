//! The namespaces one invocation works in, each with the netlink socket
//! opened inside it and kept for the invocation.

use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::name::{IfName, NsName};
use crate::netns::{self, Creation, Entered, NsId};
use crate::nft::NetfilterSocket;
use crate::rtnl::RouteSocket;
use crate::sysctl::{self, Key};

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

/// A namespace, its identity, the socket opened inside it, the link
/// indexes learnt there (they go with the handle, so a namespace made
/// again starts afresh), and the sysctls written as it was made.
struct Handle {
    fd: OwnedFd,
    id: NsId,
    socket: RouteSocket,
    indexes: HashMap<IfName, u32>,
    written: Vec<Sysctl>,
}

/// A sysctl key and its value.
pub type Sysctl = (Key, String);

/// A namespace for [`Context::create_ahead`] to make, and the sysctls to
/// write in it once made, while its creator is inside it anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToCreate {
    /// The namespace's name.
    pub name: NsName,
    /// The sysctls its plan sets before anything else is made there.
    pub sysctls: Vec<Sysctl>,
}

impl Handle {
    fn new(fd: OwnedFd, socket: RouteSocket) -> Result<Self> {
        let id = NsId {
            cookie: socket.netns_cookie(),
            ..netns::id_of(fd.as_fd())?
        };
        Ok(Handle {
            id,
            fd,
            socket,
            indexes: HashMap::new(),
            written: Vec::new(),
        })
    }
}

/// Whether the namespace an undo is about is still the one it was made in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// There, and the same namespace (or the caller's, or one whose
    /// identity was not recorded).
    There,
    /// No namespace has its name any more.
    Gone,
    /// Another namespace now has its name.
    Replaced,
}

/// How many named namespaces keep their socket before all are closed (and
/// opened again as needed): enough for any one plan, few enough to stay far
/// from the file limit.
const MAX_OPEN_NAMESPACES: usize = 256;

/// The sockets of one invocation, one per namespace it touches.
pub struct Context {
    caller: Handle,
    named: HashMap<NsName, Handle>,
    netfilter: Option<NetfilterSocket>,
    ahead: Option<CreatedAhead>,
}

/// Namespaces being created on another thread, in the order they will be
/// asked for.
struct CreatedAhead {
    names: VecDeque<NsName>,
    made: Receiver<Result<Option<Handle>>>,
    worker: JoinHandle<()>,
}

/// Creates the named namespace, writes `sysctls` there and opens a socket
/// inside it; `None` when a namespace of that name exists already. The
/// handle keeps the sysctls the kernel took as written.
fn create_handle(name: &NsName, sysctls: Vec<Sysctl>) -> Result<Option<Handle>> {
    let inside = || {
        let written = sysctls
            .into_iter()
            .filter(|(key, value)| {
                sysctl::write_and_read(key, value).is_ok_and(|now| sysctl::same_value(&now, value))
            })
            .collect();
        Ok((open_socket()?, written))
    };
    match netns::create(name, inside)? {
        Creation::Made(fd, (socket, written)) => Ok(Some(Handle {
            written,
            ..Handle::new(fd, socket)?
        })),
        Creation::Exists => Ok(None),
    }
}

fn open_socket() -> Result<RouteSocket> {
    RouteSocket::open().map_err(|error| {
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
            caller: Handle::new(netns::current()?, open_socket()?)?,
            named: HashMap::new(),
            netfilter: None,
            ahead: None,
        })
    }

    fn handle(&mut self, netns: Option<&NsName>) -> Result<&mut Handle> {
        let Some(name) = netns else {
            return Ok(&mut self.caller);
        };
        if !self.named.contains_key(name) {
            let fd = netns::open(name)?;
            let entered = Entered::enter(fd.as_fd())?;
            let socket = open_socket();
            entered.leave()?;
            let handle = Handle::new(fd, socket?)?;
            self.remember(name, handle);
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
            let socket = NetfilterSocket::open().map_err(|error| {
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

    /// The handle of `netns` if it is open, without opening it.
    fn open_handle(&mut self, netns: &Netns) -> Option<&mut Handle> {
        match netns {
            None => Some(&mut self.caller),
            Some(name) => self.named.get_mut(name),
        }
    }

    /// The index learnt for the link `name` of `netns`, if any.
    pub fn known_index(&mut self, netns: &Netns, name: &IfName) -> Option<u32> {
        self.open_handle(netns)?.indexes.get(name).copied()
    }

    /// Notes the index of the link `name` of `netns`, for later requests.
    pub fn learn_index(&mut self, netns: &Netns, name: &IfName, index: u32) {
        if let Some(handle) = self.open_handle(netns) {
            handle.indexes.insert(name.clone(), index);
        }
    }

    /// Forgets the indexes learnt in `netns`: called whenever links there
    /// are deleted, moved or renamed.
    pub fn forget_indexes(&mut self, netns: &Netns) {
        if let Some(handle) = self.open_handle(netns) {
            handle.indexes.clear();
        }
    }

    /// The identity of the named namespace `netns`, for an undo to act on
    /// that namespace only; `None` for the caller's, or when it cannot be
    /// told (the undo then goes by name).
    pub fn netns_id(&mut self, netns: Option<&NsName>) -> Option<NsId> {
        netns?;
        self.handle(netns).ok().map(|handle| handle.id)
    }

    /// Whether the namespace `netns` is still there and, when `recorded`
    /// is known, the one recorded (a namespace that cannot be entered to
    /// tell is not): what an undo about something in it checks first. A
    /// handle on a namespace since replaced is dropped.
    pub fn presence(&mut self, netns: Option<&NsName>, recorded: Option<NsId>) -> Presence {
        let Some(name) = netns else {
            return Presence::There;
        };
        let Some(now) = netns::named_id(name) else {
            self.named.remove(name);
            return Presence::Gone;
        };
        if self
            .named
            .get(name)
            .is_some_and(|handle| !handle.id.same_inode(&now))
        {
            self.named.remove(name);
        }
        let Some(recorded) = recorded else {
            return Presence::There;
        };
        if !recorded.same_inode(&now) {
            return Presence::Replaced;
        }
        // The same inode may be a namespace made since: the cookie tells.
        let cookie = match (recorded.cookie, self.handle(Some(name))) {
            (None, _) => return Presence::There,
            (Some(_), Err(_)) => return Presence::Replaced,
            (Some(cookie), Ok(handle)) => (cookie, handle.id.cookie),
        };
        match cookie {
            (recorded, Some(now)) if recorded != now => Presence::Replaced,
            _ => Presence::There,
        }
    }

    /// Whether `netns` exists (the caller's always does).
    pub fn netns_exists(&self, netns: Option<&NsName>) -> bool {
        match netns {
            Some(name) => self.named.contains_key(name) || netns::exists(name),
            None => true,
        }
    }

    /// Creates the named namespace and opens its socket from inside it,
    /// or takes it from [`Self::create_ahead`] when it is next there.
    /// Returns whether it was made here: `false` when another invocation
    /// made it a moment earlier, and it is used as it is.
    pub fn create_netns(&mut self, name: &NsName) -> Result<bool> {
        let mut made = match &mut self.ahead {
            Some(ahead) if ahead.names.front() == Some(name) => {
                ahead.names.pop_front();
                ahead.made.recv().unwrap_or_else(|_| {
                    Err(Error::failed(format!(
                        "cannot create netns {name}: its creator thread stopped"
                    )))
                })?
            }
            _ => create_handle(name, Vec::new())?,
        };
        loop {
            if let Some(handle) = made {
                self.remember(name, handle);
                return Ok(true);
            }
            self.named.remove(name);
            match self.handle(Some(name)) {
                Ok(_) => return Ok(false),
                // Its maker gave up and removed it: make it here after all.
                Err(_) if !netns::exists(name) => made = create_handle(name, Vec::new())?,
                Err(error) => return Err(error),
            }
        }
    }

    /// Starts creating the namespaces `to_create` on another thread, one
    /// after the other, for [`Self::create_netns`] to take in that order,
    /// each with its sysctls written (see [`Self::written_at_creation`]).
    /// Creating a namespace is the kernel's slowest step here, and most of
    /// it runs beside the rtnetlink requests this thread sends meanwhile.
    /// Their undo must be in the journal already (write-ahead).
    pub fn create_ahead(&mut self, to_create: Vec<ToCreate>) {
        self.discard_ahead();
        if to_create.is_empty() {
            return;
        }
        let (sender, made) = sync_channel(to_create.len());
        let names = to_create.iter().map(|each| each.name.clone()).collect();
        let worker = std::thread::spawn(move || {
            for ToCreate { name, sysctls } in to_create {
                if sender.send(create_handle(&name, sysctls)).is_err() {
                    return;
                }
            }
        });
        self.ahead = Some(CreatedAhead {
            names,
            made,
            worker,
        });
    }

    /// Whether `key` was set to `value` in `netns` as it was made (by
    /// [`Self::create_ahead`]); it then counts as done, once.
    pub fn written_at_creation(&mut self, netns: Option<&NsName>, key: &Key, value: &str) -> bool {
        let Some(handle) = netns.and_then(|name| self.named.get_mut(name)) else {
            return false;
        };
        let found = handle
            .written
            .iter()
            .position(|(k, v)| k == key && v == value);
        found.map(|at| handle.written.swap_remove(at)).is_some()
    }

    /// Deletes the namespaces created ahead that were never taken.
    pub fn discard_ahead(&mut self) {
        let Some(ahead) = self.ahead.take() else {
            return;
        };
        let _ = ahead.worker.join();
        for (name, made) in ahead.names.iter().zip(ahead.made.try_iter()) {
            if let Ok(Some(_)) = made {
                let _ = netns::delete(name);
            }
        }
    }

    /// Deletes the named namespace and closes its socket. Returns whether it existed.
    pub fn delete_netns(&mut self, name: &NsName) -> Result<bool> {
        self.named.remove(name);
        netns::delete(name)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        self.discard_ahead();
    }
}
