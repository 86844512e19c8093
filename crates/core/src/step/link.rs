//! Links: `ip link add NAME ... type KIND ...`, one step over the kinds of
//! link vethkit makes (each kind in a file of its own supplies what is
//! its own, as iproute2's `link_util`s do), and `ip link del dev NAME`,
//! which undoes it while NAME is still the link made and of its kind.

use std::fmt;
use std::os::fd::OwnedFd;

use netlink_packet_route::link::{LinkAttribute, LinkMessage};
use serde::{Deserialize, Serialize};

use super::shared::{find_link, link_made, refused, to_delete, Doing};
use super::words::{ip, quote};
use super::{bridge, veth, vxlan, Change, Found, Made, Object, Outcome, Skip, Step, Target};
use crate::context::{in_netns, Context, Netns};
use crate::cover::Named;
use crate::error::Result;
use crate::mac::Mac;
use crate::name::IfName;
use crate::rtnl::{self, Link};

/// What a kind of link supplies to the step that makes one.
pub trait Kind {
    /// Its name, as the kernel gives it (`IFLA_INFO_KIND`).
    fn name(&self) -> KindName;

    /// Adds the kind's attributes to `message`, which makes the link `add`
    /// asks for; returns what must stay open until it is sent (a handle
    /// on another namespace, say).
    fn build(
        &self,
        add: &LinkAdd,
        context: &mut Context,
        message: &mut LinkMessage,
    ) -> Result<Vec<OwnedFd>>;

    /// The words after `type` in `ip link add` (`veth peer name PEER`).
    fn words(&self, add: &LinkAdd) -> String;

    /// The links the kind makes besides the one named (a veth's peer).
    fn others(&self) -> Vec<(Netns, IfName)>;

    /// Whether `existing`, of the name asked for, is the link asked for
    /// (its other links included): made a moment earlier by another
    /// invocation.
    fn is_as_asked(&self, add: &LinkAdd, existing: &Link, context: &mut Context) -> bool;

    /// Learns, from the link made as the kernel echoed it, the indexes of
    /// the others.
    fn learn(&self, made: &Link, context: &mut Context);
}

/// What every link made is asked for, whatever its kind: a name, and
/// maybe an MTU and a hardware address (for a veth, each end's).
pub struct Basics<'a> {
    /// `name NAME`.
    pub name: &'a IfName,
    /// `mtu MTU`.
    pub mtu: Option<u32>,
    /// `address MAC`.
    pub mac: Option<Mac>,
}

impl Basics<'_> {
    /// Their attributes in the message that makes the link.
    pub fn attributes(&self) -> Vec<LinkAttribute> {
        let mut attributes = vec![LinkAttribute::IfName(self.name.to_string())];
        attributes.extend(self.mtu.map(LinkAttribute::Mtu));
        attributes.extend(self.mac.map(|mac| LinkAttribute::Address(mac.0.to_vec())));
        attributes
    }

    /// ` mtu MTU address MAC`, as asked, for after the name.
    pub fn words(&self) -> String {
        let mtu = self.mtu.map(|mtu| format!(" mtu {mtu}"));
        let mac = self.mac.map(|mac| format!(" address {mac}"));
        mtu.unwrap_or_default() + &mac.unwrap_or_default()
    }

    /// Whether `link` has the MTU and address asked for.
    pub fn are_those_of(&self, link: &Link) -> bool {
        self.mtu.map_or(true, |mtu| link.mtu == Some(mtu))
            && self.mac.map_or(true, |mac| link.mac == Some(mac))
    }
}

/// The name of a kind of link vethkit makes, as the kernel gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KindName {
    /// `veth`
    Veth,
    /// `bridge`
    Bridge,
    /// `vxlan`
    Vxlan,
}

