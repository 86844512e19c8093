//! netns-exec: enter a named network namespace the way `ip netns exec`
//! does, then exec the command in place.

pub mod cli;

use std::ffi::{CString, OsString};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};
use nix::sys::statvfs::{statvfs, FsFlags};
use vethkit_core::cli::Changes;
use vethkit_core::error::errno_words;
use vethkit_core::name::NsName;
use vethkit_core::netns;
use vethkit_core::plan::Plan;
use vethkit_core::step::netns::NetnsAdd;
use vethkit_core::{Error, Result};

pub use cli::Cli;

/// Where per-namespace configuration files are kept, as iproute2 keeps them.
const NETNS_ETC_DIR: &str = "/etc/netns";
/// The search path when `$PATH` is unset, as in glibc's execvp.
const DEFAULT_PATH: &str = "/bin:/usr/bin";

/// Runs netns-exec with the process's arguments; returns only on failure.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    if cli.create && !netns::exists(&cli.netns) {
        let mut executor = Changes::default().executor("netns-exec")?;
        let mut plan = Plan::default();
        plan.push(NetnsAdd {
            name: cli.netns.clone(),
        });
        executor.run(&plan)?;
    }
    enter(&cli.netns)?;
    let command = if cli.command.is_empty() {
        vec![std::env::var_os("SHELL")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/bin/sh".into())]
    } else {
        cli.command
    };
    exec(&command)
}

/// Moves this process into the namespace with a private mount namespace,
/// a fresh /sys, and the namespace's /etc files.
fn enter(name: &NsName) -> Result<()> {
    let fd = netns::open(name)?;
    let cannot = |what: &str, errno: Errno| {
        Error::failed(format!(
            "cannot {what} for netns {name}: {}",
            errno_words(errno as i32)
        ))
    };
    setns(&fd, CloneFlags::CLONE_NEWNET).map_err(|e| cannot("enter the network namespace", e))?;
    unshare(CloneFlags::CLONE_NEWNS).map_err(|e| cannot("make a private mount namespace", e))?;
    // Mounts made from here on must not propagate back to the caller's namespace.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_SLAVE | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(|e| cannot("make / a slave mount", e))?;
    remount_sys(name).map_err(|e| cannot("mount /sys", e))?;
    bind_etc_files(name);
    Ok(())
}

/// Replaces /sys with a sysfs of the namespace just joined, read-only if the old one was.
fn remount_sys(name: &NsName) -> nix::Result<()> {
    let read_only = statvfs("/sys").is_ok_and(|stat| stat.flags().contains(FsFlags::ST_RDONLY));
    let _ = umount2("/sys", MntFlags::MNT_DETACH);
    let flags = if read_only {
        MsFlags::MS_RDONLY
    } else {
        MsFlags::empty()
    };
    mount(
        Some(name.as_str()),
        "/sys",
        Some("sysfs"),
        flags,
        None::<&str>,
    )
}

/// Bind-mounts each /etc/netns/NS/FILE over /etc/FILE; failures are warnings, as in iproute2.
fn bind_etc_files(name: &NsName) {
    let directory = Path::new(NETNS_ETC_DIR).join(name.as_str());
    let Ok(entries) = fs::read_dir(&directory) else {
        return;
    };
    for entry in entries.flatten() {
        let source = entry.path();
        let target = Path::new("/etc").join(entry.file_name());
        if let Err(errno) = mount(
            Some(&source),
            &target,
            Some("none"),
            MsFlags::MS_BIND,
            None::<&str>,
        ) {
            eprintln!(
                "netns-exec: warning: cannot bind {} over {}: {}",
                source.display(),
                target.display(),
                errno_words(errno as i32)
            );
        }
    }
}

/// Execs the command in this process. A name without `/` is looked up in
/// `$PATH` as the shell does: the first regular file found is run (126 if it
/// cannot be), and a name found nowhere is "not found" (127), even where
/// some `$PATH` directory cannot be searched.
fn exec(command: &[OsString]) -> Result<()> {
    let program = command[0].to_string_lossy().into_owned();
    let arguments: Vec<CString> = command
        .iter()
        .map(|word| CString::new(word.as_bytes()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::usage(format!("{program}: an argument contains a NUL byte")))?;
    let path = if program.contains('/') {
        Some(PathBuf::from(&command[0]))
    } else {
        let search = std::env::var_os("PATH").unwrap_or_else(|| DEFAULT_PATH.into());
        std::env::split_paths(&search)
            .map(|directory| directory.join(&command[0]))
            .find(|candidate| candidate.metadata().is_ok_and(|m| m.is_file()))
    };
    let Some(path) = path else {
        return Err(Error::Status(127, format!("{program}: command not found")));
    };
    let path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::usage("NUL in the command"))?;
    let errno = match nix::unistd::execv(&path, &arguments) {
        Err(errno) => errno,
        Ok(never) => match never {},
    };
    Err(match errno {
        Errno::ENOENT => Error::Status(127, format!("{program}: command not found")),
        other => Error::Status(
            126,
            format!("cannot run {program}: {}", errno_words(other as i32)),
        ),
    })
}
