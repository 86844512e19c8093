//! `--clear`: put back, on each link named, the root qdisc it had before
//! link-shape first shaped it, as recorded in the journal, and forget the
//! records. A link link-shape has not shaped is left as it is.

use vethkit_core::context::{in_netns, Netns};
use vethkit_core::journal::Entry;
use vethkit_core::name::IfName;
use vethkit_core::plan::{Executor, Plan};
use vethkit_core::step::qdisc::QdiscRestore;
use vethkit_core::step::Step;
use vethkit_core::{Error, Result};

/// Clears the shaping recorded for each of `devs` in `netns`.
pub fn clear(executor: &mut Executor, netns: &Netns, devs: &[IfName]) -> Result<()> {
    let entries = executor.journal.entries(executor.program)?;
    let mut failures = Vec::new();
    for dev in devs {
        let mut records: Vec<(&Entry, &QdiscRestore)> = entries
            .iter()
            .filter_map(|entry| match &entry.undo {
                Step::QdiscRestore(restore) if restore.netns == *netns && restore.dev == *dev => {
                    Some((entry, restore))
                }
                _ => None,
            })
            .collect();
        // Only the records of the link shaped last: another of its name
        // made since has a qdisc of its own.
        if let Some((_, last)) = records.last().copied() {
            records.retain(|(_, restore)| restore.object == last.object);
        }
        let (Some((_, first)), Some((_, last))) = (records.first(), records.last()) else {
            eprintln!(
                "link-shape: nothing to clear on {dev}{}: link-shape has not shaped it",
                in_netns(netns.as_ref())
            );
            continue;
        };
        let put_back = QdiscRestore {
            was: first.was.clone(),
            ..(*last).clone()
        };
        match executor.run(&Plan {
            steps: vec![put_back.into()],
        }) {
            Ok(()) if executor.mode.dry_run => {}
            Ok(()) => executor
                .journal
                .forget(records.iter().map(|(entry, _)| *entry))?,
            Err(error) => failures.push(error.to_string()),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::failed(failures.join("; ")))
    }
}
