//! Steps: the units every plan is made of, one file a kind of change, each
//! holding everything about it: how it applies, the step that undoes it,
//! how it prints as the `ip`, `tc`, `nft` or `sysctl` line that does the same,
//! and which objects it makes or deletes (what a deletion covers follows
//! from that, see [`crate::cover`]). The kinds are tied together in one
//! list, below, which also gives each its name in the journal.
//!
//! Forward steps fail when what they would create already exists (unless
//! it is exactly what they make, made a moment earlier by another
//! invocation); undo steps act only on the object their change made (see
//! [`made`]), and skip, with a note, one that is gone or was replaced, so
//! that a rollback or a reset can always be run again.
//!
//! Adding a kind of step, or of link, is a checklist in
//! `docs/ARCHITECTURE.md`.

pub mod address;
pub mod bridge;
pub mod fdb;
pub mod link;
pub mod made;
pub mod netns;
pub mod nft;
pub mod port;
pub mod qdisc;
pub mod route;
mod shared;
pub mod state;
pub mod sysctl;
pub mod veth;
pub mod vxlan;
mod words;

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use made::{Found, Made, Object, Outcome, Skip};
pub(crate) use shared::{check_netns, identify, to_delete};
pub use words::shell_word;

use crate::context::Context;
use crate::cover::Named;
use crate::error::Result;
use crate::name::{IfName, NsName};
use crate::sysctl::Key;

/// What every kind of step says of itself.
pub trait Change {
    /// Applies the step in the namespaces of `context`.
    fn apply(&self, context: &mut Context) -> Result<Outcome>;

    /// The step that undoes this one, if it changes anything that needs
    /// undoing. It knows the object by name until [`Change::pin`] tells it
    /// which one was made.
    fn undo(&self) -> Option<Step>;

    /// For an undo: pins it to the object its forward step made, so that it
    /// acts on that object only. A forward step has nothing to pin.
    fn pin(&mut self, _made: &Made) {}

    /// For an undo: why it would leave its object alone now (gone, or not
    /// the object recorded), or `None` when it would act on it. What a dry
    /// run of a reset leaves out. A forward step always acts.
    fn skip(&self, _context: &mut Context) -> Result<Option<Skip>> {
        Ok(None)
    }

    /// The namespace it acts in and the link it is about.
    fn target(&self) -> Target<'_>;

    /// The namespaces and links it makes: their deletion takes every later
    /// change to them along.
    fn creates(&self) -> Vec<Named>;

    /// The namespace or link it deletes, for a deletion.
    fn deletes(&self) -> Option<Named>;

    /// The equivalent command line (`ip`, `nft -f`, `sysctl -w`).
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// What a step acts on: a namespace, and maybe one link in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The namespace (`None`: the caller's).
    pub netns: Option<&'a NsName>,
    /// The link, when the step is about one.
    pub link: Option<Cow<'a, IfName>>,
}

impl<'a> Target<'a> {
    /// A step about the link `link` of `netns`.
    pub fn link(netns: &'a crate::context::Netns, link: &'a IfName) -> Self {
        Target {
            netns: netns.as_ref(),
            link: Some(Cow::Borrowed(link)),
        }
    }

    /// A step about the namespace `netns` as a whole.
    pub fn netns(netns: Option<&'a NsName>) -> Self {
        Target { netns, link: None }
    }

    /// A step about the sysctl `key` of `netns`: about the interface the
    /// key names, if it names one.
    pub fn sysctl(netns: Option<&'a NsName>, key: &Key) -> Self {
        Target {
            netns,
            link: key.interface().map(Cow::Owned),
        }
    }
}

