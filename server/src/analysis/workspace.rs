//! Finding and indexing the spec documents of workspace folders: `.gitignore` honoured, files
//! parsed in parallel, oversized or binary files skipped with a reason.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::model::{self, CodeGrammar, Grammar};

use globset::GlobSet;

use super::config::{CodeConfig, FileFilter, ResultsConfig};
use super::index::{IndexedDoc, WorkspaceIndex, relative_to};
use super::test_state::TestResults;

/// Largest file indexed from disk; bigger ones are skipped and reported.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub max_file_bytes: u64,
    /// The configured `include` and `exclude` globs, over paths relative to the workspace root.
    /// Files named explicitly (a scan path that is a file) are always indexed.
    pub filter: FileFilter,
    /// Index source and test files too (the code index), with these globs; `None`: Markdown only.
    pub code: Option<CodeConfig>,
    /// Also list the test results files these globs name among the files the walk passes
    /// ([`Scan::results`]), so that reading the results needs no second walk of the tree.
    pub results: Option<ResultsConfig>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions { max_file_bytes: DEFAULT_MAX_FILE_BYTES, filter: FileFilter::default(), code: None, results: None }
    }
}

/// A file that was found but not indexed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub docs: Vec<IndexedDoc>,
    pub skipped: Vec<Skipped>,
    /// Files read with invalid UTF-8, indexed with replacement characters.
    pub lossy: Vec<PathBuf>,
    /// The results files the walk found, when [`WalkOptions::results`] asked for them: what
    /// [`results_files`] would find by walking the whole tree itself.
    pub results: Option<Vec<PathBuf>>,
}

/// Is this a Markdown file specls indexes?
pub fn is_markdown(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// List the Markdown files under `roots` (a root may also be a single file), honouring
/// `.gitignore`, `.ignore` and git excludes; hidden folders such as `.specify` and `.kiro` are
/// included, `.git` is not. Symlinks are not followed.
pub fn markdown_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    workspace_files(roots, None).0
}

/// The Markdown files and, when `code` is given, the source files its languages claim, under
/// `roots`, as [`markdown_files`] walks them. Both lists are sorted by their bytes: comparing
/// paths component by component cost more than reading the files on a 20,000-file tree.
pub fn workspace_files(roots: &[PathBuf], code: Option<&CodeGrammar>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let found = Mutex::new((Vec::new(), Vec::new()));
    walk(roots, code, false, |path, kind| {
        let mut found = found.lock().expect("walk lock");
        if kind == Found::Code { found.1.push(path) } else { found.0.push(path) }
    });
    let (mut markdown, mut sources) = found.into_inner().expect("walk lock");
    for files in [&mut markdown, &mut sources] {
        files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        files.dedup();
    }
    (markdown, sources)
}

/// What kind of file the walk found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Markdown,
    /// A source file of the code index's languages, outside vendored folders.
    Code,
    /// Any other file (only when asked for).
    Other,
}

/// Hand every Markdown and source file under `roots` to `visit`, and every other file too when
/// `others` is set, from the walker's threads as they are found, in no particular order; a root
/// may be a single file.
fn walk(roots: &[PathBuf], code: Option<&CodeGrammar>, others: bool, visit: impl Fn(PathBuf, Found) + Sync) {
    for root in roots {
        if root.is_file() {
            let kind = if code.is_some_and(|c| c.is_code(root)) { Found::Code } else { Found::Markdown };
            visit(root.clone(), kind);
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            let visit = &visit;
            Box::new(move |entry| {
                if let Ok(entry) = entry
                    && entry.file_type().is_some_and(|t| t.is_file())
                {
                    if is_markdown(entry.path()) {
                        visit(entry.into_path(), Found::Markdown);
                    } else if code.is_some_and(|c| {
                        c.is_code(entry.path())
                            && !c.is_vendored(entry.path().strip_prefix(root).unwrap_or(entry.path()))
                    }) {
                        visit(entry.into_path(), Found::Code);
                    } else if others {
                        visit(entry.into_path(), Found::Other);
                    }
                }
                ignore::WalkState::Continue
            })
        });
    }
}

/// Most results files read per workspace.
const MAX_RESULTS_FILES: usize = 1000;

