//! Named network namespaces: `ip netns add NAME`, undone by `ip netns del
//! NAME` while NAME is still the namespace made.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::shared::check_netns;
use super::words::quote;
use super::{Change, Made, Outcome, Skip, Step, Target};
use crate::context::Context;
use crate::cover::Named;
use crate::error::Result;
use crate::name::NsName;
use crate::netns::NsId;

/// `ip netns add NAME`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetnsAdd {
    /// The name under `/run/netns`.
    pub name: NsName,
}

/// `ip netns del NAME`, while NAME is the namespace made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetnsDel {
    /// The name under `/run/netns`.
    pub name: NsName,
    /// Its identity, once made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns_id: Option<NsId>,
}

impl Change for NetnsAdd {
    /// Makes the namespace; one of that name made a moment earlier by
    /// another invocation is used as it is.
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        if !context.create_netns(&self.name)? {
            return Ok(Outcome::made_by_another());
        }
        Ok(match context.netns_id(Some(&self.name)) {
            Some(id) => Outcome::made(Made::Netns(id)),
            None => Outcome::done(),
        })
    }

    fn undo(&self) -> Option<Step> {
        Some(
            NetnsDel {
                name: self.name.clone(),
                netns_id: None,
            }
            .into(),
        )
    }

    fn target(&self) -> Target<'_> {
        Target::netns(Some(&self.name))
    }

    fn creates(&self) -> Vec<Named> {
        vec![Named::Netns(self.name.clone())]
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ip netns add {}", quote(&self.name))
    }
}

impl NetnsDel {
    /// Why the deletion is skipped: `None` when the namespace is there and
    /// the one made.
    fn skipped(&self, context: &mut Context) -> Option<Skip> {
        check_netns(context, &Some(self.name.clone()), self.netns_id)
            .map(|skip| skip.after("not deleting"))
    }
}

impl Change for NetnsDel {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        if let Some(skip) = self.skipped(context) {
            return Ok(Outcome::skipped(skip));
        }
        context.delete_netns(&self.name)?;
        Ok(Outcome::done())
    }

    fn undo(&self) -> Option<Step> {
        None
    }

    fn pin(&mut self, made: &Made) {
        if let Made::Netns(id) = made {
            self.netns_id = Some(*id);
        }
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        Ok(self.skipped(context))
    }

    fn target(&self) -> Target<'_> {
        Target::netns(Some(&self.name))
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        Some(Named::Netns(self.name.clone()))
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ip netns del {}", quote(&self.name))
    }
}
