//! `kiro/steering-front-matter`: steering front matter Kiro cannot act on: an unknown `inclusion`
//! value, `inclusion: fileMatch` without a `fileMatchPattern`, a pattern that is no glob, or a
//! misspelt key. The front matter is masked from line analysis, so it is read from the text.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::front_matter::{self, Entry};
use super::support::kind;

pub const RULE: Rule = Rule {
    code: "kiro/steering-front-matter",
    severity: Severity::Error,
    summary: "a Kiro steering file's front matter has an inclusion Kiro cannot act on",
    check,
};

pub const KEYS: [&str; 4] = ["inclusion", "fileMatchPattern", "name", "description"];
const INCLUSIONS: [&str; 4] = ["always", "fileMatch", "manual", "auto"];

/// The entry for a key, spelt exactly.
pub fn entry<'e>(entries: &'e [Entry], key: &str) -> Option<&'e Entry> {
    entries.iter().find(|e| e.key.value == key)
}

fn check(cx: &Context, out: &mut Emitter) {
    if kind(cx) != "kiro.steering" {
        return;
    }
    let text = &cx.doc.text;
    let Some(entries) = front_matter::parse(text) else { return };
    let loose = |s: &str| s.to_lowercase().replace(['_', '-'], "").trim_end_matches('s').to_string();
    for e in &entries {
        let key = &e.key.value;
        if KEYS.contains(&key.as_str()) {
            continue;
        }
        if let Some(known) = KEYS.iter().find(|k| loose(k) == loose(key)) {
            out.emit(e.key.range.clone(), format!("Kiro does not read `{key}`; did you mean `{known}`?"));
        }
    }
    let Some(inclusion) = entry(&entries, "inclusion") else { return };
    let value = match inclusion.values.as_slice() {
        [one] => one,
        _ => {
            out.emit(
                inclusion.value_range.clone(),
                "`inclusion` needs one value: `always`, `fileMatch`, `manual` or `auto`".to_string(),
            );
            return;
        }
    };
    let mode = value.value.trim();
    if !INCLUSIONS.contains(&mode) {
        let message = match INCLUSIONS.iter().find(|i| i.eq_ignore_ascii_case(mode)) {
            Some(spelt) => format!("Kiro writes this inclusion as `{spelt}`, not `{mode}`"),
            None => {
                format!("Unknown steering inclusion `{mode}`: Kiro accepts `always`, `fileMatch`, `manual` or `auto`")
            }
        };
        out.emit(value.range.clone(), message);
        return;
    }
    let pattern = entry(&entries, "fileMatchPattern");
    if mode == "fileMatch" && pattern.is_none_or(Entry::is_empty) {
        out.emit(
            value.range.clone(),
            "`inclusion: fileMatch` needs a `fileMatchPattern` (a glob such as `'**/*.tsx'`, or a list of globs); without one the file is never included".to_string(),
        );
    }
    for glob in pattern.iter().flat_map(|p| &p.values) {
        if let Err(e) = globset::Glob::new(glob.value.trim()) {
            let why = e.kind().to_string();
            out.emit(glob.range.clone(), format!("`{}` is not a valid glob: {why}", glob.value));
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn found(front: &str) -> Vec<String> {
        let text = format!("---\n{front}---\n\n# Standards\n");
        check_files(&[(".kiro/steering/style.md", &text)])
            .into_iter()
            .filter(|d| d.contains("kiro/steering"))
            .map(|d| d.split_once(' ').unwrap().1.to_string())
            .collect()
    }

    #[test]
    fn inclusion_values_and_patterns() {
        assert!(found("inclusion: always\n").is_empty());
        assert!(found("inclusion: fileMatch\nfileMatchPattern: ['**/*.css', 'src/**/*.tsx']\n").is_empty());
        assert!(found("inclusion: manual\n").is_empty());
        assert_eq!(
            found("inclusion: sometimes\n"),
            [
                "kiro/steering-front-matter Unknown steering inclusion `sometimes`: Kiro accepts `always`, `fileMatch`, `manual` or `auto`"
            ]
        );
        assert_eq!(
            found("inclusion: filematch\n"),
            ["kiro/steering-front-matter Kiro writes this inclusion as `fileMatch`, not `filematch`"]
        );
        let missing = found("inclusion: fileMatch\n");
        assert!(missing[0].starts_with("kiro/steering-front-matter `inclusion: fileMatch` needs a `fileMatchPattern`"));
        let bad = found("inclusion: fileMatch\nfileMatchPattern:\n  - 'src/[a.ts'\n");
        assert!(bad[0].starts_with("kiro/steering-front-matter `src/[a.ts` is not a valid glob"), "{bad:?}");
        let typo = found("inclusion: fileMatch\nfilematchpatterns: '*.ts'\n");
        assert_eq!(typo.len(), 2);
        assert!(typo[1].contains("did you mean `fileMatchPattern`?"), "{typo:?}");
    }

    #[test]
    fn positions_point_at_the_value() {
        let got = check_files(&[(".kiro/steering/x.md", "---\ninclusion: 'never'\n---\n")]);
        assert!(got[0].starts_with(".kiro/steering/x.md:2:13 kiro/steering-front-matter"), "{got:?}");
    }
}