/// Declares [`Step`], one variant a kind (its name in the journal the
/// variant's, in kebab case), and hands each of its methods to its kind.
macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident($kind:ty),)*) => {
        /// One change to the kernel's state.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "step", rename_all = "kebab-case")]
        pub enum Step {
            $($(#[$doc])* $variant($kind),)*
        }

        impl Step {
            fn change(&self) -> &dyn Change {
                match self {
                    $(Step::$variant(step) => step,)*
                }
            }

            fn change_mut(&mut self) -> &mut dyn Change {
                match self {
                    $(Step::$variant(step) => step,)*
                }
            }
        }

        $(impl From<$kind> for Step {
            fn from(step: $kind) -> Step {
                Step::$variant(step)
            }
        })*
    };
}

kinds! {
    /// `ip netns add NAME`
    NetnsAdd(netns::NetnsAdd),
    /// `ip netns del NAME`
    NetnsDel(netns::NetnsDel),
    /// `ip link add NAME ... type KIND ...`
    LinkAdd(link::LinkAdd),
    /// `ip link del dev NAME`
    LinkDel(link::LinkDel),
    /// `ip link set dev NAME up`
    LinkUp(state::LinkUp),
    /// `ip link set dev NAME down`
    LinkDown(state::LinkDown),
    /// `ip link set dev NAME mtu MTU`
    LinkMtu(state::LinkMtu),
    /// `ip link set dev NAME netns NS`
    LinkMove(state::LinkMove),
    /// `ip link set dev DEV master BRIDGE`
    LinkMaster(port::LinkMaster),
    /// `ip link set dev DEV nomaster`
    LinkNoMaster(port::LinkNoMaster),
    /// `ip address add CIDR dev NAME`
    AddrAdd(address::AddrAdd),
    /// `ip address del CIDR dev NAME`
    AddrDel(address::AddrDel),
    /// `ip route add default via GATEWAY dev NAME`
    RouteAdd(route::RouteAdd),
    /// `ip route del default via GATEWAY dev NAME`
    RouteDel(route::RouteDel),
    /// `bridge fdb append 00:00:00:00:00:00 dev NAME dst IP`
    FdbAppend(fdb::FdbAppend),
    /// `bridge fdb del 00:00:00:00:00:00 dev NAME dst IP`
    FdbDel(fdb::FdbDel),
    /// `nft -f` of one transaction
    Nft(nft::Nft),
    /// `tc qdisc replace dev DEV root KIND ...`
    QdiscReplace(qdisc::QdiscReplace),
    /// `tc qdisc del dev DEV root`, or a replace putting a recorded qdisc back
    QdiscRestore(qdisc::QdiscRestore),
    /// `sysctl -w KEY=VALUE`
    SysctlSet(sysctl::SysctlSet),
    /// `sysctl -w KEY=VALUE`, a recorded value put back
    SysctlRestore(sysctl::SysctlRestore),
}

impl Step {
    /// Applies the step in the namespaces of `context`.
    pub fn apply(&self, context: &mut Context) -> Result<Outcome> {
        self.change().apply(context)
    }

    /// See [`Change::undo`].
    pub fn undo(&self) -> Option<Step> {
        self.change().undo()
    }

    /// See [`Change::pin`].
    pub fn pin(&mut self, made: &Made) {
        self.change_mut().pin(made);
    }

    /// See [`Change::skip`].
    pub fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        self.change().skip(context)
    }

    /// See [`Change::target`].
    pub fn target(&self) -> Target<'_> {
        self.change().target()
    }

    /// See [`Change::creates`].
    pub fn creates(&self) -> Vec<Named> {
        self.change().creates()
    }

    /// See [`Change::deletes`].
    pub fn deletes(&self) -> Option<Named> {
        self.change().deletes()
    }
}

impl fmt::Display for Step {
    /// The equivalent command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.change().write(f)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::context::Netns;
    use crate::netns::NsId;

    fn name(text: &str) -> IfName {
        text.parse().unwrap()
    }

    fn ns(text: &str) -> Netns {
        Some(text.parse().unwrap())
    }

    #[test]
    fn steps_print_as_ip_commands() {
        let veth: Step = link::LinkAdd {
            netns: ns("ns1"),
            name: name("veth1"),
            mtu: Some(1400),
            mac: None,
            kind: veth::Veth {
                peer: name("veth2"),
                peer_netns: ns("ns2"),
                peer_mac: Some("02:00:00:00:00:02".parse().unwrap()),
            }
            .into(),
        }
        .into();
        assert_eq!(
            veth.to_string(),
            "ip -n ns1 link add name veth1 mtu 1400 type veth peer name veth2 mtu 1400 address 02:00:00:00:00:02 netns ns2"
        );
        let route: Step = route::RouteAdd {
            netns: ns("ns3"),
            dev: name("veth3"),
            gateway: "2001:db8::1".parse().unwrap(),
        }
        .into();
        assert_eq!(
            route.to_string(),
            "ip -n ns3 -6 route add default via 2001:db8::1 dev veth3"
        );
        let address = |cidr: &str| -> Step {
            address::AddrAdd {
                netns: None,
                dev: name("veth1"),
                address: cidr.parse().unwrap(),
            }
            .into()
        };
        assert_eq!(
            address("10.1.1.1/24").to_string(),
            "ip address add 10.1.1.1/24 dev veth1"
        );
        assert_eq!(
            address("fd00::1/64").to_string(),
            "ip address add fd00::1/64 dev veth1 nodad"
        );
        let namespace: Step = netns::NetnsAdd {
            name: "a b".parse().unwrap(),
        }
        .into();
        assert_eq!(namespace.to_string(), "ip netns add 'a b'");
        let bridge: Step = link::LinkAdd {
            netns: None,
            name: name("br0"),
            mtu: None,
            mac: None,
            kind: bridge::Bridge { stp: Some(false) }.into(),
        }
        .into();
        assert_eq!(
            bridge.to_string(),
            "ip link add name br0 type bridge stp_state 0"
        );
        let sysctl: Step = sysctl::SysctlSet {
            netns: ns("ns1"),
            key: "net/ipv4/conf/eth0.100/rp_filter".parse().unwrap(),
            value: "0 1".into(),
            was: "1".into(),
            also_was: BTreeMap::new(),
        }
        .into();
        assert_eq!(
            sysctl.to_string(),
            "ip netns exec ns1 sysctl -w 'net.ipv4.conf.eth0/100.rp_filter=0 1'"
        );
    }

