//! `openspec/added-exists`: an ADDED or RENAMED TO name the main spec already has: archive would refuse
//! the delta.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::support::{Refusal, emit_preflight};

pub const RULE: Rule = Rule {
    code: "openspec/added-exists",
    severity: Severity::Error,
    summary: "an ADDED or RENAMED TO name already exists in the main spec, so archive would refuse the delta",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    emit_preflight(cx, out, Refusal::Exists);
}
