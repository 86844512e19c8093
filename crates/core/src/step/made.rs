//! Identity: which kernel object a change made or acted on, so that its
//! undo acts on that object and no other. A link is known by its index in
//! its namespace, a named namespace by its nsfs identity, an nf_tables
//! table or rule by its handle, a sysctl by the value written, a root
//! qdisc by its link and handle. An undo
//! whose object is gone, or was replaced by another of the same name, is
//! skipped with a note instead.
//!
//! Undos recorded by earlier versions know no identity: they go by name,
//! as those versions did.

use serde::{Deserialize, Serialize};

use crate::netns::NsId;
use crate::nft::Handles;

/// The object an undo acts on, as identified when the change was made.
/// Unknown parts (`None`) fall back to the object's name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Object {
    /// The nsfs identity of the named namespace the object is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns_id: Option<NsId>,
    /// The link's index in that namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
}

impl Object {
    /// Whether nothing is known but the name (an undo of an earlier version).
    pub fn is_unknown(&self) -> bool {
        *self == Object::default()
    }

    /// Takes the link a forward step made or changed, when it made one.
    pub fn pin(&mut self, made: &Made) {
        if let Made::Link { object, .. } = made {
            *self = *object;
        }
    }
}

/// What a forward step made or acted on, for its undo to be pinned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Made {
    /// A named namespace (made, or worked in).
    Netns(NsId),
    /// A sysctl written: the value, and the named namespace's identity.
    Sysctl {
        /// The value vethkit wrote: another one there later is someone
        /// else's.
        wrote: String,
        /// The identity of the named namespace written in.
        netns_id: Option<NsId>,
    },
    /// A link, and for a port, the index of its bridge.
    Link {
        /// The link made or changed.
        object: Object,
        /// The bridge, for a step about a port.
        master: Option<u32>,
    },
    /// nf_tables tables and rules, by handle.
    Nft(Handles),
    /// A link's root qdisc, by its link and its handle.
    Qdisc {
        /// The link shaped.
        object: Object,
        /// The qdisc's handle, when it could be read back.
        handle: Option<u32>,
    },
}

/// What applying a step came to.
#[derive(Debug, Default)]
pub struct Outcome {
    /// For a step that makes or changes an object: which one.
    pub made: Option<Made>,
    /// A forward step found what it makes there already, as asked, made a
    /// moment earlier by another invocation: nothing was done, and the
    /// undo is not this invocation's to keep.
    pub made_by_another: bool,
    /// What an undo left alone: gone already, or not the object recorded.
    pub skipped: Vec<Skip>,
}

impl Outcome {
    /// Done; nothing to pin.
    pub fn done() -> Self {
        Outcome::default()
    }

    /// Done, on (or making) `made`.
    pub fn made(made: Made) -> Self {
        Outcome {
            made: Some(made),
            ..Outcome::default()
        }
    }

    /// Found made already by another invocation.
    pub fn made_by_another() -> Self {
        Outcome {
            made_by_another: true,
            ..Outcome::default()
        }
    }

    /// Nothing done, for the reason `skip`.
    pub fn skipped(skip: Skip) -> Self {
        Outcome {
            skipped: vec![skip],
            ..Outcome::default()
        }
    }

    /// Whether the step acted on something (rather than skip it all).
    pub fn acted(&self) -> bool {
        self.skipped.is_empty() || self.made.is_some()
    }

    /// Whether an undo left its object alone because another stands in
    /// its place (rather than because it is gone).
    pub fn replaced(&self) -> bool {
        self.skipped
            .iter()
            .any(|skip| matches!(skip, Skip::Replaced(_)))
    }
}

/// Why an undo leaves its object alone, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Nothing there, and nothing recorded says the change was ever made
    /// (recorded before it was applied, it may never have been): nothing
    /// to say.
    NotMade,
    /// The object made is gone already: nothing to undo.
    Gone(String),
    /// Another object has its name now (or a sysctl another value): it
    /// is not the one the change made, and stays.
    Replaced(String),
}

impl Skip {
    /// The words, when there is something to say.
    pub fn note(&self) -> Option<&str> {
        match self {
            Skip::NotMade => None,
            Skip::Gone(note) | Skip::Replaced(note) => Some(note),
        }
    }

    /// Gone, said in `note` when the object was known to be made (`made`),
    /// else [`Skip::NotMade`].
    pub fn gone(made: bool, note: String) -> Skip {
        if made {
            Skip::Gone(note)
        } else {
            Skip::NotMade
        }
    }

    /// The same skip, its words put after `prefix` (as "not deleting").
    pub fn after(self, prefix: &str) -> Skip {
        match self {
            Skip::NotMade => Skip::NotMade,
            Skip::Gone(note) => Skip::Gone(format!("{prefix}: {note}")),
            Skip::Replaced(note) => Skip::Replaced(format!("{prefix}: {note}")),
        }
    }
}

/// Whether an undo still has its object to act on.
#[derive(Debug)]
pub enum Found<T> {
    /// It does: here it is.
    Ours(T),
    /// It does not.
    Skip(Skip),
}
