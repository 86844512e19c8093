//! Plans and their execution: print (`--dry-run`), or record, apply and,
//! when a step fails, roll back.

use std::fs::File;
use std::io::Write;

use nix::fcntl::Flock;

use crate::context::{Context, Presence};
use crate::cover::Deletions;
use crate::error::{Error, Result};
use crate::journal::{Entry, Journal};
use crate::lookup;
use crate::rtnl;
use crate::step::netns::NetnsDel;
use crate::step::{Skip, Step};

/// The steps one invocation (or one line of a batch) will take, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The steps, applied first to last.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Adds a step at the end.
    pub fn push(&mut self, step: impl Into<Step>) {
        self.steps.push(step.into());
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
    /// Set once this process is known to be allowed to change the network.
    privileged: bool,
    /// Journal entries waiting to be amended: undos pinned to what their
    /// steps made, and undos of steps another invocation had done already.
    amendments: Amendments,
}

/// Journal amendments made while applying, written a plan (or a group of
/// plans made ahead) at a time.
#[derive(Debug, Default)]
struct Amendments {
    pinned: Vec<Entry>,
    theirs: Vec<Entry>,
}

impl Executor {
    /// An executor working from the caller's namespace.
    pub fn new(program: &'static str, mode: Mode) -> Result<Self> {
        Ok(Executor {
            program,
            context: Context::new()?,
            journal: Journal::new()?,
            mode,
            privileged: false,
            amendments: Amendments::default(),
        })
    }

    /// Takes the lock sysctl changes are planned, recorded and applied
    /// under, until the guard is dropped (see [`Journal::lock_sysctls`]);
    /// none in a dry run, which changes nothing.
    pub fn lock_sysctls(&mut self) -> Result<Option<Flock<File>>> {
        if self.mode.dry_run {
            return Ok(None);
        }
        self.journal.lock_sysctls().map(Some)
    }

    /// Runs `plan` as one all-or-nothing unit: prints it in a dry run;
    /// otherwise records the undo of each step in the journal, then applies
    /// the steps in order. When one fails, the steps already applied are
    /// undone, newest first, the journal forgets what is gone, and the
    /// step's error is returned.
    pub fn run(&mut self, plan: &Plan) -> Result<()> {
        self.run_within(plan, &mut Applied::default())
    }

    /// Runs `plan` as [`Self::run`] does, as part of a unit that has made
    /// the changes in `applied` already: when a step fails, those are
    /// rolled back too. What the plan applies is added to `applied`.
    pub fn run_within(&mut self, plan: &Plan, applied: &mut Applied) -> Result<()> {
        self.execute(plan, true, applied)
    }

    /// Runs a plan that takes changes back (netns-reset) as [`Self::run`]
    /// does, but records nothing: a failed step still rolls the applied
    /// ones back, from memory.
    pub fn run_unrecorded(&mut self, plan: &Plan) -> Result<()> {
        self.execute(plan, false, &mut Applied::default())
    }

    fn execute(&mut self, plan: &Plan, record: bool, applied: &mut Applied) -> Result<()> {
        if self.mode.dry_run {
            print_plan(plan);
            return Ok(());
        }
        let undos = if record {
            self.record(&[plan])?.remove(0)
        } else {
            Undos::of(plan)
        };
        match self.apply(plan, undos, applied) {
            Ok(()) => self.write_amendments(),
            Err(error) => Err(self.roll_back(error, std::mem::take(applied))),
        }
    }

    /// Records in the journal, in one write, the undo steps of `plans`
    /// about to be applied (write-ahead: a process killed half-way leaves
    /// every change it made findable). Returns each plan's undos, to give
    /// [`Self::apply`].
    pub fn record(&mut self, plans: &[&Plan]) -> Result<Vec<Undos>> {
        self.check_privilege()?;
        let mut undos: Vec<Undos> = plans.iter().map(|plan| Undos::of(plan)).collect();
        let steps = undos
            .iter()
            .flat_map(|plan| plan.undos.iter().map(|undo| undo.step.clone()));
        let mut entries = self.journal.record(steps)?.into_iter();
        for undo in undos.iter_mut().flat_map(|plan| plan.undos.iter_mut()) {
            undo.entry = entries.next();
        }
        Ok(undos)
    }

    /// Before the first change: says so in words when this process may not
    /// change the network, rather than let the journal or the first
    /// request fail for it.
    fn check_privilege(&mut self) -> Result<()> {
        if self.privileged {
            return Ok(());
        }
        let socket = self.context.socket(None)?;
        match rtnl::try_a_change(socket) {
            Err(error) if error.errno == libc::EPERM => Err(crate::error::needs_net_admin()),
            _ => {
                self.privileged = true;
                Ok(())
            }
        }
    }

