//! A coder's status on one document: not started, in progress or done
//! (the "finished" state of INCEpTION's annotation workflow).
//!
//! The status lives on the coder's annotation set for the document, is
//! changed by [`Command::SetStatus`](super::Command::SetStatus) (stamped,
//! undoable, merged by stamp like a set's name) and decides which
//! paragraphs count as units in the agreement statistics
//! ([`crate::compare`]): in a *done* document every paragraph without a tag
//! is a decision that no theme applies.
//!
//! A set may carry no explicit status (files and stored values written
//! before statuses existed, or a set nobody marked): its status is then
//! derived from its items, see [`AnnotationSet::status`].

use serde::{Deserialize, Serialize};

use super::{AnnotationSet, Command, Store};

/// How far a coder has got with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nothing coded yet.
    NotStarted,
    /// Coding under way: paragraphs after the last one the coder touched
    /// are not coded yet (missing).
    InProgress,
    /// The coder read the whole document: a paragraph without a tag means
    /// that no theme applies (absent), unless it is marked *not coded*.
    Done,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 3] = [Status::NotStarted, Status::InProgress, Status::Done];

    /// The name files and automation hooks use: `not-started`,
    /// `in-progress` or `done`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted => "not-started",
            Status::InProgress => "in-progress",
            Status::Done => "done",
        }
    }

    /// Reads [`Status::as_str`]'s names back; `None` for anything else.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The label the UI shows, in Chinese and English.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "未开始 · Not started",
            Status::InProgress => "进行中 · In progress",
            Status::Done => "已完成 · Done",
        }
    }
}

impl AnnotationSet {
    /// The set's status: the one set explicitly ([`AnnotationSet::status`]
    /// field, by [`Command::SetStatus`]), else derived from what the set
    /// holds: [`Status::InProgress`] once it has a live tag, a non-empty
    /// note or a not-coded mark, [`Status::NotStarted`] before.
    ///
    /// The derived status is how files and stored values written before
    /// statuses existed are read: a coder who had tagged is in progress,
    /// never done (done is a claim only the coder makes).
    pub fn status(&self) -> Status {
        self.status.unwrap_or_else(|| {
            let touched = self.tags.values().any(|t| t.present)
                || self.notes.values().any(|n| !n.text.is_empty())
                || self.uncoded.values().any(|u| u.on);
            if touched {
                Status::InProgress
            } else {
                Status::NotStarted
            }
        })
    }
}

impl Store {
    /// The command that marks `set` done, or, when it is done already,
    /// takes the mark back to in progress: one key and one button.
    /// Undoable like any command; the store refuses it for a read-only or
    /// unknown set when applied.
    pub fn toggle_done(&self, set: &str) -> Command {
        let done = self.sets.get(set).is_some_and(|s| s.status() == Status::Done);
        Command::SetStatus {
            set: set.into(),
            status: Some(if done { Status::InProgress } else { Status::Done }),
        }
    }
}
