//! `specls check --format sarif`: the report as a SARIF 2.1.0 log, the format GitHub code scanning
//! and other viewers load. One run; the driver lists every rule of the catalogue (and the
//! configuration problem codes); locations are relative to the working folder (`%SRCROOT%`), with
//! columns in UTF-16 code units, SARIF's default `columnKind`.

use std::io::Write;
use std::ops::Range;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::analysis::config_loader;
use crate::analysis::{Severity, rules};
use crate::text::{LineIndex, PositionEncoding};

use super::check::Report;

/// The schema the log declares: SARIF 2.1.0 as published by OASIS (Errata 01).
pub const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base every relative artifact URI is resolved against: the folder `specls check` ran in.
const SRCROOT: &str = "%SRCROOT%";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

/// Every reportable code: the rule catalogue, then the configuration problems.
fn descriptors() -> Vec<(&'static str, Severity, &'static str)> {
    rules::catalogue().map(|r| (r.code, r.severity, r.summary)).chain(config_loader::CODES.iter().copied()).collect()
}

/// Where the project's documentation lives, when the package says (`repository` or `homepage`).
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")].into_iter().find(|u| !u.is_empty())
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    short_description: Message,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

pub fn print_sarif(report: &Report, out: &mut impl Write) -> Result<()> {
    let descriptors = descriptors();
    let rule_index = |code: &str| descriptors.iter().position(|(c, ..)| *c == code);
    let cwd = std::env::current_dir().unwrap_or_default();

    let mut results = Vec::new();
    for (path, diags) in &report.files {
        let Some(doc) = report.source(path) else { continue };
        for d in diags {
            let related_locations = d
                .related
                .iter()
                .filter_map(|r| Some((r, report.source(&r.path)?)))
                .enumerate()
                .map(|(id, (r, other))| Location {
                    id: Some(id),
                    physical_location: physical_location(&cwd, &r.path, other, &r.range),
                    message: Some(Message { text: r.message.clone() }),
                })
                .collect();
            results.push(SarifResult {
                rule_id: d.code,
                rule_index: rule_index(d.code),
                level: level(d.severity),
                message: Message { text: d.message.clone() },
                locations: vec![Location {
                    id: None,
                    physical_location: physical_location(&cwd, path, doc, &d.range),
                    message: None,
                }],
                related_locations,
            });
        }
    }

    let rules = descriptors
        .iter()
        .map(|&(id, severity, summary)| RuleDescriptor {
            id,
            short_description: Message { text: summary.to_string() },
            default_configuration: Configuration { level: level(severity) },
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "specls",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules,
                },
            },
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)?;
    Ok(())
}

/// A file and region: the URI relative to the working folder when the file is under it, else an
/// absolute `file:` URI; 1-based lines and columns, the end column exclusive.
fn physical_location(
    cwd: &Path,
    path: &Path,
    (text, lines): (&str, &LineIndex),
    range: &Range<usize>,
) -> PhysicalLocation {
    let artifact_location = match path.strip_prefix(cwd) {
        Ok(relative) if !relative.as_os_str().is_empty() => {
            let segments: Vec<String> =
                relative.components().map(|c| encode(&c.as_os_str().to_string_lossy())).collect();
            ArtifactLocation { uri: segments.join("/"), uri_base_id: Some(SRCROOT) }
        }
        _ => {
            let segments: Vec<String> = path
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(s) => Some(encode(&s.to_string_lossy())),
                    _ => None,
                })
                .collect();
            ArtifactLocation { uri: format!("file:///{}", segments.join("/")), uri_base_id: None }
        }
    };
    let start = lines.position(text, range.start, PositionEncoding::Utf16);
    let end = lines.position(text, range.end.max(range.start), PositionEncoding::Utf16);
    PhysicalLocation {
        artifact_location,
        region: Region {
            start_line: start.line + 1,
            start_column: start.character + 1,
            end_line: end.line + 1,
            end_column: end.character + 1,
        },
    }
}

/// Percent-encode one path segment for a URI: everything but unreserved characters and the
/// sub-delimiters that are safe in a path.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'@' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode("001-login"), "001-login");
        assert_eq!(encode("my spec#1.md"), "my%20spec%231.md");
        assert_eq!(encode("café:x"), "caf%C3%A9%3Ax");
    }

    #[test]
    fn columns_count_utf16_code_units_and_end_exclusive() {
        let text = "# 😀 FR-001\n";
        let lines = LineIndex::new(text);
        let start = text.find("FR").unwrap();
        let location =
            physical_location(Path::new("/ws"), Path::new("/ws/a b.md"), (text, &lines), &(start..start + 6));
        assert_eq!(location.artifact_location, ArtifactLocation { uri: "a%20b.md".into(), uri_base_id: Some(SRCROOT) });
        // `# ` is 2 units, the emoji 2 more and a space 1: FR starts at unit 5, column 6.
        assert_eq!(location.region, Region { start_line: 1, start_column: 6, end_line: 1, end_column: 12 });
        let outside = physical_location(Path::new("/ws"), Path::new("/elsewhere/x.md"), (text, &lines), &(0..1));
        assert_eq!(
            outside.artifact_location,
            ArtifactLocation { uri: "file:///elsewhere/x.md".into(), uri_base_id: None }
        );
    }

    #[test]
    fn every_rule_has_a_descriptor_once() {
        let descriptors = descriptors();
        let mut codes: Vec<&str> = descriptors.iter().map(|d| d.0).collect();
        assert_eq!(codes.len(), rules::catalogue().count() + config_loader::CODES.len());
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), descriptors.len());
    }
}