    /// Applies the steps of `plan`, whose undos are `undos`, adding each
    /// applied step's undo to `applied`, pinned to the object the step made.
    /// A step that finds its object made a moment earlier by another
    /// invocation leaves its undo to that one. The journal learns both with
    /// [`Self::write_amendments`] (or a roll-back). On failure, the error is
    /// returned and `applied` holds what to roll back (see
    /// [`Self::roll_back`]).
    pub fn apply(&mut self, plan: &Plan, undos: Undos, applied: &mut Applied) -> Result<()> {
        let mut undos = undos.undos.into_iter().peekable();
        for (position, step) in plan.steps.iter().enumerate() {
            if self.mode.verbose {
                eprintln!("{}: {step}", self.program);
            }
            let outcome = match step.apply(&mut self.context) {
                Ok(outcome) => outcome,
                Err(error) => {
                    applied
                        .not_applied
                        .extend(undos.by_ref().filter_map(|undo| undo.entry));
                    return Err(error);
                }
            };
            self.report(&outcome.skipped);
            let Some(mut undo) = undos.next_if(|undo| undo.position == position) else {
                continue;
            };
            if outcome.made_by_another {
                self.amendments.theirs.extend(undo.entry);
                continue;
            }
            if let Some(made) = &outcome.made {
                undo.step.pin(made);
                if let Some(entry) = &mut undo.entry {
                    entry.undo = undo.step.clone();
                    self.amendments.pinned.push(entry.clone());
                }
            }
            applied.undos.push(undo);
        }
        Ok(())
    }

    /// Writes the amendments [`Self::apply`] made to the journal, in one write.
    pub fn write_amendments(&mut self) -> Result<()> {
        let Amendments { pinned, theirs } = std::mem::take(&mut self.amendments);
        self.journal.amend(&pinned, &theirs)
    }

    /// Prints what an undo left alone, one line each, on stderr.
    pub fn report(&self, skipped: &[Skip]) {
        for note in skipped.iter().filter_map(Skip::note) {
            eprintln!("{}: {note}", self.program);
        }
    }

    /// Undoes the `applied` steps newest first and makes the journal forget
    /// every recorded entry that is not left in place. A namespace this
    /// unit made stays when another invocation has put links in it since
    /// (its entry stays too, for `netns-reset --all`). Returns the error to
    /// report: `error`, plus anything that could not be undone.
    pub fn roll_back(&mut self, error: Error, applied: Applied) -> Error {
        let mut left = Vec::new();
        let mut gone = applied.not_applied;
        for undo in applied.undos.into_iter().rev() {
            if let Step::NetnsDel(NetnsDel { name, netns_id }) = &undo.step {
                let there = self.context.presence(Some(name), *netns_id) == Presence::There;
                let used = there
                    && !matches!(
                        lookup::holds_only_its_own_links(&mut self.context, name),
                        Ok(true)
                    );
                if used {
                    eprintln!(
                        "{}: not deleting netns {name}: another invocation uses it now",
                        self.program
                    );
                    continue;
                }
            }
            if self.mode.verbose {
                eprintln!("{}: undo: {}", self.program, undo.step);
            }
            match undo.step.apply(&mut self.context) {
                Ok(outcome) => {
                    self.report(&outcome.skipped);
                    gone.extend(undo.entry);
                }
                Err(undo_error) => left.push(format!("{} ({undo_error})", undo.step)),
            }
        }
        let Amendments { pinned, theirs } = std::mem::take(&mut self.amendments);
        gone.extend(theirs);
        let forgotten = self.journal.amend(&pinned, &gone);
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

/// Prints `plan` on stdout as `ip` commands, one a line.
pub fn print_plan(plan: &Plan) {
    let mut out = std::io::stdout().lock();
    for step in &plan.steps {
        let _ = writeln!(out, "{step}");
    }
    let _ = out.flush();
}

/// One step's undo, with its journal entry once recorded.
#[derive(Debug)]
struct Undo {
    /// The position in its plan of the step it undoes.
    position: usize,
    step: Step,
    entry: Option<Entry>,
}

/// The undo steps a plan needs: each step's, except those a deletion the
/// plan's undo makes covers (see [`crate::cover`]).
#[derive(Debug)]
pub struct Undos {
    undos: Vec<Undo>,
}

impl Undos {
    fn of(plan: &Plan) -> Self {
        let deletions = Deletions::created_by(&plan.steps);
        let undos = plan
            .steps
            .iter()
            .enumerate()
            .filter_map(|(position, step)| {
                let step = step.undo()?;
                deletions.covering(&step).is_none().then_some(Undo {
                    position,
                    step,
                    entry: None,
                })
            })
            .collect();
        Undos { undos }
    }
}

/// What one all-or-nothing unit has changed so far, to roll back if a later
/// step fails.
#[derive(Debug, Default)]
pub struct Applied {
    /// The undos of the steps applied, oldest first.
    undos: Vec<Undo>,
    /// Recorded entries whose steps were never applied.
    not_applied: Vec<Entry>,
}

impl Applied {
    /// Notes that the plans whose undos are `undos` were recorded but will
    /// not be applied: a roll-back makes the journal forget them too.
    pub fn never_applied(&mut self, undos: impl IntoIterator<Item = Undos>) {
        let entries = undos.into_iter().flat_map(|plan| plan.undos);
        self.not_applied
            .extend(entries.filter_map(|undo| undo.entry));
    }
}
