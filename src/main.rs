// The run allocates and frees millions of small syntax nodes across threads:
// mimalloc does that markedly faster than the system allocator (see the
// README's dependency list for the figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    authlint::cli::main()
}
