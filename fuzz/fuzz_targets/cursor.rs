#![no_main]

libfuzzer_sys::fuzz_target!(|input: &str| parsers::cursor(input));
