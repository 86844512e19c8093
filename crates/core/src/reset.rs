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
//! an object that outlives the run, or one that a deletion covers. A
//! deletion that does not happen because its object is not the one vethkit
//! made (see [`crate::step::made`]) covers nothing: the entries it would
//! have covered are undone one by one, each checking its own object.

use std::collections::{HashMap, HashSet};

use crate::context::{Context, Netns};
use crate::cover::{Deletions, Named};
use crate::error::{Error, Result};
use crate::journal::Entry;
use crate::lookup;
use crate::name::IfName;
use crate::nft;
use crate::rtnl::{self, Link};
use crate::step::link::{KindName, LinkDel};
use crate::step::netns::NetnsDel;
use crate::step::nft::Nft;
use crate::step::{check_netns, identify, to_delete, Found, Object, Outcome, Skip, Step};

/// The first interface group tried for a group deletion ("vth\0"): far from
/// the small numbers people give groups by hand.
const FIRST_GROUP: u32 = 0x7674_6800;

/// What became of each entry.
#[derive(Debug, Default)]
pub struct Undone<'a> {
    /// Entries whose change is no longer in place (undone, gone already,
    /// or not vethkit's object after all).
    pub undone: Vec<&'a Entry>,
    /// What was left alone, and why.
    pub skipped: Vec<Skip>,
    /// Entries that could not be undone, with why.
    pub failed: Vec<(&'a Entry, Error)>,
}

/// How a deletion ended, for the entries it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deletion {
    /// Deleted, or gone already: what it covers is gone too.
    Done,
    /// Its object is not the one vethkit made: what it covers is undone
    /// one by one.
    NotOurs,
    /// It failed: what it covers stays recorded.
    Failed,
}

impl Deletion {
    fn of(result: &Result<Outcome>) -> Self {
        match result {
            Ok(outcome) if outcome.replaced() => Deletion::NotOurs,
            Ok(_) => Deletion::Done,
            Err(_) => Deletion::Failed,
        }
    }
}

/// The steps [`undo_all`] sends, in order, covered entries and those whose
/// object is gone or not vethkit's left out (with why, in the skips), and
/// rule deletions resolved to the handles they will delete: for `--dry-run`.
pub fn planned_steps(context: &mut Context, entries: &[Entry]) -> Result<(Vec<Step>, Vec<Skip>)> {
    let sorted = Sorted::of(entries);
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    for entry in &sorted.one_by_one {
        match &entry.undo {
            Step::Nft(Nft { ops }) => {
                let resolved = nft::resolve(context.netfilter()?, ops).map_err(|error| {
                    Error::failed(format!("cannot list the firewall rules: {error}"))
                })?;
                skipped.extend(resolved.skipped);
                if !resolved.ops.is_empty() {
                    steps.push(Nft { ops: resolved.ops }.into());
                }
            }
            step => match step.skip(context)? {
                None => steps.push(step.clone()),
                Some(skip) => skipped.push(skip),
            },
        }
    }
    for (netns, group) in &sorted.links {
        let found = find_links(context, netns, group, &mut None)?;
        for (deletion, found) in group.iter().zip(found) {
            match found {
                Found::Ours(_) => steps.push(deletion.entry.undo.clone()),
                Found::Skip(skip) => skipped.push(skip),
            }
        }
    }
    for entry in &sorted.namespaces {
        match entry.undo.skip(context)? {
            None => steps.push(entry.undo.clone()),
            Some(skip) => skipped.push(skip),
        }
    }
    Ok((steps, skipped))
}

