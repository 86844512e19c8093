//! nf_tables: one transaction of operations (see [`crate::nft`], which
//! holds what undoes each), printed as the `nft -f` here-document that
//! does the same.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Change, Made, Outcome, Step, Target};
use crate::context::Context;
use crate::cover::Named;
use crate::error::{Error, Result};
use crate::nft::Op;

/// nf_tables operations in the caller's namespace, as one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nft {
    /// The operations, applied in order, all or none.
    pub ops: Vec<Op>,
}

impl Change for Nft {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let socket = context.netfilter()?;
        let applied = crate::nft::apply(socket, &self.ops)
            .map_err(|error| Error::failed(format!("nf_tables refused the change: {error}")))?;
        Ok(Outcome {
            made: applied.sent.then_some(Made::Nft(applied.handles)),
            made_by_another: false,
            skipped: applied.skipped,
        })
    }

    fn undo(&self) -> Option<Step> {
        let undo = crate::nft::undo(&self.ops);
        (!undo.is_empty()).then(|| Nft { ops: undo }.into())
    }

    fn pin(&mut self, made: &Made) {
        if let Made::Nft(handles) = made {
            crate::nft::pin(&mut self.ops, handles);
        }
    }

    /// The caller's namespace, and no link: vethkit's nf_tables rules are
    /// all there.
    fn target(&self) -> Target<'_> {
        Target::netns(None)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One transaction, as `nft -f` reads it.
        writeln!(f, "nft -f - <<'END'")?;
        for op in &self.ops {
            writeln!(f, "{op}")?;
        }
        f.write_str("END")
    }
}
