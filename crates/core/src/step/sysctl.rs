//! Network sysctls: `sysctl -w KEY=VALUE` (inside `ip netns exec NS` for a
//! named namespace), undone by writing back the value it replaced, while
//! the key still holds the value written.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::shared::check_netns;
use super::words::sysctl_w;
use super::{Change, Made, Outcome, Skip, Step, Target};
use crate::context::{in_netns, Context, Netns};
use crate::cover::Named;
use crate::error::{Error, Result};
use crate::netns::NsId;
use crate::sysctl::{self, Key, Problem};

/// `[ip netns exec NS] sysctl -w KEY=VALUE`, the key holding `was` before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysctlSet {
    /// `ip netns exec NS`: the namespace whose sysctl it is.
    pub netns: Netns,
    /// `KEY`, dotted as `sysctl` spells it.
    pub key: Key,
    /// `VALUE`, as written to the file under `/proc/sys`.
    pub value: String,
    /// The value it replaces, put back by the undo.
    pub was: String,
    /// Keys the kernel changes along with this one whose values the old
    /// value alone would not bring back, with their values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub also_was: BTreeMap<Key, String>,
}

/// `[ip netns exec NS] sysctl -w KEY=VALUE`, putting a recorded value back;
/// nothing when the key is gone (its interface or namespace deleted), or
/// holds another value than the one vethkit wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysctlRestore {
    /// `ip netns exec NS`: the namespace whose sysctl it is.
    pub netns: Netns,
    /// `KEY`, dotted as `sysctl` spells it.
    pub key: Key,
    /// `VALUE`: the one the key held before vethkit wrote it.
    pub value: String,
    /// Then these keys' values, put back one by one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub also: BTreeMap<Key, String>,
    /// The value vethkit wrote: another one there now was set by someone
    /// else since, and stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrote: Option<String>,
    /// The identity of the named namespace, once written there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns_id: Option<NsId>,
}

/// Writes `value` to `key` in `netns` and reads it back. When the kernel
/// keeps something else, `was` (if known) is put back and that is the
/// error. A missing key is an error, or nothing to do when `gone_is_done`.
fn write_value(
    context: &mut Context,
    netns: &Netns,
    (key, value): (&Key, &str),
    was: Option<&str>,
    gone_is_done: bool,
) -> Result<()> {
    let netns = netns.as_ref();
    if gone_is_done && !context.netns_exists(netns) {
        return Ok(());
    }
    let outcome = context.inside(netns, || {
        let now = sysctl::write_and_read(key, value)?;
        if sysctl::same_value(&now, value) {
            return Ok(None);
        }
        if let Some(was) = was {
            let _ = sysctl::write(key, was);
        }
        Ok(Some(now))
    })?;
    let failure = match outcome {
        Ok(None) => return Ok(()),
        Err(Problem::Missing) if gone_is_done => return Ok(()),
        Ok(Some(kept)) => format!(
            "cannot set {key} to {value}: the kernel keeps {}",
            sysctl::normalize(&kept)
        ),
        Err(problem) => problem.describe(key, Some(value)),
    };
    Err(Error::failed(format!("{failure}{}", in_netns(netns))))
}

impl Change for SysctlSet {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let netns = self.netns.as_ref();
        if !context.written_at_creation(netns, &self.key, &self.value) {
            let assignment = (&self.key, self.value.as_str());
            write_value(context, &self.netns, assignment, Some(&self.was), false)?;
        }
        Ok(Outcome::made(Made::Sysctl {
            wrote: self.value.clone(),
            netns_id: context.netns_id(self.netns.as_ref()),
        }))
    }

    fn undo(&self) -> Option<Step> {
        Some(
            SysctlRestore {
                netns: self.netns.clone(),
                key: self.key.clone(),
                value: self.was.clone(),
                also: self.also_was.clone(),
                wrote: None,
                netns_id: None,
            }
            .into(),
        )
    }

    fn target(&self) -> Target<'_> {
        Target::sysctl(self.netns.as_ref(), &self.key)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sysctl_w(&self.netns, [(&self.key, self.value.as_str())]))
    }
}

impl SysctlRestore {
    /// Why the recorded value is not to be put back: the key is gone, or
    /// holds another value than the one vethkit wrote (someone changed it
    /// since: their value stays). `None` when it is to be put back.
    fn skipped(&self, context: &mut Context) -> Result<Option<Skip>> {
        let (netns, key) = (&self.netns, &self.key);
        let here = in_netns(netns.as_ref());
        let skipping = format!("not putting back {key}{here}");
        if let Some(skip) = check_netns(context, netns, self.netns_id) {
            return Ok(Some(skip.after(&skipping)));
        }
        Ok(match context.inside(netns.as_ref(), || sysctl::read(key))? {
            Err(Problem::Missing) => Some(Skip::gone(
                self.wrote.is_some(),
                format!("{skipping}: the key is gone (its interface was deleted)"),
            )),
            Ok(now) => self
                .wrote
                .as_ref()
                .filter(|wrote| !sysctl::same_value(&now, wrote))
                .map(|wrote| {
                    Skip::Replaced(format!(
                        "{skipping} ({}): it was changed to {} after vethkit set it to {wrote}, and stays",
                        self.value,
                        sysctl::normalize(&now)
                    ))
                }),
            Err(_) => None,
        })
    }
}

impl Change for SysctlRestore {
    /// Puts the recorded value back (unless [`Self::skipped`]), then the
    /// values of the keys the kernel changed with it.
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        if let Some(skip) = self.skipped(context)? {
            return Ok(Outcome::skipped(skip));
        }
        write_value(context, &self.netns, (&self.key, &self.value), None, true)?;
        for (key, value) in &self.also {
            write_value(context, &self.netns, (key, value), None, true)?;
        }
        Ok(Outcome::done())
    }

    fn undo(&self) -> Option<Step> {
        None
    }

    fn pin(&mut self, made: &Made) {
        if let Made::Sysctl { wrote, netns_id } = made {
            self.wrote = Some(wrote.clone());
            self.netns_id = *netns_id;
        }
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        self.skipped(context)
    }

    fn target(&self) -> Target<'_> {
        Target::sysctl(self.netns.as_ref(), &self.key)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = (&self.key, self.value.as_str());
        let others = self.also.iter().map(|(key, value)| (key, value.as_str()));
        f.write_str(&sysctl_w(&self.netns, [first].into_iter().chain(others)))
    }
}
