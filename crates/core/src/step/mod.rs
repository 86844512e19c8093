//! Steps: the units every plan is made of. Each step applies itself
//! (over netlink, or through `/proc/sys`), knows the step that undoes it,
//! and prints itself as the `ip` or `sysctl` command line that does the
//! same.
//!
//! Forward steps fail when what they would create already exists (unless
//! it is exactly what they make, made a moment earlier by another
//! invocation); undo steps act only on the object their change made (see
//! [`made`]), and skip, with a note, one that is gone or was replaced, so
//! that a rollback or a reset can always be run again.

mod apply;
pub mod made;
mod print;

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use print::shell_word;

use crate::context::Netns;
use crate::mac::Mac;
use crate::name::{IfName, NsName};
use crate::netns::NsId;
use crate::nft::Op as NftOp;
use crate::sysctl::Key;
pub(crate) use apply::{check_netns, identify, not_of_kind};
pub use made::{Found, Made, Object, Outcome, Skip};

/// One change to the kernel's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// `ip netns add NAME`
    NetnsAdd {
        /// The namespace.
        name: NsName,
    },
    /// `ip netns del NAME`, when NAME is still the namespace made.
    NetnsDel {
        /// The namespace.
        name: NsName,
        /// Its identity, once made.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        netns_id: Option<NsId>,
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
    /// `ip [-n NS] link del dev NAME`, only when it is still the link
    /// made, and of `kind`.
    LinkDel {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
        /// Its kind ("veth", "bridge"): a link of another kind is not ours.
        kind: String,
        /// The link made.
        #[serde(flatten)]
        object: Object,
    },
    /// `ip [-n NS] link set dev NAME up`
    LinkUp {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
    },
    /// `ip [-n NS] link set dev NAME down`, on the link brought up.
    LinkDown {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
        /// The link brought up.
        #[serde(flatten)]
        object: Object,
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
    /// `ip [-n NS] address del CIDR dev NAME`, on the link addressed.
    AddrDel {
        /// Where the link is.
        netns: Netns,
        /// The link.
        dev: IfName,
        /// The address and prefix length.
        address: IpNet,
        /// The link addressed.
        #[serde(flatten)]
        object: Object,
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
    /// `ip [-n NS] route del default via GATEWAY dev NAME`, through the
    /// link routed through.
    RouteDel {
        /// Where the route is.
        netns: Netns,
        /// The link the gateway is reached through.
        dev: IfName,
        /// The gateway.
        gateway: IpAddr,
        /// The link routed through.
        #[serde(flatten)]
        object: Object,
    },
    /// `ip [-n NS] link add name NAME type bridge [stp_state 0|1]`
    BridgeAdd {
        /// Where the bridge is created.
        netns: Netns,
        /// Its name.
        name: IfName,
        /// Spanning tree on or off, when asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stp: Option<bool>,
    },
    /// `ip [-n NS] link set dev NAME mtu MTU`, on a link the same plan
    /// creates: set apart from the creation so that a bridge keeps it
    /// (the kernel adjusts a bridge's MTU to its ports' unless it was set so).
    LinkMtu {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
        /// The MTU.
        mtu: u32,
    },
    /// `ip [-n NS] link set dev DEV master MASTER`; nothing when DEV or
    /// MASTER is gone, or DEV is a port of something else by then.
    LinkMaster {
        /// Where both links are.
        netns: Netns,
        /// The port.
        dev: IfName,
        /// The bridge.
        master: IfName,
        /// As an undo: the port detached.
        #[serde(flatten)]
        object: Object,
        /// As an undo: the index of the bridge it was detached from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        master_index: Option<u32>,
    },
    /// `ip [-n NS] link set dev DEV nomaster`, only while DEV is a port of MASTER.
    LinkNoMaster {
        /// Where both links are.
        netns: Netns,
        /// The port.
        dev: IfName,
        /// The bridge it must still be a port of.
        master: IfName,
        /// As an undo: the port attached.
        #[serde(flatten)]
        object: Object,
        /// As an undo: the index of the bridge it was attached to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        master_index: Option<u32>,
    },
    /// `ip [-n NS] link set dev NAME netns TO [name NEW_NAME]`: moves a
    /// link to another namespace, renamed on the way when asked.
    LinkMove {
        /// Where the link is.
        netns: Netns,
        /// The link.
        name: IfName,
        /// Where it goes (`None`: the caller's namespace).
        to: Netns,
        /// Its name there, when it changes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_name: Option<IfName>,
    },
    /// nf_tables operations in the caller's namespace, as one transaction
    /// (`nft -f` lines).
    Nft {
        /// The operations, in order.
        ops: Vec<NftOp>,
    },
    /// `[ip netns exec NS] sysctl -w KEY=VALUE`, the key holding `was` before.
    SysctlSet {
        /// Whose sysctl.
        netns: Netns,
        /// The key.
        key: Key,
        /// The value written.
        value: String,
        /// The value it replaces, put back by the undo.
        was: String,
        /// Keys the kernel changes along with this one whose values the
        /// old value alone would not bring back, with their values.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        also_was: BTreeMap<Key, String>,
    },
    /// `[ip netns exec NS] sysctl -w KEY=VALUE`, putting a recorded value
    /// back; nothing when the key is gone (its interface or namespace
    /// deleted), or holds another value than the one vethkit wrote.
    SysctlRestore {
        /// Whose sysctl.
        netns: Netns,
        /// The key.
        key: Key,
        /// The value put back.
        value: String,
        /// Then these keys' values, put back one by one.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        also: BTreeMap<Key, String>,
        /// The value vethkit wrote: another one there now was set by
        /// someone else since, and stays.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wrote: Option<String>,
        /// The identity of the named namespace, once written there.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        netns_id: Option<NsId>,
    },
}

/// What a step acts on: a namespace, and maybe one link in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The namespace (`None`: the caller's).
    pub netns: Option<&'a NsName>,
    /// The link, when the step is about one.
    pub link: Option<&'a IfName>,
}

impl Step {
    /// The namespace the step acts in and the link it is about: for a
    /// namespace step, the namespace itself; for a veth pair, the first end.
    pub fn target(&self) -> Target<'_> {
        let (netns, link) = match self {
            Step::NetnsAdd { name } | Step::NetnsDel { name, .. } => (Some(name), None),
            Step::Nft { .. } => (None, None),
            Step::SysctlSet { netns, .. } | Step::SysctlRestore { netns, .. } => {
                (netns.as_ref(), None)
            }
            Step::VethAdd { netns, name, .. }
            | Step::LinkDel { netns, name, .. }
            | Step::LinkUp { netns, name }
            | Step::LinkDown { netns, name, .. }
            | Step::BridgeAdd { netns, name, .. }
            | Step::LinkMtu { netns, name, .. }
            | Step::LinkMove { netns, name, .. } => (netns.as_ref(), Some(name)),
            Step::AddrAdd { netns, dev, .. }
            | Step::AddrDel { netns, dev, .. }
            | Step::RouteAdd { netns, dev, .. }
            | Step::RouteDel { netns, dev, .. }
            | Step::LinkMaster { netns, dev, .. }
            | Step::LinkNoMaster { netns, dev, .. } => (netns.as_ref(), Some(dev)),
        };
        Target { netns, link }
    }

    /// The step that undoes this one, if it changes anything that needs
    /// undoing. It knows the object by name until [`Step::pin`] tells it
    /// which one was made.
    pub fn undo(&self) -> Option<Step> {
        let object = Object::default();
        match self.clone() {
            Step::NetnsAdd { name } => Some(Step::NetnsDel {
                name,
                netns_id: None,
            }),
            Step::VethAdd { netns, name, .. } => Some(Step::LinkDel {
                netns,
                name,
                kind: "veth".into(),
                object,
            }),
            Step::LinkUp { netns, name } => Some(Step::LinkDown {
                netns,
                name,
                object,
            }),
            Step::AddrAdd {
                netns,
                dev,
                address,
            } => Some(Step::AddrDel {
                netns,
                dev,
                address,
                object,
            }),
            Step::RouteAdd {
                netns,
                dev,
                gateway,
            } => Some(Step::RouteDel {
                netns,
                dev,
                gateway,
                object,
            }),
            Step::BridgeAdd { netns, name, .. } => Some(Step::LinkDel {
                netns,
                name,
                kind: "bridge".into(),
                object,
            }),
            Step::LinkMaster {
                netns, dev, master, ..
            } => Some(Step::LinkNoMaster {
                netns,
                dev,
                master,
                object,
                master_index: None,
            }),
            Step::LinkNoMaster {
                netns, dev, master, ..
            } => Some(Step::LinkMaster {
                netns,
                dev,
                master,
                object,
                master_index: None,
            }),
            Step::LinkMove {
                netns,
                name,
                to,
                new_name,
            } => Some(Step::LinkMove {
                netns: to,
                name: new_name.clone().unwrap_or_else(|| name.clone()),
                to: netns,
                new_name: new_name.map(|_| name),
            }),
            Step::SysctlSet {
                netns,
                key,
                was,
                also_was,
                ..
            } => Some(Step::SysctlRestore {
                netns,
                key,
                value: was,
                also: also_was,
                wrote: None,
                netns_id: None,
            }),
            Step::Nft { ops } => {
                let undo = crate::nft::undo(&ops);
                (!undo.is_empty()).then_some(Step::Nft { ops: undo })
            }
            Step::SysctlRestore { .. }
            | Step::LinkMtu { .. }
            | Step::NetnsDel { .. }
            | Step::LinkDel { .. }
            | Step::LinkDown { .. }
            | Step::AddrDel { .. }
            | Step::RouteDel { .. } => None,
        }
    }

    /// Pins this undo to the object its forward step made or acted on, so
    /// that it acts on that object only.
    pub fn pin(&mut self, made: &Made) {
        match (self, made) {
            (Step::NetnsDel { netns_id, .. }, Made::Netns(id)) => *netns_id = Some(*id),
            (
                Step::SysctlRestore {
                    wrote, netns_id, ..
                },
                Made::Sysctl {
                    wrote: written,
                    netns_id: id,
                },
            ) => {
                *wrote = Some(written.clone());
                *netns_id = *id;
            }
            (
                Step::LinkDel { object, .. }
                | Step::LinkDown { object, .. }
                | Step::AddrDel { object, .. }
                | Step::RouteDel { object, .. },
                Made::Link { object: made, .. },
            ) => *object = *made,
            (
                Step::LinkMaster {
                    object,
                    master_index,
                    ..
                }
                | Step::LinkNoMaster {
                    object,
                    master_index,
                    ..
                },
                Made::Link {
                    object: made,
                    master,
                },
            ) => {
                *object = *made;
                *master_index = *master;
            }
            (Step::Nft { ops }, Made::Nft(handles)) => crate::nft::pin(ops, handles),
            _ => {}
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
        let bridge = Step::BridgeAdd {
            netns: None,
            name: name("br0"),
            stp: Some(false),
        };
        assert_eq!(
            bridge.to_string(),
            "ip link add name br0 type bridge stp_state 0"
        );
        let sysctl = Step::SysctlSet {
            netns: ns("ns1"),
            key: "net/ipv4/conf/eth0.100/rp_filter".parse().unwrap(),
            value: "0 1".into(),
            was: "1".into(),
            also_was: BTreeMap::new(),
        };
        assert_eq!(
            sysctl.to_string(),
            "ip netns exec ns1 sysctl -w 'net.ipv4.conf.eth0/100.rp_filter=0 1'"
        );
    }

    #[test]
    fn undoing_an_undo_does_nothing_or_redoes_the_step() {
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
            Step::BridgeAdd {
                netns: ns("ns1"),
                name: name("br0"),
                stp: Some(true),
            },
            Step::LinkMaster {
                netns: None,
                dev: name("veth1"),
                master: name("br0"),
                object: Object::default(),
                master_index: None,
            },
            Step::LinkMove {
                netns: ns("ns1"),
                name: name("veth1"),
                to: None,
                new_name: Some(name("veth9")),
            },
            Step::SysctlSet {
                netns: None,
                key: "net.ipv4.ip_forward".parse().unwrap(),
                value: "1".into(),
                was: "0".into(),
                also_was: BTreeMap::new(),
            },
        ];
        for step in forward {
            let undo = step.undo().expect("forward steps can be undone");
            assert_ne!(undo, step);
            if let Some(redo) = undo.undo() {
                assert_eq!(redo, step, "{undo}");
            }
        }
    }

    #[test]
    fn steps_round_trip_through_the_journal_format() {
        let step = Step::LinkDel {
            netns: ns("ns1"),
            name: name("veth1"),
            kind: "veth".into(),
            object: Object::default(),
        };
        let json = serde_json::to_string(&step).unwrap();
        assert_eq!(
            json, r#"{"step":"link-del","netns":"ns1","name":"veth1","kind":"veth"}"#,
            "an undo known by name only is written as earlier versions wrote it"
        );
        assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), step);
        let mut pinned = step.clone();
        let id = NsId {
            dev: 4,
            ino: 4026532179,
            cookie: Some(3),
        };
        pinned.pin(&Made::Link {
            object: Object {
                netns_id: Some(id),
                ifindex: Some(7),
            },
            master: None,
        });
        let json = serde_json::to_string(&pinned).unwrap();
        assert_eq!(
            json,
            r#"{"step":"link-del","netns":"ns1","name":"veth1","kind":"veth","netns_id":{"dev":4,"ino":4026532179,"cookie":3},"ifindex":7}"#
        );
        assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), pinned);
    }

    #[test]
    fn undos_are_pinned_to_what_their_step_made() {
        let id = NsId {
            dev: 4,
            ino: 9,
            cookie: None,
        };
        let mut namespace = Step::NetnsAdd {
            name: "ns1".parse().unwrap(),
        }
        .undo()
        .unwrap();
        namespace.pin(&Made::Netns(id));
        assert_eq!(
            namespace,
            Step::NetnsDel {
                name: "ns1".parse().unwrap(),
                netns_id: Some(id)
            }
        );
        let sysctl = Step::SysctlSet {
            netns: None,
            key: "net.ipv4.ip_forward".parse().unwrap(),
            value: "1".into(),
            was: "0".into(),
            also_was: BTreeMap::new(),
        };
        let Some(mut restore) = sysctl.undo() else {
            panic!("a sysctl change is undone by a restore");
        };
        restore.pin(&Made::Sysctl {
            wrote: "1".into(),
            netns_id: None,
        });
        let Step::SysctlRestore { value, wrote, .. } = restore else {
            panic!("a sysctl change is undone by a restore");
        };
        assert_eq!((value.as_str(), wrote.as_deref()), ("0", Some("1")));
    }
}