/// Undoes `entries` (oldest first, as the journal lists them), carrying on
/// past failures. `announce` is called with each step as it is sent.
pub fn undo_all<'a>(
    context: &mut Context,
    entries: &'a [Entry],
    mut announce: impl FnMut(&Step),
) -> Undone<'a> {
    let sorted = Sorted::of(entries);
    let mut undone = Undone::default();
    let mut deletions: HashMap<Named, Deletion> = HashMap::new();

    for entry in &sorted.one_by_one {
        undone.note(entry, undo_one(context, entry, &mut announce));
    }
    for (netns, group) in &sorted.links {
        let results = delete_links(context, netns, group, &mut announce);
        for (deletion, result) in group.iter().zip(results) {
            let cover = Named::Link(netns.clone(), deletion.name.clone());
            note_deletion(&mut deletions, cover, Deletion::of(&result));
            undone.note(deletion.entry, result);
        }
    }
    // A link deletion that was not ours covered nothing after all.
    for (entry, cover) in &sorted.covered {
        if deletions.get(cover) == Some(&Deletion::NotOurs) {
            undone.note(entry, undo_one(context, entry, &mut announce));
        }
    }
    for entry in &sorted.namespaces {
        let result = undo_one(context, entry, &mut announce);
        if let Step::NetnsDel(NetnsDel { name, .. }) = &entry.undo {
            note_deletion(
                &mut deletions,
                Named::Netns(name.clone()),
                Deletion::of(&result),
            );
        }
        undone.note(entry, result);
    }
    for (entry, cover) in &sorted.covered {
        match deletions.get(cover) {
            Some(Deletion::Done) => undone.undone.push(entry),
            // Not our namespace after all: what was recorded in it is
            // checked one by one, and most likely left alone too.
            Some(Deletion::NotOurs) if matches!(cover, Named::Netns(_)) => {
                undone.note(entry, undo_one(context, entry, &mut announce));
            }
            _ => {}
        }
    }
    undone
}

/// Undoes one entry, announced unless it found nothing to act on.
fn undo_one(
    context: &mut Context,
    entry: &Entry,
    announce: &mut impl FnMut(&Step),
) -> Result<Outcome> {
    let result = entry.undo.apply(context);
    if result.as_ref().map_or(true, Outcome::acted) {
        announce(&entry.undo);
    }
    result
}

/// Notes how a deletion of `cover` ended; of two deletions of one name
/// (one gone, one made again since), the one done counts.
fn note_deletion(deletions: &mut HashMap<Named, Deletion>, cover: Named, how: Deletion) {
    let kept = deletions.entry(cover).or_insert(how);
    if how == Deletion::Done || *kept == Deletion::Failed {
        *kept = how;
    }
}

impl<'a> Undone<'a> {
    fn note(&mut self, entry: &'a Entry, result: Result<Outcome>) {
        match result {
            Ok(outcome) => {
                self.skipped.extend(outcome.skipped);
                self.undone.push(entry);
            }
            Err(error) => self.failed.push((entry, error)),
        }
    }
}

/// A `LinkDel` entry, taken apart.
struct LinkDeletion<'a> {
    entry: &'a Entry,
    name: &'a IfName,
    kind: KindName,
    object: &'a Object,
}

