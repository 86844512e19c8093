//! Named network namespaces, kept where `ip netns` keeps them, so that each
//! tool sees the other's: a bind mount of the namespace on `/run/netns/NAME`,
//! with `/run/netns` a shared mount point.
//!
//! Entering a namespace acts on the calling thread only; [`Entered`] brings
//! the thread back to where it was.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::sleep;
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};
use nix::sys::statfs::{fstatfs, NSFS_MAGIC};
use serde::{Deserialize, Serialize};

use crate::error::{errno_words, io_words, Error, Result};
use crate::name::NsName;

/// Where iproute2 keeps named network namespaces.
pub const NETNS_RUN_DIR: &str = "/run/netns";
/// The calling thread's own network namespace.
const THREAD_NETNS: &str = "/proc/thread-self/ns/net";

/// Set once this process has made sure `/run/netns` is a shared mount point.
static RUN_DIR_READY: AtomicBool = AtomicBool::new(false);
/// How long a namespace file that is not mounted yet is waited for: another
/// `ip netns add` or vethkit may be between creating it and mounting on it.
const HALF_MADE_WAIT: Duration = Duration::from_secs(2);

/// What tells one network namespace from another: the device and inode
/// number of its nsfs file, and its cookie. The kernel gives a new
/// namespace the inode number of one freed before, so a namespace deleted
/// and made again under the same name may well have the same inode; its
/// cookie (`SO_NETNS_COOKIE`, Linux 5.14) is never given twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NsId {
    /// `st_dev` of the nsfs file.
    pub dev: u64,
    /// `st_ino` of the nsfs file.
    pub ino: u64,
    /// The namespace's cookie, where the kernel tells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<u64>,
}

impl NsId {
    /// The identity of the nsfs file `stat` describes, its cookie not known.
    fn of(stat: &nix::sys::stat::FileStat) -> Self {
        NsId {
            dev: stat.st_dev,
            ino: stat.st_ino,
            cookie: None,
        }
    }

    /// Whether both name the same nsfs inode (which a namespace made
    /// later may have too: see [`NsId`]).
    pub fn same_inode(&self, other: &NsId) -> bool {
        (self.dev, self.ino) == (other.dev, other.ino)
    }
}

/// The identity of the namespace `fd` refers to (its cookie not known).
pub fn id_of(fd: BorrowedFd<'_>) -> Result<NsId> {
    nix::sys::stat::fstat(fd)
        .map(|stat| NsId::of(&stat))
        .map_err(|errno| {
            Error::failed(format!(
                "cannot look at a namespace: {}",
                errno_words(errno as i32)
            ))
        })
}

/// The identity of what is at `/run/netns/NAME` now (`None`: nothing):
/// the namespace mounted there, or the plain file of one half made.
pub fn named_id(name: &NsName) -> Option<NsId> {
    nix::sys::stat::stat(&path(name))
        .ok()
        .map(|stat| NsId::of(&stat))
}

/// The file a named namespace is mounted on.
pub fn path(name: &NsName) -> PathBuf {
    Path::new(NETNS_RUN_DIR).join(name.as_str())
}

/// Whether a namespace of that name exists (its file under `/run/netns` does).
pub fn exists(name: &NsName) -> bool {
    path(name).symlink_metadata().is_ok()
}

/// Opens the named namespace, checking that it is a mounted namespace. A
/// file not mounted on yet is waited for a moment: another invocation may
/// be making it.
pub fn open(name: &NsName) -> Result<OwnedFd> {
    let started = std::time::Instant::now();
    loop {
        let file = File::open(path(name)).map_err(|error| match error.raw_os_error() {
            Some(libc::ENOENT) => Error::failed(format!(
                "no network namespace named {name} (see ip netns list)"
            )),
            _ => Error::failed(format!("cannot open netns {name}: {}", io_words(&error))),
        })?;
        let fd = OwnedFd::from(file);
        if fstatfs(&fd).is_ok_and(|stat| stat.filesystem_type() == NSFS_MAGIC) {
            return Ok(fd);
        }
        if started.elapsed() > HALF_MADE_WAIT {
            return Err(Error::failed(format!(
                "{} is not a mounted namespace (a leftover? remove it with ip netns del {name})",
                path(name).display()
            )));
        }
        sleep(Duration::from_millis(5));
    }
}

/// Opens the calling thread's own network namespace.
pub fn current() -> Result<OwnedFd> {
    File::open(THREAD_NETNS)
        .map(OwnedFd::from)
        .map_err(|error| Error::failed(format!("cannot open {THREAD_NETNS}: {}", io_words(&error))))
}

/// The identity of the calling thread's network namespace: its inode number.
pub fn current_id() -> Result<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(THREAD_NETNS)
        .map(|metadata| metadata.ino())
        .map_err(|error| Error::failed(format!("cannot read {THREAD_NETNS}: {}", io_words(&error))))
}

/// The calling thread, moved into another network namespace until
/// [`Entered::leave`] (or drop) brings it back.
pub struct Entered {
    came_from: OwnedFd,
}

impl Entered {
    /// Moves the calling thread into the namespace `target`.
    pub fn enter(target: BorrowedFd<'_>) -> Result<Self> {
        let came_from = current()?;
        setns(target, CloneFlags::CLONE_NEWNET).map_err(|errno| {
            Error::failed(format!(
                "cannot enter namespace: {}",
                errno_words(errno as i32)
            ))
        })?;
        Ok(Entered { came_from })
    }

