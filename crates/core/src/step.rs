//! Steps: the units every plan is made of. Each step applies itself over
//! netlink, knows the step that undoes it, and prints itself as the `ip`
//! command line that does the same.
//!
//! Forward steps fail when what they would create already exists; undo
//! steps succeed when what they would remove is already gone, so that a
//! rollback or a reset can always be run again.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::context::{in_netns, Context, Netns};
use crate::error::{Error, Result};
use crate::mac::Mac;
use crate::name::{IfName, NsName};
use crate::netlink::KernelError;
use crate::rtnl::{self, Link, RouteSocket, VethRequest};

/// One change to the kernel's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// `ip netns add NAME`
    NetnsAdd {
        /// The namespace.
        name: NsName,
    },
    /// `ip netns del NAME`
    NetnsDel {
        /// The namespace.
        name: NsName,
    },
    /// `ip [-n NS] link add name NAME type veth peer name PEER [netns PEER_NS]`
    VethAdd {
        /// Where NAME is created (and the request is sent from).
        netns: Netns,
        /// The first end.
        name: IfName,
        /// Where PEER is created.
        peer_netns: Netns,
        /// The other end.
        peer: IfName,
        /// MTU of both ends.
        mtu: Option<u32>,
        /// Hardware address of NAME.
        mac: Option<Mac>,
        /// Hardware address of PEER.
        peer_mac: Option<Mac>,
    },
    /// `ip [-n NS] link del dev NAME`, only when NAME is still of `kind`.
    LinkDel {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
        /// Its kind ("veth", "bridge"): a link of another kind is not ours.
        kind: String,
    },
    /// `ip [-n NS] link set dev NAME up`
    LinkUp {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
    },
    /// `ip [-n NS] link set dev NAME down`
    LinkDown {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
    },
    /// `ip [-n NS] address add CIDR dev NAME`
    AddrAdd {
        /// Where the link is.
        netns: Netns,
        /// The link.
        dev: IfName,
        /// The address and prefix length.
        address: IpNet,
    },
    /// `ip [-n NS] address del CIDR dev NAME`
    AddrDel {
        /// Where the link is.
        netns: Netns,
        /// The link.
        dev: IfName,
        /// The address and prefix length.
        address: IpNet,
    },
    /// `ip [-n NS] route add default via GATEWAY dev NAME`
    RouteAdd {
        /// Where the route goes.
        netns: Netns,
        /// The link the gateway is reached through.
        dev: IfName,
        /// The gateway.
        gateway: IpAddr,
    },
    /// `ip [-n NS] route del default via GATEWAY dev NAME`
    RouteDel {
        /// Where the route is.
        netns: Netns,
        /// The link the gateway is reached through.
        dev: IfName,
        /// The gateway.
        gateway: IpAddr,
    },
}

/// A kernel error while doing `what` to `object` in `netns`, in words.
fn refused(
    what: &str,
    object: impl fmt::Display,
    netns: Option<&NsName>,
    error: KernelError,
) -> Error {
    let words = match error.errno {
        libc::EEXIST if what == "create" => {
            "an interface with that name already exists".to_string()
        }
        _ => error.to_string(),
    };
    Error::failed(format!(
        "cannot {what} {object}: {words}{}",
        in_netns(netns)
    ))
}

/// Sends `request` about the link `name`, which must exist in `netns`.
fn on_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    what: &str,
    object: impl fmt::Display,
    request: impl FnOnce(&mut RouteSocket, &Link) -> Result<(), KernelError>,
) -> Result<()> {
    let netns = netns.as_ref();
    let socket = context.socket(netns)?;
    let link = match rtnl::link_by_name(socket, name) {
        Ok(Some(link)) => link,
        Ok(None) => {
            return Err(Error::failed(format!(
                "no interface named {name}{}",
                in_netns(netns)
            )))
        }
        Err(error) => return Err(refused("look up", name, netns, error)),
    };
    request(socket, &link).map_err(|error| refused(what, object, netns, error))
}

/// Sends an undo `request` about the link `name` if it is still there: a
/// missing namespace or link, or an errno in `gone`, means the change is
/// undone already.
fn on_remaining_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    what: &str,
    object: impl fmt::Display,
    gone: &[i32],
    request: impl FnOnce(&mut RouteSocket, &Link) -> Result<(), KernelError>,
) -> Result<()> {
    let netns = netns.as_ref();
    if !context.netns_exists(netns) {
        return Ok(());
    }
    let socket = context.socket(netns)?;
    let link = match rtnl::link_by_name(socket, name) {
        Ok(Some(link)) => link,
        Ok(None) => return Ok(()),
        Err(error) => return Err(refused("look up", name, netns, error)),
    };
    match request(socket, &link) {
        Err(error) if !gone.contains(&error.errno) => Err(refused(what, object, netns, error)),
        _ => Ok(()),
    }
}