/// The test results files under `roots` that the `[results]` globs name. A glob whose leading
/// folders are literal (`target/nextest/**/junit.xml`) is looked for in that folder even when
/// `.gitignore` leaves it out (build output usually is); one that starts with a pattern walks the
/// workspace as the index does, unless `walked` already holds what that walk finds (the files a
/// workspace scan listed, [`Scan::results`]).
pub fn results_files(roots: &[PathBuf], config: &ResultsConfig, walked: Option<&[PathBuf]>) -> Vec<PathBuf> {
    if !config.enabled {
        return Vec::new();
    }
    let mut found = Vec::new();
    for root in roots.iter().filter(|r| r.is_dir()) {
        let mut walk_all = false;
        let mut bases: Vec<PathBuf> = Vec::new();
        for glob in &config.paths {
            let literal: Vec<&str> = glob.split('/').take_while(|p| !p.contains(['*', '?', '[', '{'])).collect();
            if literal.len() == glob.split('/').count() {
                let file = root.join(glob);
                if file.is_file() && inside_roots(std::slice::from_ref(root), &file) {
                    found.push(file);
                }
            } else if literal.is_empty() {
                walk_all = true;
            } else {
                bases.push(root.join(literal.join("/")));
            }
        }
        let mut walk = |base: &Path, standard: bool| {
            if !base.is_dir() {
                return;
            }
            let walker = ignore::WalkBuilder::new(base)
                .standard_filters(standard)
                .hidden(false)
                .require_git(false)
                .follow_links(false)
                .filter_entry(|e| e.file_name() != ".git" && e.file_name() != "node_modules")
                .build();
            let roots = std::slice::from_ref(root);
            for entry in walker.flatten().filter(|e| e.file_type().is_some_and(|t| t.is_file())) {
                // The walk does not follow links, but its base may be one.
                if walked_results_file(roots, config, entry.path(), &relative_to(roots, entry.path())) {
                    found.push(entry.into_path());
                }
                if found.len() >= MAX_RESULTS_FILES {
                    return;
                }
            }
        };
        for base in &bases {
            walk(base, false);
        }
        if walk_all {
            match walked {
                Some(files) => found.extend(files.iter().filter(|f| f.starts_with(root)).cloned()),
                None => walk(root, true),
            }
        }
    }
    found.sort();
    found.dedup();
    found.truncate(MAX_RESULTS_FILES);
    found
}

/// Read the results files under `roots` (see [`results_files`]); files that cannot be read are
/// kept as problems.
pub fn load_results(roots: &[PathBuf], config: &ResultsConfig, walked: Option<&[PathBuf]>) -> TestResults {
    let mut results = TestResults::default();
    for path in results_files(roots, config, walked) {
        match crate::model::results::load(&path, crate::model::results::MAX_RESULTS_BYTES) {
            Ok(run) => results.runs.push(run),
            Err(e) => results.problems.push((path, e.to_string())),
        }
    }
    results
}

/// Whether `.gitignore` files (and `.ignore` files) between `root` and `path` leave the file
/// out, as the workspace walk would: for a file reported by a watcher, which the walk did not
/// see. The deepest file that has a say wins.
pub fn is_ignored(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else { return false };
    let mut dir = root.to_path_buf();
    let mut ignored = false;
    let mut folders = vec![dir.clone()];
    for part in relative.parent().into_iter().flat_map(|p| p.components()) {
        dir.push(part);
        folders.push(dir.clone());
    }
    for folder in folders {
        for name in [".gitignore", ".ignore"] {
            let file = folder.join(name);
            if !file.is_file() {
                continue;
            }
            let mut builder = ignore::gitignore::GitignoreBuilder::new(&folder);
            if builder.add(&file).is_some() {
                continue;
            }
            let Ok(matcher) = builder.build() else { continue };
            match matcher.matched_path_or_any_parents(path, false) {
                ignore::Match::Ignore(_) => ignored = true,
                ignore::Match::Whitelist(_) => ignored = false,
                ignore::Match::None => {}
            }
        }
    }
    ignored
}

/// Read a file for indexing: `Err(reason)` when it is not a regular file, is over `max_bytes`,
/// or is binary.
pub fn read_source(path: &Path, max_bytes: u64) -> Result<(String, bool), String> {
    use std::io::Read as _;
    let file = open_regular(path).map_err(|e| format!("cannot read: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let length = meta.len();
    if length > max_bytes {
        return Err(format!("{length} bytes is over the {max_bytes} byte limit for indexed files"));
    }
    // One open and one stat: the file is read to the length it had, plus whatever it grew by
    // meanwhile, up to the limit.
    let mut bytes = Vec::with_capacity(length as usize + 1);
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!("over the {max_bytes} byte limit for indexed files"));
    }
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Err("binary content (NUL bytes)".into());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, false)),
        Err(e) => Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), true)),
    }
}

/// Open a file for reading without blocking: a file replaced by a FIFO after the walk saw it
/// would otherwise hold the opening thread until a writer comes.
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

/// Whether `path`, with every symlink resolved, lies inside one of `roots` (also resolved): what
/// a workspace folder holds may be read, what a link inside it points to elsewhere may not.
/// A path that does not exist is not inside.
pub fn inside_roots(roots: &[PathBuf], path: &Path) -> bool {
    let Ok(real) = path.canonicalize() else { return false };
    roots.iter().any(|root| root.canonicalize().is_ok_and(|root| real.starts_with(root)))
}

