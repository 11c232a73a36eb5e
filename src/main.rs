fn main() -> std::process::ExitCode {
    authlint::cli::main()
}