/// Creates a veth pair from the socket in `netns`, the peer going straight
/// into `peer_netns` when that is another namespace.
fn create_veth(
    context: &mut Context,
    netns: &Netns,
    peer_netns: &Netns,
    mut request: VethRequest<'_>,
) -> Result<()> {
    let name = request.name;
    if peer_netns != netns {
        let fd = context.netns_fd(peer_netns.as_ref())?.try_clone_to_owned();
        request.peer_netns = Some(fd.map_err(|error| {
            Error::failed(format!(
                "cannot create {name}: {}",
                crate::error::io_words(&error)
            ))
        })?);
    }
    let socket = context.socket(netns.as_ref())?;
    match rtnl::create_veth(socket, &request) {
        Ok(()) => Ok(()),
        Err(error) if error.errno == libc::EEXIST => {
            // The kernel does not say which end clashed: find out.
            let taken_here = rtnl::link_by_name(socket, name).ok().flatten().is_some();
            let (clash, clash_netns) = if taken_here {
                (name, netns)
            } else {
                (request.peer, peer_netns)
            };
            Err(refused("create", clash, clash_netns.as_ref(), error))
        }
        Err(error) => Err(refused("create", name, netns.as_ref(), error)),
    }
}

impl Step {
    /// Applies the step in the namespaces of `context`.
    pub fn apply(&self, context: &mut Context) -> Result<()> {
        match self {
            Step::NetnsAdd { name } => context.create_netns(name),
            Step::NetnsDel { name } => context.delete_netns(name).map(drop),
            Step::VethAdd {
                netns,
                name,
                peer_netns,
                peer,
                mtu,
                mac,
                peer_mac,
            } => {
                let request = VethRequest {
                    name,
                    peer,
                    peer_netns: None,
                    mtu: *mtu,
                    mac: *mac,
                    peer_mac: *peer_mac,
                };
                create_veth(context, netns, peer_netns, request)
            }
            Step::LinkDel { netns, name, kind } => {
                on_remaining_link(
                    context,
                    netns,
                    name,
                    "delete",
                    name,
                    &[libc::ENODEV],
                    |socket, link| {
                        // A link of another kind under that name is not the one created.
                        if link.kind.as_deref() != Some(kind.as_str()) {
                            return Ok(());
                        }
                        rtnl::delete_link(socket, link.index)
                    },
                )
            }
            Step::LinkUp { netns, name } => {
                on_link(context, netns, name, "bring up", name, |socket, link| {
                    rtnl::set_up(socket, link.index, true)
                })
            }
            Step::LinkDown { netns, name } => on_remaining_link(
                context,
                netns,
                name,
                "bring down",
                name,
                &[libc::ENODEV],
                |socket, link| rtnl::set_up(socket, link.index, false),
            ),
            Step::AddrAdd {
                netns,
                dev,
                address,
            } => on_link(
                context,
                netns,
                dev,
                "add address",
                format!("{address} to {dev}"),
                |socket, link| rtnl::add_address(socket, link.index, address),
            ),
            Step::AddrDel {
                netns,
                dev,
                address,
            } => {
                let gone = [libc::EADDRNOTAVAIL, libc::ENODEV];
                on_remaining_link(
                    context,
                    netns,
                    dev,
                    "remove address",
                    format!("{address} from {dev}"),
                    &gone,
                    |socket, link| rtnl::delete_address(socket, link.index, address),
                )
            }
            Step::RouteAdd {
                netns,
                dev,
                gateway,
            } => on_link(
                context,
                netns,
                dev,
                "add default route",
                format!("via {gateway}"),
                |socket, link| rtnl::add_default_route(socket, gateway, link.index),
            ),
            Step::RouteDel {
                netns,
                dev,
                gateway,
            } => {
                let gone = [libc::ESRCH, libc::ENODEV];
                on_remaining_link(
                    context,
                    netns,
                    dev,
                    "remove default route",
                    format!("via {gateway}"),
                    &gone,
                    |socket, link| rtnl::delete_default_route(socket, gateway, link.index),
                )
            }
        }
    }

    /// The step that undoes this one, if it changes anything that needs undoing.
    pub fn undo(&self) -> Option<Step> {
        match self.clone() {
            Step::NetnsAdd { name } => Some(Step::NetnsDel { name }),
            Step::VethAdd { netns, name, .. } => Some(Step::LinkDel {
                netns,
                name,
                kind: "veth".into(),
            }),
            Step::LinkUp { netns, name } => Some(Step::LinkDown { netns, name }),
            Step::AddrAdd {
                netns,
                dev,
                address,
            } => Some(Step::AddrDel {
                netns,
                dev,
                address,
            }),
            Step::RouteAdd {
                netns,
                dev,
                gateway,
            } => Some(Step::RouteDel {
                netns,
                dev,
                gateway,
            }),
            Step::NetnsDel { .. }
            | Step::LinkDel { .. }
            | Step::LinkDown { .. }
            | Step::AddrDel { .. }
            | Step::RouteDel { .. } => None,
        }
    }
}

