// The specls extension: starts the server, shows its progress and counts, and offers its commands.

import * as fs from "node:fs";
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from "vscode-languageclient/node";

import {
  INSTALL_README,
  SERVER_COMMANDS,
  Settings,
  Status,
  documentSelector,
  initializationOptions,
  resolveServerPath,
  serverOffers,
  serverSettings,
  statusAfter,
  statusText,
  wantsSemanticTokens,
} from "./logic";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
let status: Status = { kind: "starting" };

function settings(): Settings {
  return vscode.workspace.getConfiguration().get<Settings>("specls") ?? {};
}

function isFile(candidate: string): boolean {
  try {
    return fs.statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/** Errors and warnings specls reports, across every document VS Code knows about. */
function diagnosticCounts(): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const [, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const d of diagnostics) {
      if (d.source !== "specls") {
        continue;
      }
      if (d.severity === vscode.DiagnosticSeverity.Error) {
        errors++;
      } else if (d.severity === vscode.DiagnosticSeverity.Warning) {
        warnings++;
      }
    }
  }
  return { errors, warnings };
}

function showStatus(next: Status): void {
  status = next;
  const { text, tooltip } = statusText(status);
  statusItem.text = text;
  statusItem.tooltip = tooltip;
  statusItem.show();
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const current = settings();
  const server = resolveServerPath(current.path, process.env.PATH, process.platform, isFile);
  if (server.kind === "missing") {
    output.appendLine(server.message);
    showStatus({ kind: "stopped", reason: server.message });
    const install = "Install instructions";
    if ((await vscode.window.showErrorMessage(server.message, install)) === install) {
      await vscode.commands.executeCommand(
        "markdown.showPreview",
        vscode.Uri.joinPath(context.extensionUri, INSTALL_README),
      );
    }
    return;
  }
  output.appendLine(`specls: starting ${server.path}`);
  const serverOptions: ServerOptions = { command: server.path, args: ["serve"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(current.codeLanguages),
    initializationOptions: initializationOptions(current),
    outputChannel: output,
    synchronize: { configurationSection: "specls" },
    middleware: {
      // The server reads specls.toml's keys: answer workspace/configuration with those.
      workspace: {
        configuration: (params) =>
          params.items.map((item) => (item.section === "specls" ? serverSettings(settings()) : null)),
      },
      provideDocumentSemanticTokens: (document, token, next) =>
        wantsSemanticTokens(document.languageId) ? next(document, token) : undefined,
      provideDocumentRangeSemanticTokens: (document, range, token, next) =>
        wantsSemanticTokens(document.languageId) ? next(document, range, token) : undefined,
    },
  };
  client = new LanguageClient("specls", "specls", serverOptions, clientOptions);
  client.onDidChangeState((event) => {
    if (event.newState === State.Stopped) {
      showStatus({ kind: "stopped", reason: "the server stopped; run 'specls: Restart Server'" });
    }
  });
  showStatus({ kind: "starting" });
  try {
    await client.start();
  } catch (error) {
    const message = `specls: the server did not start: ${error instanceof Error ? error.message : String(error)}`;
    output.appendLine(message);
    showStatus({ kind: "stopped", reason: message });
    void vscode.window.showErrorMessage(message);
    return;
  }
  // The workspace scan's progress goes to the status bar (instead of a notification).
  const running = client;
  context.subscriptions.push(
    running.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      context.subscriptions.push(
        running.onProgress(WorkDoneProgress.type, token, (value) => showStatus(statusAfter(value, diagnosticCounts()))),
      );
    }),
  );
  showStatus({ kind: "ready", ...diagnosticCounts() });
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

/** Run a server command through workspace/executeCommand, or say the server does not offer it. */
async function runServerCommand(command: string, what: string): Promise<void> {
  if (!client || !client.isRunning()) {
    void vscode.window.showWarningMessage(`specls: the server is not running, so it cannot ${what}.`);
    return;
  }
  if (!serverOffers(client.initializeResult?.capabilities, command)) {
    void vscode.window.showInformationMessage(`specls: this version of the server cannot ${what} yet (no ${command} command).`);
    return;
  }
  const result = await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [] });
  if (typeof result === "string" && result.length > 0) {
    const document = await vscode.workspace.openTextDocument({ language: "markdown", content: result });
    await vscode.window.showTextDocument(document, { preview: true });
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("specls");
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  statusItem.name = "specls";
  statusItem.command = "specls.showOutput";
  context.subscriptions.push(
    output,
    statusItem,
    vscode.commands.registerCommand("specls.restartServer", async () => {
      await stop();
      await start(context);
    }),
    vscode.commands.registerCommand("specls.showTraceReport", () =>
      runServerCommand(SERVER_COMMANDS.showTraceReport, "show a trace report"),
    ),
    vscode.commands.registerCommand("specls.reloadTestResults", () =>
      runServerCommand(SERVER_COMMANDS.reloadTestResults, "reload test results"),
    ),
    vscode.commands.registerCommand("specls.showOutput", () => output.show(true)),
    vscode.languages.onDidChangeDiagnostics(() => {
      if (status.kind === "ready") {
        showStatus({ ...status, ...diagnosticCounts() });
      }
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // These settings are read when the server starts; the others reach it through
      // workspace/didChangeConfiguration.
      const restart = ["specls.path", "specls.codeLanguages", "specls.textSync", "specls.pushDiagnostics"];
      if (restart.some((key) => event.affectsConfiguration(key))) {
        await stop();
        await start(context);
      }
    }),
  );
  await start(context);
}

export function deactivate(): Promise<void> {
  return stop();
}
