//! `netns-reset NS...`: every link of each NS but lo comes back to the
//! caller's namespace, then NS is deleted; the journal follows the links.

use std::collections::{HashMap, HashSet};

use vethkit_core::context::{Context, Presence};
use vethkit_core::journal::Entry;
use vethkit_core::lookup;
use vethkit_core::name::{IfName, NsName};
use vethkit_core::plan::{Executor, Plan};
use vethkit_core::rtnl::Link;
use vethkit_core::step::link::LinkDel;
use vethkit_core::step::netns::NetnsDel;
use vethkit_core::step::state::LinkMove;
use vethkit_core::step::{Object, Step};
use vethkit_core::{Error, Result};

use crate::cli::Rename;

/// Kinds of link the kernel keeps in their namespace (`netns-local`): they
/// cannot come back, and go with the namespace.
const NAMESPACE_LOCAL_KINDS: &[&str] = &["bridge", "bond", "team", "vrf", "openvswitch", "ppp"];

/// A link that comes back: where it was, and its name here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Return {
    /// The namespace it leaves.
    pub netns: NsName,
    /// Its name in the namespace it leaves.
    pub name: IfName,
    /// Its name once back (another, when `--rename` asks or its own is
    /// taken here).
    pub arrival: IfName,
    /// Its index in the namespace it leaves, for the move to act on that
    /// link only.
    pub index: u32,
}

/// What resetting the namespaces takes.
#[derive(Debug, Default)]
pub struct Reset {
    /// The steps: the moves, then the deletions.
    pub plan: Plan,
    /// The links that come back, printed by their names here.
    pub returns: Vec<Return>,
    /// The namespaces deleted once their links are back.
    pub deleted: Vec<NsName>,
    /// Links that stay behind, in words, for a warning.
    pub staying: Vec<String>,
}

/// Plans the reset of `namespaces`, refusing any name clash here before
/// anything is done. A missing namespace is an error unless `missing_ok`.
pub fn plan(
    context: &mut Context,
    namespaces: &[NsName],
    renames: &[Rename],
    keep_netns: bool,
    missing_ok: bool,
) -> Result<Reset> {
    let mut planner = Planner {
        here: lookup::links(context, &None)?,
        renamed: renames.iter().map(|r| (&r.old, &r.new)).collect(),
        renames_used: HashSet::new(),
        arriving: HashMap::new(),
        keep_netns,
        reset: Reset::default(),
    };
    let mut seen = HashSet::new();
    for netns in namespaces {
        if !seen.insert(netns) {
            continue;
        }
        if !context.netns_exists(Some(netns)) {
            if missing_ok {
                continue;
            }
            return Err(Error::failed(format!(
                "no network namespace named {netns} (see ip netns list)"
            )));
        }
        planner.namespace(context, netns)?;
    }
    if let Some(unused) = renames
        .iter()
        .find(|r| !planner.renames_used.contains(&r.old))
    {
        return Err(Error::failed(format!(
            "cannot rename {}: no interface of that name comes back",
            unused.old
        )));
    }
    let mut reset = planner.reset;
    for netns in &reset.deleted {
        reset.plan.push(NetnsDel {
            name: netns.clone(),
            netns_id: None,
        });
    }
    Ok(reset)
}

/// A reset being planned.
struct Planner<'a> {
    /// The links here, whose names the links coming back must not take.
    here: Vec<Link>,
    /// The new names asked for, by old name.
    renamed: HashMap<&'a IfName, &'a IfName>,
    /// The old names of the renames that came to use.
    renames_used: HashSet<IfName>,
    /// The links planned to come back, by their name here.
    arriving: HashMap<IfName, Return>,
    keep_netns: bool,
    reset: Reset,
}

