//! `netns-reset --all`: undo everything the journal records.

use vethkit_core::journal::Entry;
use vethkit_core::netns;
use vethkit_core::plan::{Executor, Plan};
use vethkit_core::reset;
use vethkit_core::{Error, Result};

/// Undoes every standing entry made from this namespace, carrying on past
/// failures; the journal keeps only what is still there.
pub fn run(executor: &mut Executor) -> Result<()> {
    let home = netns::current_id()?;
    let (ours, elsewhere): (Vec<Entry>, Vec<Entry>) = executor
        .journal
        .entries()?
        .into_iter()
        .partition(|entry| entry.home.map_or(true, |made_from| made_from == home));
    if !elsewhere.is_empty() {
        eprintln!(
            "{}: leaving {} changes made from another network namespace; run netns-reset --all there",
            executor.program,
            elsewhere.len()
        );
    }
    if executor.mode.dry_run {
        let steps = reset::planned_steps(&mut executor.context, &ours)?;
        return executor.run_unrecorded(&Plan { steps });
    }
    let program = executor.program;
    let verbose = executor.mode.verbose;
    let outcome = reset::undo_all(&mut executor.context, &ours, |step| {
        if verbose {
            eprintln!("{program}: {step}");
        }
    });
    let journal = executor
        .journal
        .forget(&outcome.undone)
        .and_then(|()| executor.journal.compact());
    for (_, error) in &outcome.failed {
        eprintln!("{program}: {error}");
    }
    journal?;
    match outcome.failed.len() {
        0 => Ok(()),
        failed => Err(Error::failed(format!(
            "{failed} of {} changes could not be undone; they stay recorded for the next netns-reset --all",
            ours.len()
        ))),
    }
}
