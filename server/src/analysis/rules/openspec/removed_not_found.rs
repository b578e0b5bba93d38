//! `openspec/removed-not-found`: a REMOVED name the main spec lacks; archive only warns and treats it as
//! already removed, but it is usually a typo or a stale entry.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::support::{Refusal, emit_preflight};

pub const RULE: Rule = Rule {
    code: "openspec/removed-not-found",
    severity: Severity::Warning,
    summary: "a REMOVED name is not in the main spec (archive treats it as removed)",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    emit_preflight(cx, out, Refusal::RemovedAbsent);
}
