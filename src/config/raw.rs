//! The config file as written: strings and options, before validation.
