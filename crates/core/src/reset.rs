//! Undoing everything the journal records (`netns-reset --all`), fast.
//!
//! The entries are undone newest first, with two shortcuts that leave the
//! same state:
//! - an entry inside a namespace the journal will delete, or about a link it
//!   will delete, is covered by that deletion and not sent on its own (its
//!   addresses, routes and sysctls go with the namespace or the link);
//! - link deletions come after the other undos, gathered by namespace, and
//!   go to the kernel as one group deletion: one unregistration for a
//!   thousand veth pairs, where one request each waits for the network's
//!   readers every time. Namespaces are deleted last, once empty.
//!
//! Both are sound because an undo other than a deletion only ever concerns
//! an object that outlives the run, or one that a deletion covers.

use std::collections::{HashMap, HashSet};

use crate::context::{Context, Netns};
use crate::cover::{Cover, Deletions};
use crate::error::{Error, Result};
use crate::journal::Entry;
use crate::lookup;
use crate::name::IfName;
use crate::nft;
use crate::rtnl;
use crate::step::Step;

/// The first interface group tried for a group deletion ("vth\0"): far from
/// the small numbers people give groups by hand.
const FIRST_GROUP: u32 = 0x7674_6800;

/// What became of each entry.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Entries whose change is no longer in place.
    pub undone: Vec<Entry>,
    /// Entries that could not be undone, with why.
    pub failed: Vec<(Entry, Error)>,
}

/// How a link deletion ended.
enum Deletion {
    /// Deleted, or already gone.
    Done,
    /// A link of that name is there, but of another kind: not the one
    /// vethkit made, so it stays, and so do the changes made to it.
    NotOurs,
}

/// The steps [`undo_all`] sends, in order, covered entries left out and
/// rule deletions resolved to the handles they will delete: for `--dry-run`.
pub fn planned_steps(context: &mut Context, entries: &[Entry]) -> Result<Vec<Step>> {
    let sorted = Sorted::of(entries);
    let in_order = sorted
        .direct
        .iter()
        .copied()
        .chain(
            sorted
                .links
                .iter()
                .flat_map(|(_, group)| group.iter().map(|d| d.entry)),
        )
        .chain(sorted.namespaces.iter().copied());
    let mut steps = Vec::new();
    for entry in in_order {
        match &entry.undo {
            Step::Nft { ops } => {
                let ops = nft::resolve(context.netfilter()?, ops).map_err(|error| {
                    Error::failed(format!("cannot list the firewall rules: {error}"))
                })?;
                if !ops.is_empty() {
                    steps.push(Step::Nft { ops });
                }
            }
            step => steps.push(step.clone()),
        }
    }
    Ok(steps)
}

/// Undoes `entries` (oldest first, as the journal lists them), carrying on
/// past failures. `announce` is called with each step as it is sent.
pub fn undo_all(
    context: &mut Context,
    entries: &[Entry],
    mut announce: impl FnMut(&Step),
) -> Outcome {
    let sorted = Sorted::of(entries);
    let mut outcome = Outcome::default();
    let mut done: HashSet<Cover> = HashSet::new();
    let mut not_ours: HashSet<Cover> = HashSet::new();

    for entry in &sorted.direct {
        announce(&entry.undo);
        settle(&mut outcome, entry, entry.undo.apply(context));
    }
    for (netns, group) in &sorted.links {
        for deletion in group {
            announce(&deletion.entry.undo);
        }
        let results = delete_links(context, netns, group);
        for (deletion, result) in group.iter().zip(results) {
            let cover = Cover::Link(netns.clone(), deletion.name.clone());
            match result {
                Ok(Deletion::Done) => {
                    done.insert(cover);
                }
                Ok(Deletion::NotOurs) => {
                    not_ours.insert(cover);
                }
                Err(_) => {}
            }
            settle(&mut outcome, deletion.entry, result.map(drop));
        }
    }
    // Changes to a link of the same name that is not ours were not covered after all.
    for (entry, cover) in &sorted.covered {
        if not_ours.contains(cover) {
            announce(&entry.undo);
            settle(&mut outcome, entry, entry.undo.apply(context));
        }
    }
    for entry in &sorted.namespaces {
        announce(&entry.undo);
        let result = entry.undo.apply(context);
        if result.is_ok() {
            if let Step::NetnsDel { name } = &entry.undo {
                done.insert(Cover::Netns(name.clone()));
            }
        }
        settle(&mut outcome, entry, result);
    }
    for (entry, cover) in &sorted.covered {
        if done.contains(cover) {
            outcome.undone.push((*entry).clone());
        }
    }
    outcome
}