impl KindName {
    /// The kernel's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::Veth => "veth",
            KindName::Bridge => "bridge",
            KindName::Vxlan => "vxlan",
        }
    }

    /// Whether `link` is of this kind.
    pub fn is_kind_of(self, link: &Link) -> bool {
        link.kind.as_deref() == Some(self.as_str())
    }
}

/// Declares [`LinkKind`], one variant a kind of link, and hands each of
/// its methods to its kind.
macro_rules! link_kinds {
    ($($variant:ident($kind:ty),)*) => {
        /// A kind of link, with what is its own.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "type", rename_all = "kebab-case")]
        pub enum LinkKind {
            $(#[allow(missing_docs)] $variant($kind),)*
        }

        impl LinkKind {
            fn inner(&self) -> &dyn Kind {
                match self {
                    $(LinkKind::$variant(kind) => kind,)*
                }
            }
        }

        $(impl From<$kind> for LinkKind {
            fn from(kind: $kind) -> LinkKind {
                LinkKind::$variant(kind)
            }
        })*
    };
}

link_kinds! {
    Veth(veth::Veth),
    Bridge(bridge::Bridge),
    Vxlan(vxlan::Vxlan),
}

impl Kind for LinkKind {
    fn name(&self) -> KindName {
        self.inner().name()
    }

    fn build(
        &self,
        add: &LinkAdd,
        context: &mut Context,
        message: &mut LinkMessage,
    ) -> Result<Vec<OwnedFd>> {
        self.inner().build(add, context, message)
    }

    fn words(&self, add: &LinkAdd) -> String {
        self.inner().words(add)
    }

    fn others(&self) -> Vec<(Netns, IfName)> {
        self.inner().others()
    }

    fn is_as_asked(&self, add: &LinkAdd, existing: &Link, context: &mut Context) -> bool {
        self.inner().is_as_asked(add, existing, context)
    }

    fn learn(&self, made: &Link, context: &mut Context) {
        self.inner().learn(made, context)
    }
}

/// `ip [-n NS] link add name NAME [mtu MTU] [address MAC] type KIND ...`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAdd {
    /// Where the link is made (and the request sent from).
    pub netns: Netns,
    /// `name NAME`.
    pub name: IfName,
    /// Its MTU (a veth's peer takes the same).
    pub mtu: Option<u32>,
    /// `address MAC`: its hardware address (`None`: one the kernel picks).
    pub mac: Option<Mac>,
    /// What kind of link, with what is its own.
    pub kind: LinkKind,
}

/// `ip [-n NS] link del dev NAME`, while it is the link made, and of `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDel {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`, its name when it was made.
    pub name: IfName,
    /// Its kind: a link of another kind is not the one made.
    pub kind: KindName,
    /// Which link the step made, once known: only that one is deleted.
    #[serde(flatten)]
    pub object: Object,
}

impl LinkAdd {
    /// Its name, MTU and address, as asked.
    fn basics(&self) -> Basics<'_> {
        Basics {
            name: &self.name,
            mtu: self.mtu,
            mac: self.mac,
        }
    }

    /// Whether a link found under the name after the kernel said it
    /// exists is the one asked for, made a moment earlier by another
    /// invocation.
    fn made_by_another(&self, context: &mut Context) -> bool {
        let Ok(socket) = context.socket(self.netns.as_ref()) else {
            return false;
        };
        let Ok(Some(existing)) = rtnl::link_by_name(socket, &self.name) else {
            return false;
        };
        self.kind.name().is_kind_of(&existing)
            && self.basics().are_those_of(&existing)
            && self.kind.is_as_asked(self, &existing, context)
    }

    /// The refusal of a name taken: the kernel does not say which of the
    /// links made clashed, so the first one found is named, else the last
    /// (a veth's peer).
    fn clash(&self, context: &mut Context, error: crate::netlink::KernelError) -> crate::Error {
        let mut ends = vec![(self.netns.clone(), self.name.clone())];
        ends.extend(self.kind.others());
        let found = ends.iter().find(|(netns, name)| {
            context
                .socket(netns.as_ref())
                .is_ok_and(|socket| rtnl::link_by_name(socket, name).ok().flatten().is_some())
        });
        let (netns, name) = found.unwrap_or(&ends[ends.len() - 1]);
        refused(Doing::Create, name, netns.as_ref(), error)
    }
}

