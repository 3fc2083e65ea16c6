//! Notices: what the app tells the user, and the undo or download they offer.

use super::*;

/// How long an information notice stays (ms).
pub const NOTICE_MS: u64 = 5_000;
/// How long one that offers an action (an undo) stays: time to reach it.
pub const NOTICE_WITH_ACTION_MS: u64 = 12_000;

impl AppState {
    pub(super) fn report_recovery(&self, r: Recovery) {
        let problems: Vec<String> = r.problems.iter().map(|p| p.message()).collect();
        let kept = match &r.backup_key {
            Some(k) => format!("原数据已备份在 {k} · The original was kept under {k}"),
            None => "无法写入备份，请立即下载 · No room to back it up: download it now".into(),
        };
        let what = if r.partial {
            "部分已保存的数据无法读取，其余已恢复 · Part of the saved data could not be read; the rest was restored"
        } else {
            "已保存的数据无法读取，已重新开始 · Saved data could not be read; starting afresh"
        };
        let (kind, label) = persist::key_label(&r.key);
        let filename = format!("speech-annotator-backup-{kind}-{}.json", now_ms());
        self.push_notice(
            Level::Error,
            format!("{label}: {what}. {} {kept}.", problems.join("; ")),
            Some(NoticeAction::DownloadBackup {
                filename,
                raw: Arc::new(r.raw),
            }),
            Some(kind),
        );
    }

    pub fn notify(&self, level: Level, text: String, action: Option<NoticeAction>) {
        self.push_notice(level, text, action, None);
    }

    pub(super) fn push_notice(
        &self,
        level: Level,
        text: String,
        action: Option<NoticeAction>,
        recovery: Option<&'static str>,
    ) {
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        // Information closes itself; errors, undos nothing else offers, and
        // the choice to keep a text's line breaks (offered nowhere else)
        // stay until dismissed.
        let lasting = level == Level::Error
            || matches!(
                action,
                Some(
                    NoticeAction::UndoProject { .. } | NoticeAction::RestoreValues(_) | NoticeAction::KeepLines { .. }
                )
            );
        let wait = if action.is_some() {
            NOTICE_WITH_ACTION_MS
        } else {
            NOTICE_MS
        };
        self.notices.update(|n| {
            // Info notices replace each other; errors stay until dismissed,
            // and so does the undo of an import into the library (nothing
            // else can undo it: it is not a step of one document's history).
            n.retain(|x| {
                x.level == Level::Error
                    || matches!(
                        x.action,
                        Some(NoticeAction::UndoProject { .. } | NoticeAction::RestoreValues(_))
                    )
            });
            n.push(Notice {
                id,
                level,
                text,
                action,
                recovery,
            });
        });
        if !lasting {
            let state = *self;
            leptos::prelude::set_timeout(move || state.dismiss(id), std::time::Duration::from_millis(wait));
        }
    }

    pub fn dismiss(&self, id: u64) {
        self.notices.update(|n| n.retain(|x| x.id != id));
    }

    /// An "undo" for a notice about the step just applied.
    pub fn undo_notice(&self, terms: Option<Box<TermSettings>>) -> NoticeAction {
        NoticeAction::Undo {
            step: self.history.with_value(|h| h.top()),
            terms,
        }
    }

    /// The notice's undo: the step it reports, if nothing came after it.
    pub fn undo_step(&self, step: Option<u64>, terms: Option<&TermSettings>) -> bool {
        if step.is_some_and(|n| !self.history.with_value(|h| h.can_undo_step(n))) {
            // Undone already (Ctrl+Z), or no longer in the history.
            self.notify(Level::Info, "这一步已撤销 · That step is already undone".into(), None);
            return true;
        }
        if self.history.with_value(|h| h.top()) != step {
            self.notify(
                Level::Info,
                "之后已有新的更改，请先用 Ctrl+Z 撤销它们 · Newer changes came after it: undo them first with Ctrl+Z"
                    .into(),
                None,
            );
            return false;
        }
        self.undo();
        if let Some(t) = terms {
            self.update_terms(|x| *x = t.clone());
        }
        true
    }
}
