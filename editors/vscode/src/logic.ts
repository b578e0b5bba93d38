// The extension's logic that does not need VS Code: where the server is, what it is told, which
// documents it gets, and what the status bar says. Unit-tested in test/ with node:test.

import * as path from "node:path";

/** Where a user reads how to install specls: the extension's own README, shipped in the package. */
export const INSTALL_README = "README.md";

/** Commands run on the server through workspace/executeCommand. */
export const SERVER_COMMANDS = {
  showTraceReport: "specls.showTraceReport",
  reloadTestResults: "specls.reloadTestResults",
} as const;

export type ServerPath = { kind: "found"; path: string } | { kind: "missing"; message: string };

/**
 * The server binary: the `specls.path` setting when set (it must exist), else `specls` on `PATH`.
 * `isFile` is injected so tests need no file system.
 */
export function resolveServerPath(
  setting: string | undefined,
  envPath: string | undefined,
  platform: NodeJS.Platform,
  isFile: (candidate: string) => boolean,
): ServerPath {
  const configured = setting?.trim();
  if (configured) {
    if (isFile(configured)) {
      return { kind: "found", path: configured };
    }
    return {
      kind: "missing",
      message: `specls: the file named by the setting specls.path does not exist: ${configured}`,
    };
  }
  const names = platform === "win32" ? ["specls.exe", "specls.cmd", "specls"] : ["specls"];
  const separator = platform === "win32" ? ";" : ":";
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  for (const dir of (envPath ?? "").split(separator)) {
    if (!dir) {
      continue;
    }
    for (const name of names) {
      const candidate = join(dir, name);
      if (isFile(candidate)) {
        return { kind: "found", path: candidate };
      }
    }
  }
  return {
    kind: "missing",
    message: "specls: the specls binary is not on PATH; install it or set specls.path",
  };
}

/** The extension's settings as VS Code returns them for the `specls` section. */
export interface Settings {
  path?: string;
  codeLanguages?: string[];
  rules?: Record<string, string>;
  vagueTerms?: string[] | null;
  include?: string[];
  exclude?: string[];
  formats?: string[];
  code?: { enabled?: boolean; include?: string[]; exclude?: string[]; tests?: string[] };
  textSync?: string;
  pushDiagnostics?: boolean;
}

type Json = Record<string, unknown>;

function nonEmpty(list: string[] | undefined | null): list is string[] {
  return Array.isArray(list) && list.length > 0;
}

/**
 * The settings that mirror specls.toml, under specls.toml's own keys; unset and empty values are
 * left out so the server's defaults (and specls.toml) apply.
 */
export function serverSettings(settings: Settings): Json {
  const out: Json = {};
  if (settings.rules && Object.keys(settings.rules).length > 0) {
    out.rules = { ...settings.rules };
  }
  if (Array.isArray(settings.vagueTerms)) {
    out.vague_terms = [...settings.vagueTerms];
  }
  if (nonEmpty(settings.include)) {
    out.include = [...settings.include];
  }
  if (nonEmpty(settings.exclude)) {
    out.exclude = [...settings.exclude];
  }
  if (nonEmpty(settings.formats)) {
    out.formats = [...settings.formats];
  }
  const code: Json = {};
  if (settings.code?.enabled === false) {
    code.enabled = false;
  }
  for (const key of ["include", "exclude", "tests"] as const) {
    const globs = settings.code?.[key];
    if (nonEmpty(globs)) {
      code[key] = [...globs];
    }
  }
  if (Object.keys(code).length > 0) {
    out.code = code;
  }
  return out;
}

/** initializationOptions: the session options beside the specls.toml keys. */
export function initializationOptions(settings: Settings): Json {
  const out = serverSettings(settings);
  if (settings.textSync === "full") {
    out.textSync = "full";
  }
  if (settings.pushDiagnostics) {
    out.pushDiagnostics = true;
  }
  return out;
}

export interface DocumentFilter {
  scheme: string;
  language: string;
}

/** Markdown always, then each configured code language once. */
export function documentSelector(codeLanguages: string[] | undefined): DocumentFilter[] {
  const languages = ["markdown", ...(codeLanguages ?? [])];
  const unique = [...new Set(languages.map((l) => l.trim()).filter((l) => l.length > 0))];
  return unique.map((language) => ({ scheme: "file", language }));
}

/** Semantic tokens are for specs; code files keep their own language's highlighting. */
export function wantsSemanticTokens(languageId: string): boolean {
  return languageId === "markdown";
}

/** Whether the server's `executeCommandProvider` lists `command`. */
export function serverOffers(capabilities: { executeCommandProvider?: { commands?: string[] } } | undefined, command: string): boolean {
  return capabilities?.executeCommandProvider?.commands?.includes(command) ?? false;
}

/** What the status bar shows. */
export type Status =
  | { kind: "starting" }
  | { kind: "indexing"; message?: string; percentage?: number }
  | { kind: "ready"; indexed?: string; errors: number; warnings: number }
  | { kind: "stopped"; reason: string };

export function statusText(status: Status): { text: string; tooltip: string } {
  switch (status.kind) {
    case "starting":
      return { text: "$(sync~spin) specls", tooltip: "specls: starting the server" };
    case "indexing": {
      const percent = status.percentage === undefined ? "" : ` ${Math.round(status.percentage)}%`;
      return {
        text: `$(sync~spin) specls: indexing${percent}`,
        tooltip: `specls: indexing the workspace${status.message ? ` (${status.message})` : ""}`,
      };
    }
    case "ready": {
      const counts = `$(error) ${status.errors} $(warning) ${status.warnings}`;
      return {
        text: `$(checklist) specls ${counts}`,
        tooltip: `specls: ${status.indexed ? `indexed ${status.indexed}; ` : ""}${status.errors} errors, ${status.warnings} warnings in specs and code`,
      };
    }
    case "stopped":
      return { text: "$(circle-slash) specls", tooltip: `specls: ${status.reason}` };
  }
}

/** The `$/progress` values the server sends while it scans the workspace. */
export type Progress =
  | { kind: "begin"; title?: string; message?: string; percentage?: number }
  | { kind: "report"; message?: string; percentage?: number }
  | { kind: "end"; message?: string };

/** The status after a progress value, given the diagnostic counts. */
export function statusAfter(progress: Progress, counts: { errors: number; warnings: number }): Status {
  if (progress.kind === "end") {
    return { kind: "ready", indexed: progress.message, ...counts };
  }
  return { kind: "indexing", message: progress.message, percentage: progress.percentage };
}