    /// Moves the calling thread into a new, unnamed network namespace.
    fn unshare() -> Result<Self> {
        let came_from = current()?;
        unshare(CloneFlags::CLONE_NEWNET).map_err(|errno| {
            Error::failed(format!(
                "cannot create a network namespace: {}",
                errno_words(errno as i32)
            ))
        })?;
        Ok(Entered { came_from })
    }

    /// Brings the thread back to the namespace it was in.
    pub fn leave(self) -> Result<()> {
        let result = setns(self.came_from.as_fd(), CloneFlags::CLONE_NEWNET);
        std::mem::forget(self);
        result.map_err(|errno| {
            Error::failed(format!(
                "cannot return to the original namespace: {}",
                errno_words(errno as i32)
            ))
        })
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        if setns(self.came_from.as_fd(), CloneFlags::CLONE_NEWNET).is_err() {
            // Carrying on in the wrong namespace could change the wrong links.
            eprintln!("vethkit: cannot return to the original network namespace; stopping");
            std::process::abort();
        }
    }
}

/// How [`create`] went.
pub enum Creation<T> {
    /// Made here: a handle on it, and what `inside` returned.
    Made(OwnedFd, T),
    /// A namespace of that name exists already (or is being made by another
    /// invocation: [`open`] waits for it).
    Exists,
}

/// Creates the named namespace as `ip netns add` does, runs `inside` with the
/// calling thread in it, and returns a handle on the namespace with what
/// `inside` returned. The thread is back in its own namespace afterwards.
pub fn create<T>(name: &NsName, inside: impl FnOnce() -> Result<T>) -> Result<Creation<T>> {
    let cannot = |words: String| Error::failed(format!("cannot create netns {name}: {words}"));
    prepare_run_dir().map_err(&cannot)?;
    let path = path(name);
    let created = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o000)
        .custom_flags(libc::O_CLOEXEC)
        .open(&path);
    match created {
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => return Ok(Creation::Exists),
        Err(error) => return Err(cannot(io_words(&error))),
        Ok(_) => {}
    }
    let made = Entered::unshare().and_then(|entered| {
        let bound = mount(
            Some(THREAD_NETNS),
            &path,
            Some("none"),
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|errno| cannot(errno_words(errno as i32)));
        let result = bound.and_then(|()| Ok(Creation::Made(current()?, inside()?)));
        entered.leave()?;
        result
    });
    if made.is_err() {
        let _ = umount2(&path, MntFlags::MNT_DETACH);
        let _ = fs::remove_file(&path);
    }
    made
}

/// Deletes the named namespace as `ip netns del` does. Returns whether it existed.
pub fn delete(name: &NsName) -> Result<bool> {
    let path = path(name);
    if !exists(name) {
        return Ok(false);
    }
    let _ = umount2(&path, MntFlags::MNT_DETACH);
    let mut tries = 0;
    loop {
        match fs::remove_file(&path) {
            Ok(()) => return Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(error) if error.raw_os_error() == Some(libc::EBUSY) && tries < 50 => {
                tries += 1;
                sleep(Duration::from_millis(10));
            }
            Err(error) => {
                return Err(Error::failed(format!(
                    "cannot delete netns {name}: {}",
                    io_words(&error)
                )))
            }
        }
    }
}

/// Makes `/run/netns` exist and be a shared mount point, as `ip netns add`
/// does, under a lock on the directory (parallel runs once stacked mounts).
fn prepare_run_dir() -> Result<(), String> {
    if RUN_DIR_READY.load(Ordering::Relaxed) {
        return Ok(());
    }
    match fs::DirBuilder::new().mode(0o755).create(NETNS_RUN_DIR) {
        Err(error) if error.kind() != io::ErrorKind::AlreadyExists => {
            return Err(format!(
                "cannot create {NETNS_RUN_DIR}: {}",
                io_words(&error)
            ))
        }
        _ => {}
    }
    let directory = File::open(NETNS_RUN_DIR)
        .map_err(|error| format!("cannot open {NETNS_RUN_DIR}: {}", io_words(&error)))?;
    let _lock = Flock::lock(directory, FlockArg::LockExclusive).map_err(|(_, errno)| {
        format!("cannot lock {NETNS_RUN_DIR}: {}", errno_words(errno as i32))
    })?;
    let mut made_mount_point = false;
    loop {
        let shared = MsFlags::MS_SHARED | MsFlags::MS_REC;
        match mount(
            None::<&str>,
            NETNS_RUN_DIR,
            Some("none"),
            shared,
            None::<&str>,
        ) {
            Ok(()) => break,
            Err(Errno::EINVAL) if !made_mount_point => {
                let bind = MsFlags::MS_BIND | MsFlags::MS_REC;
                mount(
                    Some(NETNS_RUN_DIR),
                    NETNS_RUN_DIR,
                    Some("none"),
                    bind,
                    None::<&str>,
                )
                .and_then(|()| {
                    let private = MsFlags::MS_PRIVATE;
                    mount(
                        None::<&str>,
                        NETNS_RUN_DIR,
                        Some("none"),
                        private,
                        None::<&str>,
                    )
                })
                .map_err(|errno| {
                    format!(
                        "cannot mount {NETNS_RUN_DIR}: {}",
                        errno_words(errno as i32)
                    )
                })?;
                made_mount_point = true;
            }
            Err(errno) => {
                return Err(format!(
                    "cannot share {NETNS_RUN_DIR}: {}",
                    errno_words(errno as i32)
                ))
            }
        }
    }
    RUN_DIR_READY.store(true, Ordering::Relaxed);
    Ok(())
}
