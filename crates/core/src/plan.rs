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
        let entries = self
            .journal
            .record(undoable.iter().map(|(_, undo)| undo.clone()))?;
        for (index, step) in plan.steps.iter().enumerate() {
            if self.mode.verbose {
                eprintln!("{}: {step}", self.program);
            }
            if let Err(error) = step.apply(&mut self.context) {
                let applied = undoable.iter().take_while(|(i, _)| *i < index).count();
                let (applied, not_applied) = entries.split_at(applied);
                return Err(self.roll_back(error, applied, not_applied));
            }
        }
        Ok(())
    }

    /// Undoes `applied` newest first; forgets what is gone. Returns the
    /// error to report: the original, plus anything that could not be undone.
    fn roll_back(&mut self, error: Error, applied: &[Entry], not_applied: &[Entry]) -> Error {
        let mut gone: Vec<&Entry> = not_applied.iter().collect();
        let mut left = Vec::new();
        for entry in applied.iter().rev() {
            if self.mode.verbose {
                eprintln!("{}: undo: {}", self.program, entry.undo);
            }
            match entry.undo.apply(&mut self.context) {
                Ok(()) => gone.push(entry),
                Err(undo_error) => left.push(format!("{} ({undo_error})", entry.undo)),
            }
        }
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