/// Index every Markdown file under `paths`, in parallel; kinds are detected from each file's
/// path relative to the deepest of `roots` that holds it.
/// Files the configured globs exclude are not indexed, unless named in `paths` themselves.
/// Each file is read and modelled by the walker thread that finds it, so reading overlaps the
/// walk; the documents come out in the order of [`workspace_files`], Markdown first.
pub fn scan(grammar: &Grammar, paths: &[PathBuf], roots: &[PathBuf], options: &WalkOptions) -> Scan {
    let code_config = options.code.as_ref().filter(|c| c.enabled);
    let tests = code_config.and_then(|c| c.tests.as_ref()).map(|t| &*t.set);
    /// A document read (lossily or not), or why it was skipped.
    type Outcome = Result<(IndexedDoc, bool), String>;
    let outcomes: Mutex<Vec<(bool, PathBuf, Outcome)>> = Mutex::new(Vec::new());
    let results: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let results_config = options.results.as_ref().filter(|c| c.enabled);
    walk(paths, code_config.map(|_| &grammar.code), results_config.is_some(), |path, kind| {
        let relative = relative_to(roots, &path);
        if kind == Found::Other {
            if results_config.is_some_and(|config| walked_results_file(roots, config, &path, &relative)) {
                results.lock().expect("scan lock").push(path);
            }
            return;
        }
        let is_code = kind == Found::Code;
        let filter = if is_code { code_config.map(|c| &c.files) } else { Some(&options.filter) };
        if filter.is_some_and(|f| !f.is_empty() && !f.allows(&relative)) && !paths.contains(&path) {
            return;
        }
        let result: Outcome = match read_source(&path, options.max_file_bytes) {
            Ok((text, lossy)) if is_code => match code_doc(grammar, &path, &relative, text, tests) {
                Some(doc) => Ok((doc, lossy)),
                // It mentions nothing: not kept, and not sorted with the rest.
                None => return,
            },
            Ok((text, lossy)) => {
                let model = model::from_text(grammar, &path, &relative, &text);
                Ok((IndexedDoc::new(model, Arc::from(text)), lossy))
            }
            Err(reason) => Err(reason),
        };
        outcomes.lock().expect("scan lock").push((is_code, path, result));
    });
    let mut outcomes = outcomes.into_inner().expect("scan lock");
    outcomes.sort_unstable_by(|a, b| (a.0, a.1.as_os_str()).cmp(&(b.0, b.1.as_os_str())));
    outcomes.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut scan =
        Scan { results: options.results.as_ref().map(|_| results.into_inner().expect("scan lock")), ..Scan::default() };
    for (_, path, result) in outcomes {
        match result {
            Ok((doc, lossy)) => {
                if lossy {
                    scan.lossy.push(path);
                }
                scan.docs.push(doc);
            }
            Err(reason) => scan.skipped.push(Skipped { path, reason }),
        }
    }
    scan
}

/// Whether a walk for results files keeps this file: the globs name it (relative to a root that
/// holds it), it is outside `node_modules`, and inside the roots once links are resolved. Both
/// [`results_files`]' own walks and the scan's ask it (the scan only about files that are neither
/// Markdown nor indexed source).
fn walked_results_file(roots: &[PathBuf], config: &ResultsConfig, path: &Path, relative: &str) -> bool {
    let named = config.matches(relative)
        || (roots.len() > 1
            && roots
                .iter()
                .filter(|root| path.starts_with(root))
                .any(|root| config.matches(&relative_to(std::slice::from_ref(root), path))));
    named && !relative.split('/').any(|part| part == "node_modules") && inside_roots(roots, path)
}

/// The code index entry of a source file: `None` when it mentions no key and names no spec path,
/// so that files without links cost no memory.
pub fn code_doc(
    grammar: &Grammar,
    path: &Path,
    relative: &str,
    text: String,
    tests: Option<&GlobSet>,
) -> Option<IndexedDoc> {
    let model = model::build_code(&grammar.code, grammar.code_kind, path, relative, &text, tests)?;
    if model.references.len() >= model::code::MAX_MENTIONS {
        tracing::warn!(
            "{}: over {} mentions of spec keys; the rest are not indexed",
            path.display(),
            model::code::MAX_MENTIONS
        );
    }
    if model.references.is_empty() && model.links.is_empty() {
        return None;
    }
    Some(IndexedDoc::new(model, Arc::from(text)))
}

