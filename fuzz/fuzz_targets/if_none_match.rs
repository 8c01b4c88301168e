#![no_main]

libfuzzer_sys::fuzz_target!(|input: &str| parsers::if_none_match(input));
