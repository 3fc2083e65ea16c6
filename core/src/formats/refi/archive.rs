//! The zip archive of a REFI-QDA project (`.qdpx`, REFI-QDA 1.0,
//! <https://www.qdasoftware.org>), read with its guards: archives are
//! untrusted, so entry count, paths and declared sizes are checked up front
//! and actual sizes while unpacking (a zip bomb stops at the budget).

use std::io::{Cursor, Read};

use super::{MAX_ENTRIES, MAX_UNPACKED};
use crate::exchange::{ImportError, MAX_IMPORT_BYTES};

/// A zip archive checked for safety: entry count, paths and declared sizes
/// up front, actual sizes while reading.
pub(super) struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Entry name (`/`-separated) → index.
    pub(super) names: Vec<(String, usize)>,
    /// Bytes that may still be unpacked.
    budget: u64,
}

impl<'a> Archive<'a> {
    /// Opens `bytes` as a zip and checks every entry before anything is
    /// unpacked.
    ///
    /// # Errors
    /// - [`ImportError::Empty`] for no bytes, [`ImportError::TooLarge`] over
    ///   [`MAX_IMPORT_BYTES`];
    /// - [`ImportError::NotZip`] if the zip library cannot read it;
    /// - [`ImportError::TooManyEntries`] over [`MAX_ENTRIES`] entries;
    /// - [`ImportError::UnsafePath`] for an entry named with `..`, an absolute
    ///   path, a drive letter or a NUL;
    /// - [`ImportError::ArchiveTooLarge`] if the entries declare more than
    ///   [`MAX_UNPACKED`] bytes in all.
    pub(super) fn open(bytes: &'a [u8]) -> Result<Self, ImportError> {
        if bytes.is_empty() {
            return Err(ImportError::Empty);
        }
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(ImportError::TooLarge(bytes.len()));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ImportError::NotZip(e.to_string()))?;
        if zip.len() > MAX_ENTRIES {
            return Err(ImportError::TooManyEntries(MAX_ENTRIES));
        }
        let mut names = Vec::with_capacity(zip.len());
        let mut declared = 0u64;
        for i in 0..zip.len() {
            let f = zip.by_index_raw(i).map_err(|e| ImportError::NotZip(e.to_string()))?;
            let name = f
                .name()
                .map_err(|e| ImportError::NotZip(e.to_string()))?
                .replace('\\', "/");
            let drive = name.as_bytes().get(1) == Some(&b':');
            if name.starts_with('/')
                || drive
                || name.split('/').any(|c| c == "..")
                || name.contains('\0')
                || f.enclosed_name().is_none()
            {
                return Err(ImportError::UnsafePath(name.chars().take(120).collect()));
            }
            declared = declared.saturating_add(f.size());
            if declared > MAX_UNPACKED {
                return Err(ImportError::ArchiveTooLarge(MAX_UNPACKED));
            }
            names.push((name, i));
        }
        Ok(Archive {
            zip,
            names,
            budget: MAX_UNPACKED,
        })
    }

    /// The index of entry `name` (`/`-separated), compared without ASCII
    /// case; `None` if the archive has none.
    pub(super) fn find(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, i)| *i)
    }

    /// The project's `.qde`: `project.qde` (the standard's name) if there is
    /// one, else the only entry ending in `.qde`, whatever it is called
    /// (ATLAS.ti names it after the project). `None` for none, or several
    /// with none called `project.qde`.
    pub(super) fn find_qde(&self) -> Option<usize> {
        if let Some(i) = self.find("project.qde") {
            return Some(i);
        }
        let mut qde = self
            .names
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().ends_with(".qde"));
        match (qde.next(), qde.next()) {
            (Some((_, i)), None) => Some(*i),
            _ => None,
        }
    }

    /// Unpacks entry `index` (from [`Archive::find`]), never more than it
    /// declares or the budget of [`MAX_UNPACKED`] bytes for the whole
    /// archive allows.
    ///
    /// # Errors
    /// [`ImportError::ArchiveTooLarge`] if it inflates past either,
    /// [`ImportError::NotZip`] if it cannot be inflated.
    pub(super) fn read(&mut self, index: usize) -> Result<Vec<u8>, ImportError> {
        let f = self
            .zip
            .by_index(index)
            .map_err(|e| ImportError::NotZip(e.to_string()))?;
        let limit = f.size().min(self.budget);
        let mut buf = Vec::with_capacity(usize::try_from(limit).unwrap_or(0).min(1 << 20));
        f.take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ImportError::NotZip(e.to_string()))?;
        let read = buf.len() as u64;
        if read > limit {
            return Err(ImportError::ArchiveTooLarge(MAX_UNPACKED));
        }
        self.budget -= read;
        Ok(buf)
    }
}
