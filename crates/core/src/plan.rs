//! Plans and their execution: print (`--dry-run`), or record, apply and,
//! when a step fails, roll back.

use std::io::Write;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::journal::{Entry, Journal};
use crate::step::Step;

/// The steps one invocation (or one line of a batch) will take, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The steps, applied first to last.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Adds a step at the end.
    pub fn push(&mut self, step: Step) {
        self.steps.push(step);
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// How a plan is executed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mode {
    /// Print the plan on stdout as `ip` commands and change nothing.
    pub dry_run: bool,
    /// Print each step on stderr as it is applied.
    pub verbose: bool,
}

/// The executor of one invocation: its namespaces, its journal and its mode.
pub struct Executor {
    /// The name of the command, for messages.
    pub program: &'static str,
    /// The namespaces and their sockets.
    pub context: Context,
    /// Where changes are recorded.
    pub journal: Journal,
    /// Dry run and verbosity.
    pub mode: Mode,
}

impl Executor {
    /// An executor working from the caller's namespace.
    pub fn new(program: &'static str, mode: Mode) -> Result<Self> {
        Ok(Executor {
            program,
            context: Context::new()?,
            journal: Journal::new(),
            mode,
        })
    }

    /// Runs `plan`: prints it in a dry run; otherwise records each step's
    /// undo in the journal, then applies the steps in order. When one fails,
    /// the steps already applied are undone, newest first, the journal
    /// forgets what is gone, and the step's error is returned.
    pub fn run(&mut self, plan: &Plan) -> Result<()> {
        self.execute(plan, true)
    }

    /// Runs a plan that takes changes back (netns-reset) as [`Self::run`]
    /// does, but records nothing: a failed step still rolls the applied
    /// ones back, from memory.
    pub fn run_unrecorded(&mut self, plan: &Plan) -> Result<()> {
        self.execute(plan, false)
    }

    fn execute(&mut self, plan: &Plan, record: bool) -> Result<()> {
        if self.mode.dry_run {
            let mut out = std::io::stdout().lock();
            for step in &plan.steps {
                let _ = writeln!(out, "{step}");
            }
            let _ = out.flush();
            return Ok(());
        }
        if plan.is_empty() {
            return Ok(());
        }
        let undoable: Vec<(usize, Step)> = plan
            .steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| Some((i, step.undo()?)))
            .collect();
        let entries = if record {
            self.journal
                .record(undoable.iter().map(|(_, undo)| undo.clone()))?
        } else {
            Vec::new()
        };
        for (index, step) in plan.steps.iter().enumerate() {
            if self.mode.verbose {
                eprintln!("{}: {step}", self.program);
            }
            if let Err(error) = step.apply(&mut self.context) {
                let applied = undoable.iter().take_while(|(i, _)| *i < index).count();
                return Err(self.roll_back(error, &undoable[..applied], &entries));
            }
        }
        Ok(())
    }

    /// Undoes the `applied` steps newest first and makes the journal forget
    /// every recorded entry that is not left in place. Returns the error to
    /// report: the original, plus anything that could not be undone.
    fn roll_back(&mut self, error: Error, applied: &[(usize, Step)], entries: &[Entry]) -> Error {
        let mut left = Vec::new();
        let mut still_in_place = Vec::new();
        for (position, (_, undo)) in applied.iter().enumerate().rev() {
            if self.mode.verbose {
                eprintln!("{}: undo: {undo}", self.program);
            }
            if let Err(undo_error) = undo.apply(&mut self.context) {
                left.push(format!("{undo} ({undo_error})"));
                still_in_place.push(position);
            }
        }
        let gone = entries
            .iter()
            .enumerate()
            .filter(|(position, _)| !still_in_place.contains(position))
            .map(|(_, entry)| entry);
        let forgotten = self.journal.forget(gone);
        let mut error = error;
        if !left.is_empty() {
            error = Error::failed(format!("{error}; could not undo: {}", left.join("; ")));
        }
        if let Err(journal_error) = forgotten {
            error = Error::failed(format!("{error}; {journal_error}"));
        }
        error
    }
}
