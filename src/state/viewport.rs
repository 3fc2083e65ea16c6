//! A long document's viewport: the layout of its blocks and the rows
//! rendered. Above [`LONG_DOCUMENT`] blocks only the blocks near the scroll
//! position are in the page (`view::long` places the window and measures);
//! a shorter document renders every block and leaves this empty.

use std::ops::Range;

use annotator_core::viewport::Layout;
use leptos::prelude::*;

/// Blocks above which only the blocks near the viewport are rendered.
pub const LONG_DOCUMENT: usize = 300;

/// The layout and window of a long document, shared by the document view
/// and everything that jumps to a block (keys, contents, overview, search).
#[derive(Clone, Copy)]
pub struct Viewport {
    /// Heights and rows of the open document (`None`: short, all rendered).
    pub layout: StoredValue<Option<Layout>>,
    /// The rows (places in `layout.rows()`) rendered.
    pub window: RwSignal<Range<usize>>,
    /// Notified when rows or heights change, so the spacers follow.
    pub rev: Trigger,
    /// A window update is waiting for the next animation frame.
    pub pending: StoredValue<bool>,
}

impl Viewport {
    pub fn new() -> Viewport {
        Viewport {
            layout: StoredValue::new(None),
            window: RwSignal::new(0..0),
            rev: Trigger::new(),
            pending: StoredValue::new(false),
        }
    }

    /// Whether the open document is long (rendered by windows).
    pub fn is_long(&self) -> bool {
        self.layout.with_value(Option::is_some)
    }

    /// The blocks rendered, in order (tracks the window).
    pub fn blocks(&self) -> Vec<usize> {
        let window = self.window.get();
        self.rev.track();
        self.layout.with_value(|l| {
            l.as_ref()
                .map(|l| {
                    let rows = l.rows();
                    rows[window.start.min(rows.len())..window.end.min(rows.len())].to_vec()
                })
                .unwrap_or_default()
        })
    }

    /// Whether a block is rendered now (untracked).
    pub fn is_rendered(&self, block: usize) -> bool {
        let window = self.window.get_untracked();
        self.layout.with_value(|l| match l {
            None => true,
            Some(l) => l.row_of(block).is_some_and(|r| window.contains(&r)),
        })
    }
}

impl Default for Viewport {
    fn default() -> Self {
        Self::new()
    }
}
