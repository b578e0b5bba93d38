fn main() -> std::process::ExitCode {
    specls::cli::main()
}
