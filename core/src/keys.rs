//! Keyboard chords mapped to actions: a pure function, tested natively; one
//! window listener in the UI calls it.

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Next,
    Previous,
    /// Toggle the theme bound to this digit on the focused block.
    Toggle(u8),
    EditNote,
    /// Accept the focused block's theme suggestions.
    AcceptSuggestions,
    /// Mark the focused block as not coded, or take the mark back.
    ToggleUncoded,
    /// Mark the open document done for the own coder, or take it back
    /// to in progress (`store::Status`).
    ToggleDone,
    Undo,
    Redo,
    /// Leave the note field, close a dialog.
    Escape,
}

/// A key event as the browser reports it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Chord<'a> {
    /// `KeyboardEvent.key`.
    pub key: &'a str,
    pub ctrl: bool,
    pub meta: bool,
    pub shift: bool,
    pub alt: bool,
    /// Focus is in a text field, where letters and digits are typing.
    pub in_text: bool,
}

/// Maps a chord to an action, or `None` to let the browser have it.
///
/// ```
/// use annotator_core::keys::{action_for, Action, Chord};
/// assert_eq!(action_for(&Chord { key: "3", ..Default::default() }), Some(Action::Toggle(3)));
/// assert_eq!(action_for(&Chord { key: "3", in_text: true, ..Default::default() }), None);
/// ```
pub fn action_for(c: &Chord) -> Option<Action> {
    let command = c.ctrl || c.meta;
    if c.key == "Escape" {
        return Some(Action::Escape);
    }
    if command && !c.alt && !c.in_text {
        return match c.key {
            "z" | "Z" if c.shift => Some(Action::Redo),
            "z" | "Z" => Some(Action::Undo),
            "y" | "Y" => Some(Action::Redo),
            _ => None,
        };
    }
    if c.in_text || command || c.alt {
        return None;
    }
    match c.key {
        "j" | "ArrowDown" => Some(Action::Next),
        "k" | "ArrowUp" => Some(Action::Previous),
        "n" => Some(Action::EditNote),
        "a" => Some(Action::AcceptSuggestions),
        "x" => Some(Action::ToggleUncoded),
        "d" => Some(Action::ToggleDone),
        k if k.len() == 1 => {
            let d = k.as_bytes()[0];
            (b'1'..=b'9').contains(&d).then(|| Action::Toggle(d - b'0'))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Chord<'_> {
        Chord {
            key: k,
            ..Default::default()
        }
    }

    #[test]
    fn chords_map_to_actions() {
        let cases: &[(Chord, Option<Action>)] = &[
            (key("j"), Some(Action::Next)),
            (key("ArrowDown"), Some(Action::Next)),
            (key("k"), Some(Action::Previous)),
            (key("ArrowUp"), Some(Action::Previous)),
            (key("1"), Some(Action::Toggle(1))),
            (key("9"), Some(Action::Toggle(9))),
            (key("0"), None),
            (key("n"), Some(Action::EditNote)),
            (key("x"), Some(Action::ToggleUncoded)),
            (key("q"), None),
            (key("a"), Some(Action::AcceptSuggestions)),
            (
                Chord {
                    key: "z",
                    ctrl: true,
                    ..Default::default()
                },
                Some(Action::Undo),
            ),
            (
                Chord {
                    key: "Z",
                    ctrl: true,
                    shift: true,
                    ..Default::default()
                },
                Some(Action::Redo),
            ),
            (
                Chord {
                    key: "z",
                    meta: true,
                    ..Default::default()
                },
                Some(Action::Undo),
            ),
            (
                Chord {
                    key: "y",
                    ctrl: true,
                    ..Default::default()
                },
                Some(Action::Redo),
            ),
            (
                Chord {
                    key: "z",
                    ctrl: true,
                    in_text: true,
                    ..Default::default()
                },
                None,
            ),
            (
                Chord {
                    key: "j",
                    in_text: true,
                    ..Default::default()
                },
                None,
            ),
            (
                Chord {
                    key: "1",
                    alt: true,
                    ..Default::default()
                },
                None,
            ),
            (
                Chord {
                    key: "Escape",
                    in_text: true,
                    ..Default::default()
                },
                Some(Action::Escape),
            ),
        ];
        for (chord, want) in cases {
            assert_eq!(action_for(chord), *want, "{chord:?}");
        }
    }
}
