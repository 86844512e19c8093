//! Plans made ahead of being applied, for commands that take many objects
//! a line (`veth-add --batch`, `br-attach BRIDGE -`): a few dozen plans are
//! made, their undo steps go to the journal in one write, then they are
//! applied one after the other.
//!
//! A plan reads the kernel's state when it is made, so an object may not
//! be planned for while an earlier plan waiting to be applied touches it:
//! the waiting plans are applied first.

use std::collections::HashSet;
use std::os::fd::BorrowedFd;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::cover::Named;
use crate::error::Error;
use crate::plan::{Applied, Executor, Plan};

/// How many plans wait, at most, before they are applied.
pub const PLANS_AHEAD: usize = 64;

/// How long, in milliseconds, plans made from input wait for more to come.
const MORE_INPUT_WAIT_MS: u8 = 50;

/// Whether more input comes on `input` within a moment (its end counts):
/// plans made from input are applied once it pauses, not each as its line
/// comes, so that the kernel does the same work over and over while its
/// data is in the CPU's caches.
pub fn more_input_comes(input: BorrowedFd<'_>) -> bool {
    let mut ready = [PollFd::new(input, PollFlags::POLLIN)];
    poll(&mut ready, PollTimeout::from(MORE_INPUT_WAIT_MS)).is_ok_and(|count| count > 0)
}

/// Plans waiting to be applied, each with what asked for it.
pub struct Ahead<T> {
    waiting: Vec<(T, Plan)>,
    touched: HashSet<Named>,
}

/// How the plans waiting make up all-or-nothing units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Units {
    /// Each plan is a unit of its own (a line of `veth-add --batch`).
    EachPlan,
    /// All plans join the unit they are applied into (the ports of
    /// `br-attach BRIDGE -`, with the bridge).
    Joined,
}

/// A plan made ahead that failed: what asked for it (`None` when what
/// failed was the journal, recording the plans or what they made), and why.
#[derive(Debug)]
pub struct Failure<T> {
    /// What asked for the plan that failed.
    pub item: Option<T>,
    /// Why it failed.
    pub error: Error,
}

impl<T> Default for Ahead<T> {
    fn default() -> Self {
        Ahead {
            waiting: Vec::new(),
            touched: HashSet::new(),
        }
    }
}

impl<T> Ahead<T> {
    /// Whether the waiting plans must be applied before a plan touching
    /// `touches` is made: there are enough of them, or one touches the same.
    pub fn must_apply_before(&self, touches: &[Named]) -> bool {
        self.waiting.len() >= PLANS_AHEAD || touches.iter().any(|t| self.touched.contains(t))
    }

    /// Adds a plan, asked for by `item`, that touches `touches`.
    pub fn push(&mut self, item: T, plan: Plan, touches: Vec<Named>) {
        self.touched.extend(touches);
        self.waiting.push((item, plan));
    }

    /// Applies the waiting plans in order. Their undos are recorded first,
    /// in one write (write-ahead); then `started` is shown the plans about
    /// to be applied; then each is applied into `applied`, and what asked
    /// for it handed to `done`. With [`Units::EachPlan`], `applied` keeps
    /// only the plan that fails. In a dry run the plans are printed instead.
    ///
    /// On failure, `applied` holds what to roll back (the plans after the
    /// failing one noted as never applied), for the caller to roll back.
    pub fn apply(
        &mut self,
        executor: &mut Executor,
        (applied, units): (&mut Applied, Units),
        started: impl FnOnce(&mut Executor, &[Plan]),
        mut done: impl FnMut(T),
    ) -> Result<(), Failure<T>> {
        self.touched.clear();
        let waiting = std::mem::take(&mut self.waiting);
        if waiting.is_empty() {
            return Ok(());
        }
        let (items, plans): (Vec<T>, Vec<Plan>) = waiting.into_iter().unzip();
        if executor.mode.dry_run {
            plans.iter().for_each(crate::plan::print_plan);
            return Ok(());
        }
        let plan_refs: Vec<&Plan> = plans.iter().collect();
        let undos = executor
            .record(&plan_refs)
            .map_err(|error| Failure { item: None, error })?;
        started(executor, &plans);
        let mut taken = items.into_iter().zip(&plans).zip(undos);
        while let Some(((item, plan), undos)) = taken.next() {
            if let Err(error) = executor.apply(plan, undos, applied) {
                applied.never_applied(taken.map(|(_, undos)| undos));
                let item = Some(item);
                return Err(Failure { item, error });
            }
            if units == Units::EachPlan {
                *applied = Applied::default();
            }
            done(item);
        }
        executor
            .write_amendments()
            .map_err(|error| Failure { item: None, error })
    }
}