/// The entries, newest first, sorted into what is sent when.
struct Sorted<'a> {
    /// Undone one by one, first.
    one_by_one: Vec<&'a Entry>,
    /// Link deletions, by namespace in the order they first appear.
    links: Vec<(Netns, Vec<LinkDeletion<'a>>)>,
    /// Namespace deletions, last.
    namespaces: Vec<&'a Entry>,
    /// Entries a deletion covers, with the deletion.
    covered: Vec<(&'a Entry, Named)>,
}

impl<'a> Sorted<'a> {
    fn of(entries: &'a [Entry]) -> Self {
        let deletions = Deletions::undone_by(entries.iter().map(|entry| &entry.undo));
        let mut sorted = Sorted {
            one_by_one: Vec::new(),
            links: Vec::new(),
            namespaces: Vec::new(),
            covered: Vec::new(),
        };
        let mut link_groups: HashMap<Netns, usize> = HashMap::new();
        for entry in entries.iter().rev() {
            match &entry.undo {
                Step::NetnsDel(_) => sorted.namespaces.push(entry),
                Step::LinkDel(LinkDel {
                    netns,
                    name,
                    kind,
                    object,
                }) => {
                    let slot = *link_groups.entry(netns.clone()).or_insert_with(|| {
                        sorted.links.push((netns.clone(), Vec::new()));
                        sorted.links.len() - 1
                    });
                    sorted.links[slot].1.push(LinkDeletion {
                        entry,
                        name,
                        kind: *kind,
                        object,
                    });
                }
                _ => match deletions.covering(&entry.undo) {
                    Some(cover) => sorted.covered.push((entry, cover)),
                    None => sorted.one_by_one.push(entry),
                },
            }
        }
        sorted
    }
}

/// The links of `deletions` (all in `netns`) that are there to delete:
/// each the link vethkit made, of its kind, found in one listing of the
/// namespace (kept in `listing`).
fn find_links(
    context: &mut Context,
    netns: &Netns,
    deletions: &[LinkDeletion<'_>],
    listing: &mut Option<Vec<Link>>,
) -> Result<Vec<Found<Link>>> {
    // A link another deletion here is about is not "made since" for a
    // deletion whose own link is gone: that one is simply gone.
    let about: HashSet<u32> = deletions
        .iter()
        .filter_map(|deletion| deletion.object.ifindex)
        .collect();
    let mut found = Vec::new();
    for deletion in deletions {
        if let Some(skip) = check_netns(context, netns, deletion.object.netns_id) {
            found.push(Found::Skip(skip.after("not deleting")));
            continue;
        }
        if listing.is_none() {
            *listing = Some(lookup::links(context, netns)?);
        }
        let links = listing.as_deref().unwrap_or_default();
        let index = deletion.object.ifindex;
        let at_index = index.and_then(|index| links.iter().find(|link| link.index == index));
        let named = || {
            Ok(links
                .iter()
                .find(|link| link.name == deletion.name.as_str() && !about.contains(&link.index)))
        };
        found.push(
            match to_delete(
                identify(deletion.name, netns, index, at_index, named)?,
                (deletion.kind, deletion.name, netns),
            ) {
                Found::Ours(link) => Found::Ours(link.clone()),
                Found::Skip(skip) => Found::Skip(skip),
            },
        );
    }
    Ok(found)
}

/// Deletes the links of `deletions` (all in `netns`) that are the ones
/// vethkit made, together when there are several; `announce` is called
/// with the deletion of each.
fn delete_links(
    context: &mut Context,
    netns: &Netns,
    deletions: &[LinkDeletion<'_>],
    announce: &mut impl FnMut(&Step),
) -> Vec<Result<Outcome>> {
    let mut listing = None;
    let found = match find_links(context, netns, deletions, &mut listing) {
        Ok(found) => found,
        Err(error) => return deletions.iter().map(|_| Err(error.clone())).collect(),
    };
    for (deletion, found) in deletions.iter().zip(&found) {
        if let Found::Ours(_) = found {
            announce(&deletion.entry.undo);
        }
    }
    let doomed: Vec<u32> = found
        .iter()
        .filter_map(|found| match found {
            Found::Ours(link) => Some(link.index),
            Found::Skip(_) => None,
        })
        .collect();
    let groups_in_use: HashSet<u32> = listing.iter().flatten().map(|link| link.group).collect();
    let grouped =
        doomed.len() > 1 && delete_as_group(context, netns, &doomed, &groups_in_use).is_ok();
    deletions
        .iter()
        .zip(found)
        .map(|(deletion, found)| match found {
            Found::Skip(skip) => Ok(Outcome::skipped(skip)),
            Found::Ours(_) if grouped => Ok(Outcome::done()),
            // Alone, or when the group deletion failed, to say which link fails.
            Found::Ours(_) => deletion.entry.undo.apply(context),
        })
        .collect()
}

/// Puts the links `indexes` of `netns` in an interface group none of
/// `in_use` is, then deletes the group.
fn delete_as_group(
    context: &mut Context,
    netns: &Netns,
    indexes: &[u32],
    in_use: &HashSet<u32>,
) -> Result<()> {
    let Some(group) = (FIRST_GROUP..=u32::MAX).find(|group| !in_use.contains(group)) else {
        return Err(Error::failed("no free interface group"));
    };
    context.forget_indexes(netns);
    let socket = context.socket(netns.as_ref())?;
    let failed = |error| Error::failed(format!("cannot delete links together: {error}"));
    rtnl::set_group(socket, indexes, group).map_err(failed)?;
    rtnl::delete_group(socket, group).map_err(failed)
}