fn settle(outcome: &mut Outcome, entry: &Entry, result: Result<()>) {
    match result {
        Ok(()) => outcome.undone.push(entry.clone()),
        Err(error) => outcome.failed.push((entry.clone(), error)),
    }
}

/// A `LinkDel` entry, taken apart.
struct LinkDeletion<'a> {
    entry: &'a Entry,
    name: &'a IfName,
    kind: &'a str,
}

/// The entries, newest first, sorted into what is sent when.
struct Sorted<'a> {
    /// Undone one by one, first.
    direct: Vec<&'a Entry>,
    /// Link deletions, by namespace in the order they first appear.
    links: Vec<(Netns, Vec<LinkDeletion<'a>>)>,
    /// Namespace deletions, last.
    namespaces: Vec<&'a Entry>,
    /// Entries a deletion covers, with the deletion.
    covered: Vec<(&'a Entry, Cover)>,
}

impl<'a> Sorted<'a> {
    fn of(entries: &'a [Entry]) -> Self {
        let deletions = Deletions::undone_by(entries.iter().map(|entry| &entry.undo));
        let mut sorted = Sorted {
            direct: Vec::new(),
            links: Vec::new(),
            namespaces: Vec::new(),
            covered: Vec::new(),
        };
        let mut link_groups: HashMap<Netns, usize> = HashMap::new();
        for entry in entries.iter().rev() {
            match &entry.undo {
                Step::NetnsDel { .. } => sorted.namespaces.push(entry),
                Step::LinkDel { netns, name, kind } => {
                    let slot = *link_groups.entry(netns.clone()).or_insert_with(|| {
                        sorted.links.push((netns.clone(), Vec::new()));
                        sorted.links.len() - 1
                    });
                    sorted.links[slot]
                        .1
                        .push(LinkDeletion { entry, name, kind });
                }
                _ => match deletions.cover(&entry.undo) {
                    Some(cover) => sorted.covered.push((entry, cover)),
                    None => sorted.direct.push(entry),
                },
            }
        }
        sorted
    }
}

/// Deletes the links of `deletions` (all in `netns`) that are still there
/// and of their kind, together when there are several.
fn delete_links(
    context: &mut Context,
    netns: &Netns,
    deletions: &[LinkDeletion<'_>],
) -> Vec<Result<Deletion>> {
    if !context.netns_exists(netns.as_ref()) {
        return deletions.iter().map(|_| Ok(Deletion::Done)).collect();
    }
    let links = match lookup::links(context, netns) {
        Ok(links) => links,
        Err(error) => return deletions.iter().map(|_| Err(error.clone())).collect(),
    };
    let by_name: HashMap<&str, &rtnl::Link> = links
        .iter()
        .map(|link| (link.name.as_str(), link))
        .collect();
    let mut doomed = Vec::new();
    let mut results = Vec::new();
    for deletion in deletions {
        results.push(match by_name.get(deletion.name.as_str()) {
            None => Ok(Deletion::Done),
            Some(link) if link.kind.as_deref() == Some(deletion.kind) => {
                doomed.push(link.index);
                Ok(Deletion::Done)
            }
            Some(_) => Ok(Deletion::NotOurs),
        });
    }
    let in_use: HashSet<u32> = links.iter().map(|link| link.group).collect();
    let free_group = (FIRST_GROUP..=u32::MAX).find(|group| !in_use.contains(group));
    if let (true, Some(group)) = (doomed.len() > 1, free_group) {
        if delete_as_group(context, netns, &doomed, group).is_ok() {
            return results;
        }
    }
    // One by one: alone, or when the group deletion failed, to say which link fails.
    for (deletion, result) in deletions.iter().zip(results.iter_mut()) {
        if matches!(result, Ok(Deletion::Done)) {
            if let Err(error) = deletion.entry.undo.apply(context) {
                *result = Err(error);
            }
        }
    }
    results
}

/// Puts the links `indexes` of `netns` in `group`, then deletes the group.
fn delete_as_group(
    context: &mut Context,
    netns: &Netns,
    indexes: &[u32],
    group: u32,
) -> Result<()> {
    context.forget_indexes(netns);
    let socket = context.socket(netns.as_ref())?;
    let failed = |error| Error::failed(format!("cannot delete links together: {error}"));
    rtnl::set_group(socket, indexes, group).map_err(failed)?;
    rtnl::delete_group(socket, group).map_err(failed)
}
