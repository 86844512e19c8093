//! Which undo steps a deletion makes unnecessary: deleting a namespace
//! takes everything inside it along, deleting a link every change made to
//! it (its addresses, routes, state and master).
//!
//! Deletions themselves are never covered: a veth is deleted before its
//! namespace, since the kernel tears a namespace down in the background
//! and a peer left in another namespace would linger.

use std::collections::HashSet;

use crate::context::Netns;
use crate::name::{IfName, NsName};
use crate::step::Step;

/// The deletion that covers an undo step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cover {
    /// The deletion of this namespace.
    Netns(NsName),
    /// The deletion of this link, in this namespace.
    Link(Netns, IfName),
}

/// The namespaces and links a set of steps will delete.
#[derive(Debug, Default)]
pub struct Deletions {
    namespaces: HashSet<NsName>,
    links: HashSet<(Netns, IfName)>,
}

impl Deletions {
    /// What the undo steps `undos` delete.
    pub fn undone_by<'a>(undos: impl IntoIterator<Item = &'a Step>) -> Self {
        let mut deletions = Deletions::default();
        for undo in undos {
            match undo {
                Step::NetnsDel { name, .. } => {
                    deletions.namespaces.insert(name.clone());
                }
                Step::LinkDel { netns, name, .. } => {
                    deletions.links.insert((netns.clone(), name.clone()));
                }
                _ => {}
            }
        }
        deletions
    }

    /// What the undos of the forward steps `steps` delete: the namespaces
    /// and links the steps create (both ends of a veth pair, since deleting
    /// either end deletes both).
    pub fn created_by<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Self {
        let mut deletions = Deletions::default();
        for step in steps {
            match step {
                Step::NetnsAdd { name } => {
                    deletions.namespaces.insert(name.clone());
                }
                Step::VethAdd {
                    netns,
                    name,
                    peer_netns,
                    peer,
                    ..
                } => {
                    deletions.links.insert((netns.clone(), name.clone()));
                    deletions.links.insert((peer_netns.clone(), peer.clone()));
                }
                Step::BridgeAdd { netns, name, .. } => {
                    deletions.links.insert((netns.clone(), name.clone()));
                }
                _ => {}
            }
        }
        deletions
    }

    /// The deletion that makes the undo step `undo` unnecessary, if any.
    pub fn cover(&self, undo: &Step) -> Option<Cover> {
        if matches!(undo, Step::NetnsDel { .. } | Step::LinkDel { .. }) {
            return None;
        }
        let target = undo.target();
        if let Some(netns) = target.netns.filter(|name| self.namespaces.contains(*name)) {
            return Some(Cover::Netns(netns.clone()));
        }
        let link = (target.netns.cloned(), target.link?.clone());
        self.links
            .contains(&link)
            .then_some(Cover::Link(link.0, link.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_namespace_and_a_new_pair_cover_the_changes_made_to_them() {
        let ns = |text: &str| -> Netns { Some(text.parse().unwrap()) };
        let name = |text: &str| -> IfName { text.parse().unwrap() };
        let steps = [
            Step::NetnsAdd {
                name: "h1".parse().unwrap(),
            },
            Step::VethAdd {
                netns: None,
                name: name("b1"),
                peer_netns: ns("h1"),
                peer: name("v1"),
                mtu: None,
                mac: None,
                peer_mac: None,
            },
        ];
        let deletions = Deletions::created_by(&steps);
        let down = |netns: Netns, link: &str| Step::LinkDown {
            netns,
            name: name(link),
            object: Default::default(),
        };
        assert_eq!(
            deletions.cover(&down(ns("h1"), "lo")),
            Some(Cover::Netns("h1".parse().unwrap()))
        );
        assert_eq!(
            deletions.cover(&down(None, "b1")),
            Some(Cover::Link(None, name("b1")))
        );
        assert_eq!(deletions.cover(&down(None, "b2")), None);
        let undos: Vec<Step> = steps.iter().filter_map(Step::undo).collect();
        assert!(undos.iter().all(|undo| deletions.cover(undo).is_none()));
    }
}