impl Planner<'_> {
    /// Plans the reset of the namespace `netns`: its links back, in the
    /// order they were made, and then (unless kept) its deletion.
    fn namespace(&mut self, context: &mut Context, netns: &NsName) -> Result<()> {
        let mut links = lookup::links(context, &Some(netns.clone()))?;
        links.sort_by_key(|link| link.index);
        for link in links.iter().filter(|link| link.name != "lo") {
            self.link(netns, link)?;
        }
        if !self.keep_netns {
            self.reset.deleted.push(netns.clone());
        }
        Ok(())
    }

    /// Plans bringing `link` back from `netns` (or says it stays, for a
    /// kind of link the kernel keeps in its namespace).
    fn link(&mut self, netns: &NsName, link: &Link) -> Result<()> {
        let name: IfName = link.name.parse().map_err(Error::failed)?;
        if let Some(kind) = link
            .kind
            .as_deref()
            .filter(|kind| NAMESPACE_LOCAL_KINDS.contains(kind))
        {
            let fate = if self.keep_netns {
                "stays there"
            } else {
                "goes with it"
            };
            self.reset.staying.push(format!(
                "{name} (a {kind}) cannot leave netns {netns}; it {fate}"
            ));
            return Ok(());
        }
        let arrival = match self.renamed.get(&name) {
            Some(new) => {
                self.renames_used.insert(name.clone());
                (*new).clone()
            }
            None => name.clone(),
        };
        let clash = |holder: String| {
            Error::failed(format!(
                "cannot bring {name} back from netns {netns}: the name {arrival} is taken by {holder}; choose another with --rename {name}=NEWNAME"
            ))
        };
        if let Some(here) = self.here.iter().find(|l| l.name == arrival.as_str()) {
            let kind = here.kind.as_deref().unwrap_or("device");
            return Err(clash(format!("{arrival} here (a {kind})")));
        }
        if let Some(earlier) = self.arriving.get(&arrival) {
            return Err(clash(format!(
                "{} coming back from netns {}",
                earlier.name, earlier.netns
            )));
        }
        let back = Return {
            netns: netns.clone(),
            name: name.clone(),
            arrival: arrival.clone(),
            index: link.index,
        };
        self.reset.plan.push(LinkMove {
            netns: Some(netns.clone()),
            name,
            to: None,
            new_name: (back.arrival != back.name).then(|| back.arrival.clone()),
        });
        self.arriving.insert(arrival, back.clone());
        self.reset.returns.push(back);
        Ok(())
    }
}

/// Applies the reset and makes the journal follow it: a link vethkit made
/// is recorded again under its name here (before it moves, so that a
/// reset killed half-way leaves it findable, then pinned to its index
/// here once it has arrived), and what the move or the deletion undid
/// (addresses, routes, namespaces) is forgotten.
pub fn apply(executor: &mut Executor, reset: &Reset) -> Result<()> {
    if executor.mode.dry_run {
        return executor.run_unrecorded(&reset.plan);
    }
    let entries = executor.journal.entries(executor.program)?;
    let deleted: HashSet<&NsName> = reset.deleted.iter().collect();
    let returning: HashMap<(&NsName, &IfName), &Return> = reset
        .returns
        .iter()
        .map(|back| ((&back.netns, &back.name), back))
        .collect();
    let mut rehomed = Vec::new();
    let mut undone = Vec::new();
    for entry in &entries {
        let target = entry.undo.target();
        let Some(netns) = target.netns else {
            continue;
        };
        let back = target
            .link
            .as_deref()
            .and_then(|link| returning.get(&(netns, link)));
        if let (Some(back), Step::LinkDel(LinkDel { kind, object, .. })) = (back, &entry.undo) {
            // Only the link vethkit made, not one made since under its name.
            let same_link = object.ifindex.map_or(true, |index| index == back.index)
                && executor.context.presence(Some(netns), object.netns_id) == Presence::There;
            if same_link {
                rehomed.push(Step::from(LinkDel {
                    netns: None,
                    name: back.arrival.clone(),
                    kind: *kind,
                    object: Object::default(),
                }));
            }
        }
        if back.is_some() || deleted.contains(netns) {
            undone.push(entry);
        }
    }
    let mut recorded = executor.journal.record(rehomed)?;
    if let Err(error) = executor.run_unrecorded(&reset.plan) {
        let forgotten = executor.journal.forget(&recorded);
        return Err(match forgotten {
            Ok(()) => error,
            Err(journal_error) => Error::failed(format!("{error}; {journal_error}")),
        });
    }
    pin_arrivals(&mut executor.context, &mut recorded);
    executor.journal.amend(&recorded, undone)
}

/// Pins the deletions of links that came back to the links that arrived
/// (when the links here cannot be listed, they stay known by name).
fn pin_arrivals(context: &mut Context, deletions: &mut [Entry]) {
    if deletions.is_empty() {
        return;
    }
    let Ok(here) = lookup::links(context, &None) else {
        return;
    };
    for entry in deletions {
        let Step::LinkDel(LinkDel { name, object, .. }) = &mut entry.undo else {
            continue;
        };
        if let Some(link) = here.iter().find(|link| link.name == name.as_str()) {
            object.ifindex = Some(link.index);
        }
    }
}
