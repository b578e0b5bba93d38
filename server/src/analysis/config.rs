//! Project configuration: which rules run and at what severity, which files are indexed, and the
//! vague-term list. `config_loader` reads it from `specls.toml` and editor settings; the formats a
//! project adds are compiled into the grammar instead (see `model::grammar::FormatSource`).

use std::collections::HashMap;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use super::diagnostics::Severity;

/// A rule's configured level: a severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    /// `error`, `warning`, `info` (or `information`), `hint` or `off`.
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "off" => Level::Off,
            "error" => Level::On(Severity::Error),
            "warning" => Level::On(Severity::Warning),
            "info" | "information" => Level::On(Severity::Information),
            "hint" => Level::On(Severity::Hint),
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub rules: HashMap<String, Level>,
    /// Replaces the built-in list of unmeasurable words checked by `vague-term`.
    pub vague_terms: Option<Vec<String>>,
    /// Which Markdown files of the workspace are indexed (`include` and `exclude` globs).
    pub files: FileFilter,
    /// The code index: which source files it reads and which of them are tests (`[code]`).
    pub code: CodeConfig,
    /// Which test results files are read (`[results]`).
    pub results: ResultsConfig,
    /// Largest file read from disk or analysed when open (`max_file_bytes`); `None`: the
    /// built-in limit.
    pub max_file_bytes: Option<u64>,
}

impl Config {
    /// The size limit for indexed and analysed files, configured or built in.
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes.unwrap_or(super::workspace::DEFAULT_MAX_FILE_BYTES)
    }
}

/// The `[results]` table: where test results are read from.
#[derive(Clone, Debug)]
pub struct ResultsConfig {
    pub enabled: bool,
    /// Globs over workspace-relative paths; `grammar/results.toml`'s when none are configured.
    pub paths: Vec<String>,
    pub set: GlobSet,
}

impl ResultsConfig {
    pub fn new(enabled: bool, paths: Vec<String>) -> Result<ResultsConfig, (String, globset::Error)> {
        let mut builder = GlobSetBuilder::new();
        for glob in &paths {
            builder.add(compile_glob(glob).map_err(|e| (glob.clone(), e))?);
        }
        let set = builder.build().map_err(|e| (paths.join(", "), e))?;
        Ok(ResultsConfig { enabled, paths, set })
    }

    /// Whether a workspace-relative path is a results file.
    pub fn matches(&self, relative: &str) -> bool {
        self.enabled && self.set.is_match(relative)
    }
}

impl Default for ResultsConfig {
    fn default() -> Self {
        let paths = crate::model::results::ResultsGrammar::builtin().paths.clone();
        ResultsConfig::new(true, paths).expect("the built-in results globs compile")
    }
}

impl PartialEq for ResultsConfig {
    fn eq(&self, other: &Self) -> bool {
        self.enabled == other.enabled && self.paths == other.paths
    }
}

/// The `[code]` table: the code index's own file globs.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeConfig {
    /// Index source and test files at all.
    pub enabled: bool,
    /// Which source files are read (`include` and `exclude` globs).
    pub files: FileFilter,
    /// Globs naming test files, replacing the built-in ones of `grammar/code.toml`.
    pub tests: Option<TestGlobs>,
}

impl Default for CodeConfig {
    fn default() -> Self {
        CodeConfig { enabled: true, files: FileFilter::default(), tests: None }
    }
}

/// Compiled test-file globs (shared: an edit to an open code file reads them on every keystroke).
#[derive(Clone, Debug)]
pub struct TestGlobs {
    globs: Vec<String>,
    pub set: std::sync::Arc<GlobSet>,
}

impl TestGlobs {
    pub fn new(globs: Vec<String>) -> Result<TestGlobs, (String, globset::Error)> {
        let mut builder = GlobSetBuilder::new();
        for glob in &globs {
            builder.add(compile_glob(glob).map_err(|e| (glob.clone(), e))?);
        }
        let set = builder.build().map_err(|e| (globs.join(", "), e))?;
        Ok(TestGlobs { globs, set: std::sync::Arc::new(set) })
    }
}

impl PartialEq for TestGlobs {
    fn eq(&self, other: &Self) -> bool {
        self.globs == other.globs
    }
}

impl Config {
    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, code: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(code) {
            Some(Level::Off) => None,
            Some(Level::On(severity)) => Some(*severity),
            None => Some(default),
        }
    }
}

/// `include` and `exclude` globs over workspace-relative paths (`/` separators). A file is
/// indexed when it matches an include glob (or there are none) and no exclude glob.
#[derive(Clone, Debug, Default)]
pub struct FileFilter {
    include: Vec<String>,
    exclude: Vec<String>,
    include_set: Option<GlobSet>,
    exclude_set: Option<GlobSet>,
}

impl PartialEq for FileFilter {
    fn eq(&self, other: &Self) -> bool {
        self.include == other.include && self.exclude == other.exclude
    }
}

impl FileFilter {
    /// Compile the globs; an error names the first glob that does not compile.
    pub fn new(include: Vec<String>, exclude: Vec<String>) -> Result<FileFilter, (String, globset::Error)> {
        let set = |globs: &[String]| -> Result<Option<GlobSet>, (String, globset::Error)> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut builder = GlobSetBuilder::new();
            for glob in globs {
                builder.add(compile_glob(glob).map_err(|e| (glob.clone(), e))?);
            }
            builder.build().map(Some).map_err(|e| (globs.join(", "), e))
        };
        Ok(FileFilter { include_set: set(&include)?, exclude_set: set(&exclude)?, include, exclude })
    }

    /// Whether the file at this workspace-relative path is indexed.
    pub fn allows(&self, relative: &str) -> bool {
        self.include_set.as_ref().is_none_or(|s| s.is_match(relative))
            && !self.exclude_set.as_ref().is_some_and(|s| s.is_match(relative))
    }

    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }
}

/// A glob as configuration globs are compiled: `*` stays within one path segment, `**` crosses
/// segments, as in the format files.
pub fn compile_glob(glob: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(glob).literal_separator(true).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_and_exclude_globs_filter_relative_paths() {
        let all = FileFilter::default();
        assert!(all.allows("specs/001-a/spec.md"));
        let filter = FileFilter::new(vec!["specs/**".into(), "README.md".into()], vec!["specs/*/drafts/**".into()])
            .expect("valid globs");
        assert!(filter.allows("specs/001-a/spec.md"));
        assert!(filter.allows("README.md"));
        assert!(!filter.allows("docs/README.md"), "`README.md` names the root file only");
        assert!(!filter.allows("specs/001-a/drafts/idea.md"));
        assert!(FileFilter::new(vec!["specs/[".into()], vec![]).is_err());
    }

    #[test]
    fn levels_parse() {
        assert_eq!(Level::parse("off"), Some(Level::Off));
        assert_eq!(Level::parse("info"), Some(Level::On(Severity::Information)));
        assert_eq!(Level::parse("fatal"), None);
    }
}
