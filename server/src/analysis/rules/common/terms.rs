//! The default word lists of `vague-term` and `template-placeholder`, kept as data in
//! `grammar/terms.toml` and parsed once.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

const SOURCE: &str = include_str!("../../../../../grammar/terms.toml");

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct TermsFile {
    vague_term: VagueFile,
    template_placeholder: PlaceholderFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VagueFile {
    terms: Vec<String>,
    measures: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceholderFile {
    allow: Vec<String>,
    short: Vec<String>,
    phrases: Vec<String>,
}

/// The compiled lists.
pub struct Terms {
    /// Built-in vague terms (the configuration may replace them).
    pub vague: Vec<String>,
    /// Lowercase words that make a vague term measurable.
    pub measures: HashSet<String>,
    /// Bracketed all-caps words that are not placeholders.
    pub allow: HashSet<String>,
    /// Short all-caps words that are placeholders all the same.
    pub short: HashSet<String>,
    /// Template phrases, matched against the text inside the brackets.
    pub phrases: Vec<Regex>,
}

pub fn terms() -> &'static Terms {
    static TERMS: OnceLock<Terms> = OnceLock::new();
    TERMS.get_or_init(|| {
        let file: TermsFile = toml::from_str(SOURCE).expect("grammar/terms.toml is valid");
        Terms {
            vague: file.vague_term.terms,
            measures: file.vague_term.measures.iter().map(|m| m.to_lowercase()).collect(),
            allow: file.template_placeholder.allow.into_iter().collect(),
            short: file.template_placeholder.short.into_iter().collect(),
            phrases: file
                .template_placeholder
                .phrases
                .iter()
                .map(|p| Regex::new(p).expect("grammar/terms.toml phrases are valid regexes"))
                .collect(),
        }
    })
}

/// Verifies specs/001-core-engine/spec.md FR-021.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_lists_load() {
        let t = terms();
        assert!(t.vague.iter().any(|v| v == "scalable"));
        assert!(t.measures.contains("ms"));
        assert!(t.allow.contains("NEEDS CLARIFICATION"));
        assert!(t.phrases.iter().any(|p| p.is_match("Brief Title")));
    }
}
