//! `netns-reset --all`: undo everything the journal records.

use vethkit_core::netns;
use vethkit_core::plan::{Executor, Plan};
use vethkit_core::reset;
use vethkit_core::{Error, Result};

/// Undoes every standing entry made from this namespace, carrying on past
/// failures; the journal keeps only what is still there. Lines of the
/// journal that cannot be read are reported and skipped, and make the exit
/// status say so once everything else is undone.
pub fn run(executor: &mut Executor) -> Result<()> {
    let program = executor.program;
    let here = netns::current_id()?;
    let contents = executor.journal.read()?;
    for line in &contents.unreadable {
        eprintln!("{program}: {}", executor.journal.describe(line));
    }
    let unreadable = contents.unreadable.len();
    let mut ours = contents.entries;
    let recorded = ours.len();
    ours.retain(|entry| entry.made_from.map_or(true, |made_from| made_from == here));
    if ours.len() < recorded {
        eprintln!(
            "{program}: leaving {} changes made from another network namespace; run netns-reset --all there",
            recorded - ours.len()
        );
    }
    if executor.mode.dry_run {
        let (steps, skipped) = reset::planned_steps(&mut executor.context, &ours)?;
        executor.report(&skipped);
        return executor.run_unrecorded(&Plan { steps });
    }
    let verbose = executor.mode.verbose;
    let _lock = executor.lock_sysctls()?;
    let undone = reset::undo_all(&mut executor.context, &ours, |step| {
        if verbose {
            eprintln!("{program}: {step}");
        }
    });
    executor.report(&undone.skipped);
    let forgotten = executor.journal.forget(undone.undone.iter().copied());
    for (_, error) in &undone.failed {
        eprintln!("{program}: {error}");
    }
    let failed = undone.failed.len();
    drop(undone);
    let undone_from = ours.len();
    // The entries are let go before the compaction reads the journal again.
    drop(ours);
    forgotten.and_then(|()| executor.journal.compact())?;
    let mut problems = Vec::new();
    if failed > 0 {
        problems.push(format!(
            "{failed} of {undone_from} changes could not be undone; they stay recorded for the next netns-reset --all"
        ));
    }
    match unreadable {
        0 => {}
        1 => problems.push("1 line of the journal could not be read and was skipped".into()),
        lines => problems.push(format!(
            "{lines} lines of the journal could not be read and were skipped"
        )),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::failed(problems.join("; ")))
    }
}