impl Change for LinkAdd {
    /// Makes the link; one made as asked a moment earlier by another
    /// invocation is taken as it is.
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let mut message = LinkMessage::default();
        message.attributes = self.basics().attributes();
        let _open = self.kind.build(self, context, &mut message)?;
        let socket = context.socket(self.netns.as_ref())?;
        let echo = match rtnl::create_link(socket, message) {
            Ok(echo) => echo,
            Err(error) if error.errno == libc::EEXIST => {
                if self.made_by_another(context) {
                    return Ok(Outcome::made_by_another());
                }
                return Err(self.clash(context, error));
            }
            Err(error) => {
                return Err(refused(
                    Doing::Create,
                    &self.name,
                    self.netns.as_ref(),
                    error,
                ))
            }
        };
        // The link is made: what follows only pins its undo.
        let socket = context.socket(self.netns.as_ref())?;
        let Some(made) = echo.or_else(|| rtnl::link_by_name(socket, &self.name).ok().flatten())
        else {
            return Ok(Outcome::done());
        };
        context.learn_index(&self.netns, &self.name, made.index);
        self.kind.learn(&made, context);
        Ok(Outcome::made(link_made(
            context,
            &self.netns,
            made.index,
            None,
        )))
    }

    fn undo(&self) -> Option<Step> {
        Some(
            LinkDel {
                netns: self.netns.clone(),
                name: self.name.clone(),
                kind: self.kind.name(),
                object: Object::default(),
            }
            .into(),
        )
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.name)
    }

    /// The link named, and the kind's others: deleting one end of a veth
    /// deletes both.
    fn creates(&self) -> Vec<Named> {
        let mut links = vec![Named::Link(self.netns.clone(), self.name.clone())];
        let others = self.kind.others().into_iter();
        links.extend(others.map(|(netns, name)| Named::Link(netns, name)));
        links
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} link add name {}{} type {}",
            ip(&self.netns),
            quote(&self.name),
            self.basics().words(),
            self.kind.words(self)
        )
    }
}

impl LinkDel {
    /// The link to delete: the one made, if it is there and of its kind.
    fn to_delete(&self, context: &mut Context) -> Result<Found<Link>> {
        let found = find_link(context, &self.netns, &self.name, &self.object)?;
        Ok(to_delete(found, (self.kind, &self.name, &self.netns)))
    }
}

impl Change for LinkDel {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        context.forget_indexes(&self.netns);
        let link = match self.to_delete(context)? {
            Found::Ours(link) => link,
            Found::Skip(skip) => return Ok(Outcome::skipped(skip)),
        };
        let socket = context.socket(self.netns.as_ref())?;
        match rtnl::delete_link(socket, link.index) {
            Err(error) if error.errno == libc::ENODEV => Ok(Outcome::skipped(Skip::gone(
                !self.object.is_unknown(),
                format!(
                    "not deleting: {}{} is gone",
                    self.name,
                    in_netns(self.netns.as_ref())
                ),
            ))),
            Err(error) => Err(refused(
                Doing::Delete,
                &self.name,
                self.netns.as_ref(),
                error,
            )),
            Ok(()) => Ok(Outcome::done()),
        }
    }

    fn undo(&self) -> Option<Step> {
        None
    }

    fn pin(&mut self, made: &Made) {
        self.object.pin(made);
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        Ok(match self.to_delete(context)? {
            Found::Ours(_) => None,
            Found::Skip(skip) => Some(skip),
        })
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.name)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        Some(Named::Link(self.netns.clone(), self.name.clone()))
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} link del dev {}", ip(&self.netns), quote(&self.name))
    }
}
