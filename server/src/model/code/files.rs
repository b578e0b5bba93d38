//! Which language claims a source file, by its name.

use std::ffi::OsStr;

use anyhow::{Context, Result};
use foldhash::HashMap;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// The languages' file-name globs: a file belongs to the language of the first glob that matches
/// its name. A glob `*.ext` is looked up by the name's last extension (every built-in glob is
/// one), so the walk of a large tree matches no glob per file; the others go through a glob set.
#[derive(Debug)]
pub(super) struct FileLanguages {
    globs: Vec<String>,
    /// Glob `i` belongs to language `language[i]`.
    language: Vec<usize>,
    /// By extension: the first glob `*.ext` with it.
    by_extension: HashMap<Box<[u8]>, usize>,
    /// The other globs, and the index of each among all globs.
    others: GlobSet,
    other_index: Vec<usize>,
}

impl FileLanguages {
    /// `globs` as `(glob, language)`, in order.
    pub(super) fn new<'g>(globs: impl IntoIterator<Item = (&'g str, usize)>) -> Result<FileLanguages> {
        let mut files = FileLanguages {
            globs: Vec::new(),
            language: Vec::new(),
            by_extension: HashMap::default(),
            others: GlobSet::empty(),
            other_index: Vec::new(),
        };
        let mut others = GlobSetBuilder::new();
        for (i, (glob, language)) in globs.into_iter().enumerate() {
            let compiled = Glob::new(glob).with_context(|| format!("file glob {glob}"))?;
            match literal_extension(glob) {
                Some(extension) => {
                    files.by_extension.entry(extension.as_bytes().into()).or_insert(i);
                }
                None => {
                    others.add(compiled);
                    files.other_index.push(i);
                }
            }
            files.globs.push(glob.to_string());
            files.language.push(language);
        }
        files.others = others.build().context("language file globs")?;
        Ok(files)
    }

    /// The language of a file named `name`.
    pub(super) fn language(&self, name: &OsStr) -> Option<usize> {
        let bytes = name.as_encoded_bytes();
        let by_extension =
            memchr::memrchr(b'.', bytes).and_then(|dot| self.by_extension.get(&bytes[dot + 1..]).copied());
        let other = if self.others.is_empty() {
            None
        } else {
            self.others.matches(name).into_iter().map(|i| self.other_index[i]).min()
        };
        by_extension.into_iter().chain(other).min().map(|glob| self.language[glob])
    }

    pub(super) fn globs(&self) -> impl Iterator<Item = &str> {
        self.globs.iter().map(String::as_str)
    }
}

/// `ext` when `glob` is `*.ext` with a literal `ext` of one segment: what it matches is any name
/// whose last extension is `ext`.
fn literal_extension(glob: &str) -> Option<&str> {
    let extension = glob.strip_prefix("*.")?;
    let literal = !extension.is_empty() && !extension.contains(['*', '?', '[', ']', '{', '}', '\\', '/', '.']);
    literal.then_some(extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLOBS: [&str; 8] = ["*.rs", "*.d.ts", "*.ts", "Makefile", "*.R", "*.r", "*.[ch]", "*.rs"];

    fn files() -> FileLanguages {
        FileLanguages::new(GLOBS.iter().enumerate().map(|(i, g)| (*g, i))).expect("valid globs")
    }

    proptest::proptest! {
        /// Verifies specs/003-navigation/spec.md FR-001: a file's language is that of the first
        /// glob a glob set matches on its name, whether the glob is looked up by extension or not.
        #[test]
        fn a_language_is_that_of_the_first_matching_glob(
            stem in proptest::sample::select(vec!["", "a", "lib", "x.d", "Makefile", "é"]),
            extension in proptest::option::of(proptest::sample::select(vec!["rs", "ts", "R", "r", "c", "h", "", "d.ts", "RS"])),
        ) {
            let name = match extension {
                Some(extension) => format!("{stem}.{extension}"),
                None => stem.to_string(),
            };
            let mut all = GlobSetBuilder::new();
            for glob in GLOBS {
                all.add(Glob::new(glob).expect("valid glob"));
            }
            let first = all.build().expect("globs build").matches(&name).into_iter().min();
            proptest::prop_assert_eq!(files().language(OsStr::new(&name)), first);
        }
    }

    #[test]
    fn only_a_plain_extension_is_looked_up_by_extension() {
        assert_eq!(literal_extension("*.rs"), Some("rs"));
        for glob in ["*.d.ts", "*.[ch]", "*.", "Makefile", "src/*.rs", "*.r?"] {
            assert_eq!(literal_extension(glob), None, "{glob}");
        }
    }
}