    #[test]
    fn undoing_an_undo_does_nothing_or_redoes_the_step() {
        let forward: [Step; 7] = [
            netns::NetnsAdd {
                name: "ns1".parse().unwrap(),
            }
            .into(),
            state::LinkUp {
                netns: None,
                name: name("veth1"),
            }
            .into(),
            address::AddrAdd {
                netns: None,
                dev: name("veth1"),
                address: "10.1.1.1/24".parse().unwrap(),
            }
            .into(),
            link::LinkAdd {
                netns: ns("ns1"),
                name: name("br0"),
                mtu: None,
                mac: None,
                kind: bridge::Bridge { stp: Some(true) }.into(),
            }
            .into(),
            port::LinkMaster::attach(&None, &name("veth1"), &name("br0")).into(),
            state::LinkMove {
                netns: ns("ns1"),
                name: name("veth1"),
                to: None,
                new_name: Some(name("veth9")),
            }
            .into(),
            sysctl::SysctlSet {
                netns: None,
                key: "net.ipv4.ip_forward".parse().unwrap(),
                value: "1".into(),
                was: "0".into(),
                also_was: BTreeMap::new(),
            }
            .into(),
        ];
        for step in forward {
            let undo = step.undo().expect("forward steps can be undone");
            assert_ne!(undo, step);
            if let Some(redo) = undo.undo() {
                assert_eq!(redo, step, "{undo}");
            }
        }
    }

    /// The journal's lines are read by later versions: each undo keeps the
    /// form earlier ones wrote, and one pinned to its object adds fields.
    #[test]
    fn undos_keep_their_journal_form() {
        let cases: [(Step, &str); 6] = [
            (
                netns::NetnsDel {
                    name: "ns1".parse().unwrap(),
                    netns_id: None,
                }
                .into(),
                r#"{"step":"netns-del","name":"ns1"}"#,
            ),
            (
                link::LinkDel {
                    netns: ns("ns1"),
                    name: name("veth1"),
                    kind: link::KindName::Veth,
                    object: Object::default(),
                }
                .into(),
                r#"{"step":"link-del","netns":"ns1","name":"veth1","kind":"veth"}"#,
            ),
            (
                state::LinkDown {
                    netns: ns("ipns"),
                    name: name("lo"),
                    object: Object::default(),
                }
                .into(),
                r#"{"step":"link-down","netns":"ipns","name":"lo"}"#,
            ),
            (
                port::LinkNoMaster::detach(&None, &name("br-veth3"), &name("br0")).into(),
                r#"{"step":"link-no-master","netns":null,"dev":"br-veth3","master":"br0"}"#,
            ),
            (
                sysctl::SysctlRestore {
                    netns: None,
                    key: "net.ipv4.conf.all.rp_filter".parse().unwrap(),
                    value: "0".into(),
                    also: BTreeMap::new(),
                    wrote: None,
                    netns_id: None,
                }
                .into(),
                r#"{"step":"sysctl-restore","netns":null,"key":"net.ipv4.conf.all.rp_filter","value":"0"}"#,
            ),
            (
                address::AddrDel {
                    netns: None,
                    dev: name("br0"),
                    address: "10.1.1.1/16".parse().unwrap(),
                    object: Object::default(),
                }
                .into(),
                r#"{"step":"addr-del","netns":null,"dev":"br0","address":"10.1.1.1/16"}"#,
            ),
        ];
        for (step, json) in cases {
            assert_eq!(serde_json::to_string(&step).unwrap(), json);
            assert_eq!(serde_json::from_str::<Step>(json).unwrap(), step);
        }
    }

    #[test]
    fn a_pinned_undo_adds_its_object_to_its_journal_form() {
        let mut pinned: Step = link::LinkDel {
            netns: ns("ns1"),
            name: name("veth1"),
            kind: link::KindName::Veth,
            object: Object::default(),
        }
        .into();
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
        let mut namespace = Step::from(netns::NetnsAdd {
            name: "ns1".parse().unwrap(),
        })
        .undo()
        .unwrap();
        namespace.pin(&Made::Netns(id));
        assert_eq!(
            namespace,
            Step::from(netns::NetnsDel {
                name: "ns1".parse().unwrap(),
                netns_id: Some(id)
            })
        );
        let set: Step = sysctl::SysctlSet {
            netns: None,
            key: "net.ipv4.ip_forward".parse().unwrap(),
            value: "1".into(),
            was: "0".into(),
            also_was: BTreeMap::new(),
        }
        .into();
        let mut restore = set.undo().expect("a sysctl change is undone");
        restore.pin(&Made::Sysctl {
            wrote: "1".into(),
            netns_id: None,
        });
        let Step::SysctlRestore(restore) = restore else {
            panic!("a sysctl change is undone by a restore");
        };
        assert_eq!(
            (restore.value.as_str(), restore.wrote.as_deref()),
            ("0", Some("1"))
        );
    }
}