/// Quotes a word for a POSIX shell when it needs quoting.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,:/@%+=".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `ip` or `ip -n NS`.
fn ip(netns: &Netns) -> String {
    match netns {
        Some(name) => format!("ip -n {}", shell_word(name.as_str())),
        None => "ip".to_string(),
    }
}

/// `ip` with `-6` when the address is IPv6 (iproute2 needs it for `default`).
fn ip_for(netns: &Netns, address: &IpAddr) -> String {
    match address {
        IpAddr::V4(_) => ip(netns),
        IpAddr::V6(_) => format!("{} -6", ip(netns)),
    }
}

impl fmt::Display for Step {
    /// The equivalent `ip` command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = |name: &dyn fmt::Display| shell_word(&name.to_string());
        match self {
            Step::NetnsAdd { name } => write!(f, "ip netns add {}", q(name)),
            Step::NetnsDel { name } => write!(f, "ip netns del {}", q(name)),
            Step::VethAdd {
                netns,
                name,
                peer_netns,
                peer,
                mtu,
                mac,
                peer_mac,
            } => {
                let end = |name: &IfName, mac: &Option<Mac>| {
                    let mut words = format!("name {}", q(name));
                    if let Some(mtu) = mtu {
                        words += &format!(" mtu {mtu}");
                    }
                    if let Some(mac) = mac {
                        words += &format!(" address {mac}");
                    }
                    words
                };
                write!(
                    f,
                    "{} link add {} type veth peer {}",
                    ip(netns),
                    end(name, mac),
                    end(peer, peer_mac)
                )?;
                match peer_netns {
                    Some(other) if peer_netns != netns => write!(f, " netns {}", q(other)),
                    _ => Ok(()),
                }
            }
            Step::LinkDel { netns, name, .. } => {
                write!(f, "{} link del dev {}", ip(netns), q(name))
            }
            Step::LinkUp { netns, name } => write!(f, "{} link set dev {} up", ip(netns), q(name)),
            Step::LinkDown { netns, name } => {
                write!(f, "{} link set dev {} down", ip(netns), q(name))
            }
            Step::AddrAdd {
                netns,
                dev,
                address,
            } => write!(f, "{} address add {address} dev {}", ip(netns), q(dev)),
            Step::AddrDel {
                netns,
                dev,
                address,
            } => write!(f, "{} address del {address} dev {}", ip(netns), q(dev)),
            Step::RouteAdd {
                netns,
                dev,
                gateway,
            } => {
                write!(
                    f,
                    "{} route add default via {gateway} dev {}",
                    ip_for(netns, gateway),
                    q(dev)
                )
            }
            Step::RouteDel {
                netns,
                dev,
                gateway,
            } => {
                write!(
                    f,
                    "{} route del default via {gateway} dev {}",
                    ip_for(netns, gateway),
                    q(dev)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> IfName {
        text.parse().unwrap()
    }

    fn ns(text: &str) -> Netns {
        Some(text.parse().unwrap())
    }

    #[test]
    fn steps_print_as_ip_commands() {
        let veth = Step::VethAdd {
            netns: ns("ns1"),
            name: name("veth1"),
            peer_netns: ns("ns2"),
            peer: name("veth2"),
            mtu: Some(1400),
            mac: None,
            peer_mac: Some("02:00:00:00:00:02".parse().unwrap()),
        };
        assert_eq!(
            veth.to_string(),
            "ip -n ns1 link add name veth1 mtu 1400 type veth peer name veth2 mtu 1400 address 02:00:00:00:00:02 netns ns2"
        );
        let route = Step::RouteAdd {
            netns: ns("ns3"),
            dev: name("veth3"),
            gateway: "2001:db8::1".parse().unwrap(),
        };
        assert_eq!(
            route.to_string(),
            "ip -n ns3 -6 route add default via 2001:db8::1 dev veth3"
        );
        assert_eq!(
            Step::NetnsAdd {
                name: "a b".parse().unwrap()
            }
            .to_string(),
            "ip netns add 'a b'"
        );
    }

    #[test]
    fn each_forward_step_has_an_undo_that_has_none() {
        let forward = [
            Step::NetnsAdd {
                name: "ns1".parse().unwrap(),
            },
            Step::LinkUp {
                netns: None,
                name: name("veth1"),
            },
            Step::AddrAdd {
                netns: None,
                dev: name("veth1"),
                address: "10.1.1.1/24".parse().unwrap(),
            },
        ];
        for step in forward {
            let undo = step.undo().expect("forward steps can be undone");
            assert!(undo.undo().is_none(), "{undo}");
        }
    }

    #[test]
    fn steps_round_trip_through_the_journal_format() {
        let step = Step::LinkDel {
            netns: ns("ns1"),
            name: name("veth1"),
            kind: "veth".into(),
        };
        let json = serde_json::to_string(&step).unwrap();
        assert_eq!(
            json,
            r#"{"step":"link-del","netns":"ns1","name":"veth1","kind":"veth"}"#
        );
        assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), step);
    }
}
