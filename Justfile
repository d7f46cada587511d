# Everyday commands; `just` is optional, each recipe is one plain command.

# Formatting, lints and every test, as CI runs them.
check:
    scripts/test.sh

# Only the end-to-end tests against the real binary.
e2e:
    cargo nextest run -p tessera --test it

# The benchmarks behind docs/performance.md.
bench:
    bench/run.sh

serve:
    cargo run --release -p tessera -- serve
