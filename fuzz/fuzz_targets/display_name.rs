#![no_main]

libfuzzer_sys::fuzz_target!(|input: &str| parsers::display_name(input));
