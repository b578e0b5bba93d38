// Unit tests of the extension's own logic (no VS Code needed): `npm test`.
// Verifies specs/006-editors/spec.md FR-001.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

import {
  SERVER_COMMANDS,
  documentSelector,
  initializationOptions,
  resolveServerPath,
  serverOffers,
  serverSettings,
  statusAfter,
  statusText,
  wantsSemanticTokens,
} from "../src/logic";

describe("resolveServerPath", () => {
  const files = new Set(["/opt/specls/bin/specls", "/usr/local/bin/specls", "C:\\tools\\specls.exe"]);
  const isFile = (p: string) => files.has(p);

  it("uses the specls.path setting when it names a file", () => {
    assert.deepEqual(resolveServerPath("/opt/specls/bin/specls", "/usr/local/bin", "linux", isFile), {
      kind: "found",
      path: "/opt/specls/bin/specls",
    });
  });

  it("names the missing file of the setting instead of falling back to PATH", () => {
    const result = resolveServerPath("/nowhere/specls", "/usr/local/bin", "linux", isFile);
    assert.equal(result.kind, "missing");
    assert.match(result.kind === "missing" ? result.message : "", /specls\.path.*\/nowhere\/specls/);
  });

  it("finds specls on PATH in order when the setting is empty", () => {
    assert.deepEqual(resolveServerPath("  ", "/usr/bin::/usr/local/bin:/opt/specls/bin", "linux", isFile), {
      kind: "found",
      path: "/usr/local/bin/specls",
    });
  });

  it("looks for specls.exe with ; separators on Windows", () => {
    assert.deepEqual(resolveServerPath(undefined, "C:\\Windows;C:\\tools", "win32", isFile), {
      kind: "found",
      path: "C:\\tools\\specls.exe",
    });
  });

  it("says how to fix a missing binary", () => {
    const result = resolveServerPath(undefined, "/usr/bin", "linux", isFile);
    assert.equal(result.kind, "missing");
    assert.match(result.kind === "missing" ? result.message : "", /not on PATH.*specls\.path/);
  });
});

describe("settings", () => {
  it("sends nothing for default settings, so specls.toml and the server's defaults apply", () => {
    const defaults = {
      rules: {},
      vagueTerms: null,
      include: [],
      exclude: [],
      formats: [],
      code: { enabled: true, include: [], exclude: [], tests: [] },
      textSync: "incremental",
      pushDiagnostics: false,
    };
    assert.deepEqual(initializationOptions(defaults), {});
  });

  it("maps each setting to its specls.toml key", () => {
    const settings = {
      rules: { "missing-section": "off" },
      vagueTerms: ["fast"],
      include: ["specs/**"],
      exclude: ["specs/*/drafts/**"],
      formats: ["tools/adr.toml"],
      code: { enabled: false, include: ["src/**"], exclude: [], tests: ["tests/**"] },
    };
    assert.deepEqual(serverSettings(settings), {
      rules: { "missing-section": "off" },
      vague_terms: ["fast"],
      include: ["specs/**"],
      exclude: ["specs/*/drafts/**"],
      formats: ["tools/adr.toml"],
      code: { enabled: false, include: ["src/**"], tests: ["tests/**"] },
    });
  });

  it("keeps an empty vague-term list: it turns the rule's words off", () => {
    assert.deepEqual(serverSettings({ vagueTerms: [] }), { vague_terms: [] });
  });

  it("adds the session options only to initializationOptions", () => {
    const settings = { rules: { "duplicate-id": "warning" }, textSync: "full", pushDiagnostics: true };
    assert.deepEqual(initializationOptions(settings), {
      rules: { "duplicate-id": "warning" },
      textSync: "full",
      pushDiagnostics: true,
    });
    assert.deepEqual(serverSettings(settings), { rules: { "duplicate-id": "warning" } });
  });
});

describe("documentSelector", () => {
  it("always holds Markdown, then each code language once", () => {
    assert.deepEqual(documentSelector(["rust", "python", "rust", " ", "markdown"]), [
      { scheme: "file", language: "markdown" },
      { scheme: "file", language: "rust" },
      { scheme: "file", language: "python" },
    ]);
  });

  it("holds Markdown alone without code languages", () => {
    assert.deepEqual(documentSelector(undefined), [{ scheme: "file", language: "markdown" }]);
  });

  it("asks for semantic tokens in Markdown only", () => {
    assert.equal(wantsSemanticTokens("markdown"), true);
    assert.equal(wantsSemanticTokens("rust"), false);
    assert.equal(wantsSemanticTokens("typescript"), false);
  });
});

describe("server commands", () => {
  it("are offered only when executeCommandProvider lists them", () => {
    assert.equal(serverOffers(undefined, SERVER_COMMANDS.showTraceReport), false);
    assert.equal(serverOffers({}, SERVER_COMMANDS.showTraceReport), false);
    const capabilities = { executeCommandProvider: { commands: [SERVER_COMMANDS.reloadTestResults] } };
    assert.equal(serverOffers(capabilities, SERVER_COMMANDS.reloadTestResults), true);
    assert.equal(serverOffers(capabilities, SERVER_COMMANDS.showTraceReport), false);
  });
});

describe("status bar", () => {
  const counts = { errors: 2, warnings: 5 };

  it("shows the scan's progress while indexing", () => {
    const status = statusAfter({ kind: "report", message: "walking", percentage: 41.6 }, counts);
    assert.deepEqual(status, { kind: "indexing", message: "walking", percentage: 41.6 });
    assert.equal(statusText(status).text, "$(sync~spin) specls: indexing 42%");
    assert.match(statusText(status).tooltip, /walking/);
  });

  it("shows the counts and what was indexed once the scan ends", () => {
    const status = statusAfter({ kind: "end", message: "120 documents in 85 ms" }, counts);
    const { text, tooltip } = statusText(status);
    assert.equal(text, "$(checklist) specls $(error) 2 $(warning) 5");
    assert.equal(tooltip, "specls: indexed 120 documents in 85 ms; 2 errors, 5 warnings in specs and code");
  });

  it("says why the server stopped", () => {
    assert.match(statusText({ kind: "stopped", reason: "not on PATH" }).tooltip, /not on PATH/);
  });
});