/// The same documents modelled again with another grammar (the configured formats changed).
pub fn remodel(index: &WorkspaceIndex, grammar: Arc<Grammar>) -> WorkspaceIndex {
    let docs: Vec<Arc<IndexedDoc>> = index.docs().cloned().collect();
    let roots = index.roots().to_vec();
    let remodelled: Vec<IndexedDoc> = docs
        .par_iter()
        .map(|doc| {
            let path = &doc.model.path;
            let model = model::model_file(&grammar, path, &relative_to(&roots, path), &doc.text);
            IndexedDoc::new(model, doc.text.clone())
        })
        .collect();
    let mut fresh = WorkspaceIndex::new(grammar, roots);
    fresh.config = index.config.clone();
    fresh.results = index.results.clone();
    fresh.extend(remodelled);
    fresh
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Verifies specs/001-core-engine/spec.md FR-013.
    #[test]
    fn watched_files_honour_gitignore_files_like_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/gen")).unwrap();
        std::fs::write(root.join(".gitignore"), "generated/\n*.tmp.rs\n").unwrap();
        std::fs::write(root.join("src/.gitignore"), "gen/\n!keep.tmp.rs\n").unwrap();
        assert!(is_ignored(root, &root.join("generated/a.rs")));
        assert!(is_ignored(root, &root.join("src/x.tmp.rs")));
        assert!(!is_ignored(root, &root.join("src/keep.tmp.rs")), "a deeper file re-includes it");
        assert!(is_ignored(root, &root.join("src/gen/b.rs")));
        assert!(!is_ignored(root, &root.join("src/lib.rs")));
        assert!(!is_ignored(root, Path::new("/elsewhere/a.rs")));
    }

    /// Verifies specs/005-test-results/spec.md FR-001: at start the server reads the results
    /// files the workspace scan listed, which must be those a walk of the tree finds.
    #[test]
    fn a_scan_lists_the_results_files_a_walk_of_the_tree_finds() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let files = [
            (".gitignore", "build/\ntarget/\n"),
            ("specs/001-a/spec.md", "# Title\n"),
            ("src/lib.rs", "// FR-001\n"),
            ("junit.xml", "<testsuites/>"),
            ("web/app.junit.xml", "<testsuites/>"),
            ("deep/a/b/TEST-b.xml", "<testsuites/>"),
            ("web/node_modules/dep/x.junit.xml", "<testsuites/>"),
            ("build/TEST-c.xml", "<testsuites/>"),
            ("target/nextest/ci/junit.xml", "<testsuites/>"),
            ("notes/results.xml", "<testsuites/>"),
        ];
        for (file, text) in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        std::fs::write(outside.path().join("TEST-out.xml"), "<testsuites/>").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path().join("TEST-out.xml"), root.join("web/TEST-out.xml")).unwrap();
        let config = ResultsConfig::default();
        let roots = vec![root.clone()];
        let relative = |files: Vec<PathBuf>| -> Vec<String> { files.iter().map(|f| relative_to(&roots, f)).collect() };
        let walked = relative(results_files(&roots, &config, None));
        assert_eq!(walked, ["deep/a/b/TEST-b.xml", "junit.xml", "target/nextest/ci/junit.xml", "web/app.junit.xml"]);
        for code in [None, Some(CodeConfig::default())] {
            let options = WalkOptions { code, results: Some(config.clone()), ..WalkOptions::default() };
            let scanned = scan(&Grammar::builtin(), &roots, &roots, &options);
            let listed = scanned.results.expect("the scan was asked for results files");
            assert_eq!(relative(results_files(&roots, &config, Some(&listed))), walked);
        }
        let unasked = scan(&Grammar::builtin(), &roots, &roots, &WalkOptions::default());
        assert!(unasked.results.is_none());
    }

    #[test]
    fn excluded_files_are_not_scanned_unless_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        for file in ["specs/001-a/spec.md", "specs/001-a/drafts/idea.md", "notes/todo.md"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "# Title\n").unwrap();
        }
        let filter = FileFilter::new(vec!["specs/**".into()], vec!["**/drafts/**".into()]).unwrap();
        let options = WalkOptions { filter, ..WalkOptions::default() };
        let relative = |scan: &Scan| -> Vec<String> {
            let mut found: Vec<String> =
                scan.docs.iter().map(|d| relative_to(std::slice::from_ref(&root), &d.model.path)).collect();
            found.sort();
            found
        };
        let grammar = Grammar::builtin();
        let all = scan(&grammar, std::slice::from_ref(&root), std::slice::from_ref(&root), &options);
        assert_eq!(relative(&all), ["specs/001-a/spec.md"]);
        let named = root.join("notes/todo.md");
        let explicit = scan(&grammar, std::slice::from_ref(&named), std::slice::from_ref(&root), &options);
        assert_eq!(relative(&explicit), ["notes/todo.md"]);
    }
}
