//! Which undo steps a deletion makes unnecessary: deleting a namespace
//! takes everything inside it along, deleting a link every change made to
//! it (its addresses, routes, state and master). Each kind of step says
//! what it makes and what it deletes ([`crate::step::Change`]); this only
//! puts that together.
//!
//! Deletions themselves are never covered: a veth is deleted before its
//! namespace, since the kernel tears a namespace down in the background
//! and a peer left in another namespace would linger.

use std::collections::HashSet;

use crate::context::Netns;
use crate::name::{IfName, NsName};
use crate::step::Step;

/// A namespace, or a link in one, by name: what one deletion removes (and
/// what a plan made ahead touches, see [`crate::ahead`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Named {
    /// A named namespace.
    Netns(NsName),
    /// A link, in a namespace.
    Link(Netns, IfName),
}

/// The namespaces and links a set of steps will delete.
#[derive(Debug, Default)]
pub struct Deletions {
    deleted: HashSet<Named>,
}

impl Deletions {
    /// What the undo steps `undos` delete.
    pub fn undone_by<'a>(undos: impl IntoIterator<Item = &'a Step>) -> Self {
        Deletions {
            deleted: undos.into_iter().filter_map(Step::deletes).collect(),
        }
    }

    /// What the undos of the forward steps `steps` will delete: what the
    /// steps make.
    pub fn created_by<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Self {
        Deletions {
            deleted: steps.into_iter().flat_map(Step::creates).collect(),
        }
    }

    /// The deletion that takes the change `undo` undoes along, if any.
    pub fn covering(&self, undo: &Step) -> Option<Named> {
        if undo.deletes().is_some() {
            return None;
        }
        let target = undo.target();
        let netns = target.netns.map(|name| Named::Netns(name.clone()));
        if let Some(netns) = netns.filter(|netns| self.deleted.contains(netns)) {
            return Some(netns);
        }
        let link = Named::Link(target.netns.cloned(), target.link?.into_owned());
        self.deleted.contains(&link).then_some(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::{link, netns, state, veth, Object};

    #[test]
    fn a_new_namespace_and_a_new_pair_cover_the_changes_made_to_them() {
        let ns = |text: &str| -> Netns { Some(text.parse().unwrap()) };
        let name = |text: &str| -> IfName { text.parse().unwrap() };
        let steps: [Step; 2] = [
            netns::NetnsAdd {
                name: "h1".parse().unwrap(),
            }
            .into(),
            link::LinkAdd {
                netns: None,
                name: name("b1"),
                mtu: None,
                mac: None,
                kind: veth::Veth {
                    peer: name("v1"),
                    peer_netns: ns("h1"),
                    peer_mac: None,
                }
                .into(),
            }
            .into(),
        ];
        let deletions = Deletions::created_by(&steps);
        let down = |netns: Netns, link: &str| -> Step {
            state::LinkDown {
                netns,
                name: name(link),
                object: Object::default(),
            }
            .into()
        };
        assert_eq!(
            deletions.covering(&down(ns("h1"), "lo")),
            Some(Named::Netns("h1".parse().unwrap()))
        );
        assert_eq!(
            deletions.covering(&down(None, "b1")),
            Some(Named::Link(None, name("b1")))
        );
        assert_eq!(deletions.covering(&down(None, "b2")), None);
        let undos: Vec<Step> = steps.iter().filter_map(Step::undo).collect();
        assert!(undos.iter().all(|undo| deletions.covering(undo).is_none()));
    }
}
