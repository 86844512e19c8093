//! Plans made ahead of being applied, for commands that take many objects
//! a line (`veth-add --batch`, `br-attach BRIDGE -`): a few dozen plans are
//! made, their undo steps go to the journal in one write, then they are
//! applied one after the other.
//!
//! A plan reads the kernel's state when it is made, so an object may not
//! be planned for while an earlier plan waiting to be applied touches it:
//! the waiting plans are applied first.

use std::collections::HashSet;

use crate::context::Netns;
use crate::name::IfName;
use crate::plan::{Executor, Plan, Undos};
use crate::Result;

/// How many plans wait, at most, before they are applied.
pub const PLANS_AHEAD: usize = 64;

/// What a plan touches: a named namespace (`(Some(ns), None)`) or an
/// interface in a namespace (`(netns, Some(name))`).
pub type Touch = (Netns, Option<IfName>);

/// Plans waiting to be applied, each with what asked for it.
pub struct Ahead<T> {
    waiting: Vec<(T, Plan)>,
    touched: HashSet<Touch>,
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
    pub fn must_apply_before(&self, touches: &[Touch]) -> bool {
        self.waiting.len() >= PLANS_AHEAD || touches.iter().any(|t| self.touched.contains(t))
    }

    /// Adds a plan, asked for by `item`, that touches `touches`.
    pub fn push(&mut self, item: T, plan: Plan, touches: Vec<Touch>) {
        self.touched.extend(touches);
        self.waiting.push((item, plan));
    }

    /// Whether no plan is waiting.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Takes the waiting plans out, each with its undos recorded in the
    /// journal (all in one write), to be applied in order with
    /// [`Executor::apply`]. In a dry run they are printed instead, and
    /// nothing is returned.
    pub fn take(&mut self, executor: &mut Executor) -> Result<Vec<(T, Plan, Undos)>> {
        self.touched.clear();
        let waiting = std::mem::take(&mut self.waiting);
        if executor.mode.dry_run {
            waiting
                .iter()
                .for_each(|(_, plan)| crate::plan::print_plan(plan));
            return Ok(Vec::new());
        }
        let plans: Vec<&Plan> = waiting.iter().map(|(_, plan)| plan).collect();
        let undos = executor.record(&plans)?;
        Ok(waiting
            .into_iter()
            .zip(undos)
            .map(|((item, plan), undos)| (item, plan, undos))
            .collect())
    }
}
