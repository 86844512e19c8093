//! A link's state: up or down (`ip link set dev NAME up|down`), its MTU
//! (`... mtu MTU`), and its namespace (`... netns NS [name NEW]`).

use std::fmt;
use std::os::fd::AsFd;

use serde::{Deserialize, Serialize};

use super::shared::{link_made, on_link, on_recorded_link, refused, skip_link, Doing};
use super::words::{ip, quote};
use super::{Change, Made, Object, Outcome, Skip, Step, Target};
use crate::context::{in_netns, Context, Netns};
use crate::cover::Named;
use crate::error::{io_words, Error, Result};
use crate::lookup::no_interface;
use crate::name::IfName;
use crate::netlink::KernelError;
use crate::rtnl;

/// `ip [-n NS] link set dev NAME up`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkUp {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`, its name when the step was planned.
    pub name: IfName,
}

/// `ip [-n NS] link set dev NAME down`, on the link brought up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDown {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`, its name when the step was planned.
    pub name: IfName,
    /// The link brought up: no other of its name is brought down.
    #[serde(flatten)]
    pub object: Object,
}

/// `ip [-n NS] link set dev NAME mtu MTU`, on a link the same plan makes:
/// set apart from the creation so that a bridge keeps it (the kernel sets
/// a bridge's MTU to its ports' unless it was set so).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkMtu {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`, its name when the step was planned.
    pub name: IfName,
    /// `mtu MTU`, in bytes.
    pub mtu: u32,
}

/// `ip [-n NS] link set dev NAME netns TO [name NEW_NAME]`: moves a link
/// to another namespace, renamed on the way when asked. It arrives down,
/// without addresses, routes or master.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkMove {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`, its name when the step was planned.
    pub name: IfName,
    /// Where it goes (`None`: the caller's namespace).
    pub to: Netns,
    /// Its name there, when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_name: Option<IfName>,
}

impl Change for LinkUp {
    /// Brings the link up: the one of the index learnt earlier in the
    /// invocation when there is one (what the undo is pinned to), else the
    /// one of that name, found by the kernel (no lookup: one round trip).
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let (netns, name) = (&self.netns, &self.name);
        let refused_up = |error: KernelError| match error.errno {
            libc::ENODEV => Error::failed(no_interface(name, netns)),
            _ => refused(Doing::BringUp, name, netns.as_ref(), error),
        };
        if let Some(index) = context.known_index(netns, name) {
            let socket = context.socket(netns.as_ref())?;
            match rtnl::set_up_by_index(socket, index, true) {
                Ok(()) => return Ok(Outcome::made(link_made(context, netns, index, None))),
                Err(error) if error.errno == libc::ENODEV => context.forget_indexes(netns),
                Err(error) => return Err(refused_up(error)),
            }
        }
        let socket = context.socket(netns.as_ref())?;
        rtnl::set_up(socket, name, true).map_err(refused_up)?;
        Ok(Outcome::done())
    }

    fn undo(&self) -> Option<Step> {
        Some(
            LinkDown {
                netns: self.netns.clone(),
                name: self.name.clone(),
                object: Object::default(),
            }
            .into(),
        )
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.name)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} link set dev {} up",
            ip(&self.netns),
            quote(&self.name)
        )
    }
}

impl Change for LinkDown {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        on_recorded_link(
            context,
            (&self.netns, &self.name, &self.object),
            &format!("not bringing {} down", self.name),
            &[libc::ENODEV],
            |socket, link| rtnl::set_up_by_index(socket, link.index, false),
        )
    }

    fn undo(&self) -> Option<Step> {
        None
    }

    fn pin(&mut self, made: &Made) {
        self.object.pin(made);
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        skip_link(context, &self.netns, &self.name, &self.object)
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.name)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} link set dev {} down",
            ip(&self.netns),
            quote(&self.name)
        )
    }
}

impl Change for LinkMtu {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let doing = (Doing::SetMtu, self.name.to_string());
        on_link(context, &self.netns, &self.name, doing, |socket, index| {
            rtnl::set_mtu(socket, index, self.mtu)
        })?;
        Ok(Outcome::done())
    }

    /// Nothing: the plan that sets it made the link, whose deletion undoes it.
    fn undo(&self) -> Option<Step> {
        None
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.name)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} link set dev {} mtu {}",
            ip(&self.netns),
            quote(&self.name),
            self.mtu
        )
    }
}

impl LinkMove {
    fn cannot(&self, words: String) -> Error {
        let destination = match &self.to {
            Some(to) => format!("to netns {to}"),
            None => "here".to_string(),
        };
        let renamed = self
            .new_name
            .as_ref()
            .map_or(String::new(), |new| format!(" as {new}"));
        Error::failed(format!(
            "cannot move {}{} {destination}{renamed}: {words}",
            self.name,
            in_netns(self.netns.as_ref())
        ))
    }
}

impl Change for LinkMove {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        context.forget_indexes(&self.netns);
        context.forget_indexes(&self.to);
        let target = context
            .netns_fd(self.to.as_ref())?
            .try_clone_to_owned()
            .map_err(|error| self.cannot(io_words(&error)))?;
        let Some(link) = crate::lookup::link(context, &self.netns, &self.name)? else {
            return Err(self.cannot("no such interface".into()));
        };
        let socket = context.socket(self.netns.as_ref())?;
        let new_name = self.new_name.as_ref();
        rtnl::move_link(socket, link.index, target.as_fd(), new_name).map_err(|error| {
            self.cannot(match error.errno {
                libc::EEXIST => format!(
                    "an interface named {} is already there",
                    new_name.unwrap_or(&self.name)
                ),
                libc::EINVAL if error.message.is_none() => {
                    "the kernel keeps this kind of interface in its namespace".into()
                }
                _ => error.to_string(),
            })
        })?;
        Ok(Outcome::done())
    }

    /// The move back, under the old name.
    fn undo(&self) -> Option<Step> {
        Some(
            LinkMove {
                netns: self.to.clone(),
                name: self.new_name.clone().unwrap_or_else(|| self.name.clone()),
                to: self.netns.clone(),
                new_name: self.new_name.as_ref().map(|_| self.name.clone()),
            }
            .into(),
        )
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.name)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `$$`: the namespace of the shell running the line, which is the
        // caller's (never `netns 1`, PID 1's namespace).
        let to = self
            .to
            .as_ref()
            .map_or_else(|| "$$".to_string(), |to| quote(to));
        write!(
            f,
            "{} link set dev {} netns {to}",
            ip(&self.netns),
            quote(&self.name)
        )?;
        match &self.new_name {
            Some(new_name) => write!(f, " name {}", quote(new_name)),
            None => Ok(()),
        }
    }
}
