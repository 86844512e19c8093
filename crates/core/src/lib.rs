//! The shared core of vethkit.
//!
//! Every vethkit command turns its arguments into a [`plan::Plan`] of
//! [`step::Step`]s and hands it to the [`plan::Executor`], which prints it
//! (`--dry-run`), or records each step's undo in the [`journal`] (leaving
//! out those a deletion [`cover`]s), applies the steps over netlink, and
//! rolls the applied ones back when one fails. Commands taking many objects
//! a line make their plans a few dozen [`ahead`].
//! The pieces steps are made of live here too: a synchronous [`netlink`]
//! socket, iproute2-compatible named namespaces ([`netns`]) with one socket
//! each ([`context`]), validated [`name`]s and [`mac`] addresses, link,
//! address and route requests ([`rtnl`]) and the state read while
//! planning ([`lookup`]), waiting for new addresses to be usable
//! ([`ready`]), network sysctls ([`sysctl`]), nf_tables rules
//! ([`nft`]), queueing disciplines ([`qdisc`]), undoing the whole journal ([`reset`]), the [`error`] type,
//! the shared `main` wrapper ([`cli`]), and what each command's manual says
//! beyond its options ([`manual`]).
//!
//! `docs/ARCHITECTURE.md` walks through the layers, the invariants, where
//! each thing lives, and what to touch to add a kind of step or a command.

pub mod ahead;
pub mod cli;
pub mod context;
pub mod cover;
pub mod error;
pub mod journal;
pub mod lookup;
pub mod mac;
pub mod manual;
pub mod name;
pub mod netlink;
pub mod netns;
pub mod nft;
pub mod plan;
pub mod qdisc;
pub mod ready;
pub mod reset;
pub mod rtnl;
pub mod step;
pub mod sysctl;

pub use error::{Error, Result};
